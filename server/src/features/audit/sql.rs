//! The audit log on SQLite, read newest first.

use crate::db::sql::{Row, params};
use async_trait::async_trait;

use super::AuditEntry;
use super::store::AuditStore;
use crate::db::sql::{SqlDb, get_json, get_opt_id, get_ts, opt_org, paged, query_rows};
use crate::db::{Page, Paged, Scope, StoreError, StoreResult};

fn audit_row(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.get(0)?,
        at: get_ts(r, 1)?,
        org_id: get_opt_id(r, 2)?,
        actor_kind: r.get(3)?,
        actor_id: r.get(4)?,
        action: r.get(5)?,
        entity: r.get(6)?,
        entity_id: r.get(7)?,
        before: get_json(r, 8)?,
        after: get_json(r, 9)?,
        ip: r.get(10)?,
        request_id: r.get(11)?,
        four_eyes_waived: r.get(12)?,
    })
}

#[async_trait]
impl AuditStore for SqlDb {
    async fn list_audit(
        &self,
        scope: Scope,
        waived: bool,
        page: &Page,
    ) -> StoreResult<Paged<AuditEntry>> {
        let after: Option<i64> = match &page.after {
            Some(a) => Some(
                a.parse()
                    .map_err(|_| StoreError::State("after: must be an audit entry id".into()))?,
            ),
            None => None,
        };
        let (org, limit) = (opt_org(scope.org()), i64::from(page.limit) + 1);
        let rows = self
            .read(move |c| {
                query_rows(
                    c,
                    "SELECT id, at, org_id, actor_kind, actor_id, action, entity, entity_id, before, after, ip, request_id,
                            four_eyes_waived
                     FROM audit_log WHERE (?1 IS NULL OR org_id = ?1) AND (?2 IS NULL OR id < ?2)
                       AND (NOT ?4 OR four_eyes_waived IS NOT NULL)
                     ORDER BY id DESC LIMIT ?3",
                    params![org, after, limit, waived],
                    audit_row,
                )
            })
            .await?;
        Ok(paged(rows, page, |a| a.id.to_string()))
    }
}
