//! The organisations store on SQLite.

use crate::db::sql::{Row, Sql, params};
use async_trait::async_trait;
use attend_protocol::face_policy::{FaceMatchRules, LivenessPolicy};
use attend_protocol::ids::{DepartmentId, OrgId, SiteId, UserId};
use jiff::Timestamp;

use super::store::OrgStore;
use super::{Department, Organisation, Site};
use super::{face_match_sql, liveness_sql};
use crate::db::sql::{
    Audit, ScopedList, SqlDb, db, get_id, get_ts, new_id, opt_org, org_in_scope, require_org,
    site_in_scope, ts,
};
use crate::db::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreError, StoreResult};

const ORGS: ScopedList<'static> = ScopedList {
    select: "id, name, created_at, require_totp_for_approvers, single_admin_self_approval",
    from: "organisations",
    live: "1 = 1",
    org_col: "id",
    dept_col: None,
    key_col: "id",
};
const SITES: ScopedList<'static> = ScopedList {
    select: "id, org_id, name, timezone, created_at",
    from: "sites",
    live: "1 = 1",
    org_col: "org_id",
    dept_col: None,
    key_col: "id",
};
const DEPARTMENTS: ScopedList<'static> = ScopedList {
    select: "id, org_id, name, created_at",
    from: "departments",
    live: "1 = 1",
    org_col: "org_id",
    dept_col: None,
    key_col: "id",
};

