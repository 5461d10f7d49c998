//! Organisations, sites and departments.

use async_trait::async_trait;
use attend_protocol::ids::{DepartmentId, OrgId, SiteId};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, Row, params};

use super::{
    SqliteStore, audit_tx, db, get_id, get_ts, new_id, opt_org, page_params, paged, query_rows, ts,
};
use crate::storage::{
    AuditCtx, Department, OrgStore, Organisation, Page, Paged, Scope, Site, StoreError, StoreResult,
};

fn org_row(r: &Row<'_>) -> rusqlite::Result<Organisation> {
    Ok(Organisation {
        id: get_id(r, 0)?,
        name: r.get(1)?,
        created_at: get_ts(r, 2)?,
    })
}

fn site_row(r: &Row<'_>) -> rusqlite::Result<Site> {
    Ok(Site {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        name: r.get(2)?,
        timezone: r.get(3)?,
        created_at: get_ts(r, 4)?,
    })
}

fn department_row(r: &Row<'_>) -> rusqlite::Result<Department> {
    Ok(Department {
        id: get_id(r, 0)?,
        org_id: get_id(r, 1)?,
        name: r.get(2)?,
        created_at: get_ts(r, 3)?,
    })
}

/// Fails with `BadReference { field: "org_id" }` unless the organisation exists.
pub(crate) fn require_org(tx: &rusqlite::Connection, org: OrgId) -> StoreResult<()> {
    let found: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM organisations WHERE id = ?1",
            [org.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    found
        .map(|_| ())
        .ok_or(StoreError::BadReference { field: "org_id" })
}

#[async_trait]
impl OrgStore for SqliteStore {
    async fn create_org(
        &self,
        ctx: &AuditCtx,
        name: &str,
        join_code: &str,
    ) -> StoreResult<Organisation> {
        let (ctx, name, code) = (ctx.clone(), name.to_owned(), join_code.to_owned());
        self.write(move |tx| {
            let org = Organisation { id: new_id(), name, created_at: Timestamp::now() };
            tx.execute(
                "INSERT INTO organisations (id, name, join_code, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![org.id.to_string(), org.name, code, ts(org.created_at)],
            )
            .map_err(db)?;
            audit_tx(tx, &ctx, Some(org.id), "create", "organisation", Some(&org.id.to_string()), None, Some(&org))?;
            Ok(org)
        })
        .await
    }

    async fn list_orgs(&self, scope: Scope, page: &Page) -> StoreResult<Paged<Organisation>> {
        let (after, limit) = page_params(page);
        let org = opt_org(scope.org());
        let rows = self
            .read(move |c| {
                query_rows(c, "SELECT id, name, created_at FROM organisations
                         WHERE (?1 IS NULL OR id = ?1) AND (?2 IS NULL OR id > ?2) ORDER BY id LIMIT ?3", params![org, after, limit], org_row)
            })
            .await?;
        Ok(paged(rows, page, |o| o.id.to_string()))
    }

    async fn get_org(&self, scope: Scope, id: OrgId) -> StoreResult<Organisation> {
        if !scope.allows(id) {
            return Err(StoreError::NotFound);
        }
        self.read(move |c| {
            c.query_row(
                "SELECT id, name, created_at FROM organisations WHERE id = ?1",
                [id.to_string()],
                org_row,
            )
            .map_err(db)
        })
        .await
    }

    async fn join_code(&self, scope: Scope, id: OrgId) -> StoreResult<String> {
        if !scope.allows(id) {
            return Err(StoreError::NotFound);
        }
        self.read(move |c| {
            c.query_row(
                "SELECT join_code FROM organisations WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .map_err(db)
        })
        .await
    }

    async fn set_join_code(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: OrgId,
        code: &str,
    ) -> StoreResult<()> {
        if !scope.allows(id) {
            return Err(StoreError::NotFound);
        }
        let (ctx, code) = (ctx.clone(), code.to_owned());
        self.write(move |tx| {
            let n = tx
                .execute(
                    "UPDATE organisations SET join_code = ?2 WHERE id = ?1",
                    params![id.to_string(), code],
                )
                .map_err(db)?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            audit_tx(
                tx,
                &ctx,
                Some(id),
                "rotate_join_code",
                "organisation",
                Some(&id.to_string()),
                None,
                None,
            )
        })
        .await
    }

    async fn org_by_join_code(&self, code: &str) -> StoreResult<Organisation> {
        let code = code.to_owned();
        self.read(move |c| {
            c.query_row(
                "SELECT id, name, created_at FROM organisations WHERE join_code = ?1",
                [code],
                org_row,
            )
            .map_err(db)
        })
        .await
    }

    async fn create_site(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        name: &str,
        timezone: &str,
    ) -> StoreResult<Site> {
        let (ctx, name, timezone) = (ctx.clone(), name.to_owned(), timezone.to_owned());
        self.write(move |tx| {
            require_org(tx, org)?;
            let site = Site { id: new_id(), org_id: org, name, timezone, created_at: Timestamp::now() };
            tx.execute(
                "INSERT INTO sites (id, org_id, name, timezone, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![site.id.to_string(), org.to_string(), site.name, site.timezone, ts(site.created_at)],
            )
            .map_err(db)?;
            audit_tx(tx, &ctx, Some(org), "create", "site", Some(&site.id.to_string()), None, Some(&site))?;
            Ok(site)
        })
        .await
    }

    async fn list_sites(&self, scope: Scope, page: &Page) -> StoreResult<Paged<Site>> {
        let (after, limit) = page_params(page);
        let org = opt_org(scope.org());
        let rows = self
            .read(move |c| {
                query_rows(c, "SELECT id, org_id, name, timezone, created_at FROM sites
                         WHERE (?1 IS NULL OR org_id = ?1) AND (?2 IS NULL OR id > ?2) ORDER BY id LIMIT ?3", params![org, after, limit], site_row)
            })
            .await?;
        Ok(paged(rows, page, |s| s.id.to_string()))
    }

    async fn get_site(&self, scope: Scope, id: SiteId) -> StoreResult<Site> {
        let org = opt_org(scope.org());
        self.read(move |c| {
            c.query_row(
                "SELECT id, org_id, name, timezone, created_at FROM sites WHERE id = ?1 AND (?2 IS NULL OR org_id = ?2)",
                params![id.to_string(), org],
                site_row,
            )
            .map_err(db)
        })
        .await
    }

    async fn create_department(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        name: &str,
    ) -> StoreResult<Department> {
        let (ctx, name) = (ctx.clone(), name.to_owned());
        self.write(move |tx| {
            require_org(tx, org)?;
            let d = Department {
                id: new_id(),
                org_id: org,
                name,
                created_at: Timestamp::now(),
            };
            tx.execute(
                "INSERT INTO departments (id, org_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![d.id.to_string(), org.to_string(), d.name, ts(d.created_at)],
            )
            .map_err(db)?;
            audit_tx(
                tx,
                &ctx,
                Some(org),
                "create",
                "department",
                Some(&d.id.to_string()),
                None,
                Some(&d),
            )?;
            Ok(d)
        })
        .await
    }

    async fn list_departments(&self, scope: Scope, page: &Page) -> StoreResult<Paged<Department>> {
        let (after, limit) = page_params(page);
        let org = opt_org(scope.org());
        let rows = self
            .read(move |c| {
                query_rows(c, "SELECT id, org_id, name, created_at FROM departments
                         WHERE (?1 IS NULL OR org_id = ?1) AND (?2 IS NULL OR id > ?2) ORDER BY id LIMIT ?3", params![org, after, limit], department_row)
            })
            .await?;
        Ok(paged(rows, page, |d| d.id.to_string()))
    }

    async fn get_department(&self, scope: Scope, id: DepartmentId) -> StoreResult<Department> {
        let org = opt_org(scope.org());
        self.read(move |c| {
            c.query_row(
                "SELECT id, org_id, name, created_at FROM departments WHERE id = ?1 AND (?2 IS NULL OR org_id = ?2)",
                params![id.to_string(), org],
                department_row,
            )
            .map_err(db)
        })
        .await
    }
}