fn org_row(r: &Row<'_>) -> rusqlite::Result<Organisation> {
    Ok(Organisation {
        id: get_id(r, 0)?,
        name: r.get(1)?,
        created_at: get_ts(r, 2)?,
        require_totp_for_approvers: r.get(3)?,
        single_admin_self_approval: r.get(4)?,
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

/// Active org admins of the organisation: the single-admin setting needs exactly one.
const ACTIVE_ADMINS: &str = "(SELECT count(*) FROM users
    WHERE org_id = ?1 AND role = 'org_admin' AND status = 'active')";

#[async_trait]
impl OrgStore for SqlDb {
    async fn set_single_admin(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: OrgId,
        enabled: bool,
    ) -> StoreResult<Organisation> {
        org_in_scope(scope, id)?;
        let ctx = ctx.clone();
        self.write(move |tx| {
            let admins: i64 = tx
                .query_row(&format!("SELECT {ACTIVE_ADMINS}"), [id.to_string()], |r| {
                    r.get(0)
                })
                .map_err(db)?;
            if enabled && admins != 1 {
                return Err(StoreError::State(format!(
                    "the single-admin setting is for an organisation with one active admin; this one has {admins}"
                )));
            }
            let n = tx
                .execute(
                    "UPDATE organisations SET single_admin_self_approval = ?2 WHERE id = ?1",
                    params![id.to_string(), enabled],
                )
                .map_err(db)?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            let org = tx
                .query_row(
                    &format!("SELECT {} FROM organisations WHERE id = ?1", ORGS.select),
                    [id.to_string()],
                    org_row,
                )
                .map_err(db)?;
            Audit::new(&ctx, Some(id), "set_single_admin", "organisation")
                .id(id.to_string())
                .after(&org)
                .write(tx)?;
            Ok(org)
        })
        .await
    }

    async fn single_admin_waiver(&self, org: OrgId, user: UserId) -> StoreResult<bool> {
        self.read(move |c| {
            c.query_row(
                &format!(
                    "SELECT o.single_admin_self_approval <> 0 AND {ACTIVE_ADMINS} = 1
                            AND EXISTS (SELECT 1 FROM users WHERE id = ?2 AND org_id = ?1
                                        AND role = 'org_admin' AND status = 'active')
                     FROM organisations o WHERE o.id = ?1"
                ),
                params![org.to_string(), user.to_string()],
                |r| r.get(0),
            )
            .map_err(db)
        })
        .await
    }

    async fn create_org(
        &self,
        ctx: &AuditCtx,
        name: &str,
        join_code: &str,
    ) -> StoreResult<Organisation> {
        let (ctx, name, code) = (ctx.clone(), name.to_owned(), join_code.to_owned());
        self.write(move |tx| {
            let org = Organisation {
                id: new_id(),
                name: name.clone(),
                created_at: Timestamp::now(),
                require_totp_for_approvers: false,
                single_admin_self_approval: false,
            };
            tx.execute(
                "INSERT INTO organisations (id, name, join_code, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![org.id.to_string(), org.name, code, ts(org.created_at)],
            )
            .map_err(db)?;
            Audit::new(&ctx, Some(org.id), "create", "organisation").id(org.id.to_string()).after(&org).write(tx)?;
            Ok(org)
        })
        .await
    }

    async fn list_orgs(&self, scope: Scope, page: &Page) -> StoreResult<Paged<Organisation>> {
        self.scoped_page(
            ORGS,
            scope,
            &DepartmentFilter::Any,
            Vec::new(),
            page,
            org_row,
            |r| r.id.to_string(),
        )
        .await
    }

    async fn get_org(&self, scope: Scope, id: OrgId) -> StoreResult<Organisation> {
        org_in_scope(scope, id)?;
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {} FROM organisations WHERE id = ?1", ORGS.select),
                [id.to_string()],
                org_row,
            )
            .map_err(db)
        })
        .await
    }

    async fn join_code(&self, scope: Scope, id: OrgId) -> StoreResult<String> {
        org_in_scope(scope, id)?;
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

    async fn set_totp_policy(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: OrgId,
        required: bool,
    ) -> StoreResult<Organisation> {
        org_in_scope(scope, id)?;
        let ctx = ctx.clone();
        self.write(move |tx| {
            let load = |tx: &Sql<'_>| {
                tx.query_row(
                    &format!("SELECT {} FROM organisations WHERE id = ?1", ORGS.select),
                    [id.to_string()],
                    org_row,
                )
                .map_err(db)
            };
            let before = load(tx)?;
            tx.execute(
                "UPDATE organisations SET require_totp_for_approvers = ?2 WHERE id = ?1",
                params![id.to_string(), required],
            )
            .map_err(db)?;
            let after = load(tx)?;
            Audit::new(&ctx, Some(id), "update_settings", "organisation")
                .id(id.to_string())
                .before(&before)
                .after(&after)
                .write(tx)?;
            Ok(after)
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
        org_in_scope(scope, id)?;
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
            Audit::new(&ctx, Some(id), "rotate_join_code", "organisation")
                .id(id.to_string())
                .write(tx)
        })
        .await
    }

    async fn org_by_join_code(&self, code: &str) -> StoreResult<Organisation> {
        let code = code.to_owned();
        self.read(move |c| {
            c.query_row(
                &format!(
                    "SELECT {} FROM organisations WHERE join_code = ?1",
                    ORGS.select
                ),
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
            let site = Site { id: new_id(), org_id: org, name: name.clone(), timezone: timezone.clone(), created_at: Timestamp::now() };
            tx.execute(
                "INSERT INTO sites (id, org_id, name, timezone, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![site.id.to_string(), org.to_string(), site.name, site.timezone, ts(site.created_at)],
            )
            .map_err(db)?;
            Audit::new(&ctx, Some(org), "create", "site").id(site.id.to_string()).after(&site).write(tx)?;
            Ok(site)
        })
        .await
    }

    async fn list_sites(&self, scope: Scope, page: &Page) -> StoreResult<Paged<Site>> {
        self.scoped_page(
            SITES,
            scope,
            &DepartmentFilter::Any,
            Vec::new(),
            page,
            site_row,
            |r| r.id.to_string(),
        )
        .await
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

    async fn site_liveness(&self, scope: Scope, id: SiteId) -> StoreResult<LivenessPolicy> {
        self.read(move |c| {
            site_in_scope(c, scope, id)?;
            liveness_sql::site_liveness(c, id)
        })
        .await
    }

    async fn set_site_liveness(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: SiteId,
        policy: LivenessPolicy,
    ) -> StoreResult<LivenessPolicy> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let (org, _) = site_in_scope(tx, scope, id)?;
            liveness_sql::set_site_liveness(tx, &ctx, org, id, &policy)
        })
        .await
    }

    async fn site_face_match(&self, scope: Scope, id: SiteId) -> StoreResult<FaceMatchRules> {
        self.read(move |c| {
            site_in_scope(c, scope, id)?;
            face_match_sql::site_face_match(c, id)
        })
        .await
    }

    async fn set_site_face_match(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: SiteId,
        rules: FaceMatchRules,
    ) -> StoreResult<FaceMatchRules> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let (org, _) = site_in_scope(tx, scope, id)?;
            face_match_sql::set_site_face_match(tx, &ctx, org, id, &rules)
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
                name: name.clone(),
                created_at: Timestamp::now(),
            };
            tx.execute(
                "INSERT INTO departments (id, org_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![d.id.to_string(), org.to_string(), d.name, ts(d.created_at)],
            )
            .map_err(db)?;
            Audit::new(&ctx, Some(org), "create", "department")
                .id(d.id.to_string())
                .after(&d)
                .write(tx)?;
            Ok(d)
        })
        .await
    }

    async fn list_departments(&self, scope: Scope, page: &Page) -> StoreResult<Paged<Department>> {
        self.scoped_page(
            DEPARTMENTS,
            scope,
            &DepartmentFilter::Any,
            Vec::new(),
            page,
            department_row,
            |r| r.id.to_string(),
        )
        .await
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
