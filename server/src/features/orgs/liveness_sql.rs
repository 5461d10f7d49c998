//! A site's liveness rules on SQLite: one JSON row per site in `site_liveness`, none for a
//! site that keeps a new site's rules.

use crate::db::sql::{OptionalExtension, Sql, params};
use attend_protocol::face_policy::LivenessPolicy;
use attend_protocol::ids::SiteId;
use jiff::Timestamp;

use crate::db::sql::{Audit, db, ts};
use crate::db::{AuditCtx, StoreError, StoreResult};

/// The site's rules (a new site's when none are stored). The caller has checked the site is
/// in scope.
pub(crate) fn site_liveness(c: &Sql<'_>, site: SiteId) -> StoreResult<LivenessPolicy> {
    let stored: Option<String> = c
        .query_row(
            "SELECT policy FROM site_liveness WHERE site_id = ?1",
            [site.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    match stored {
        None => Ok(LivenessPolicy::for_new_site()),
        Some(json) => serde_json::from_str(&json).map_err(|e| StoreError::Backend(e.into())),
    }
}

/// Stores the site's rules with an audit row holding the rules before and after.
pub(crate) fn set_site_liveness(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    org: attend_protocol::ids::OrgId,
    site: SiteId,
    policy: &LivenessPolicy,
) -> StoreResult<LivenessPolicy> {
    let before = site_liveness(tx, site)?;
    let json = serde_json::to_string(policy).map_err(|e| StoreError::Backend(e.into()))?;
    tx.execute(
        "INSERT INTO site_liveness (site_id, org_id, policy, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (site_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at",
        params![site.to_string(), org.to_string(), json, ts(Timestamp::now())],
    )
    .map_err(db)?;
    Audit::new(ctx, Some(org), "update", "site_liveness")
        .id(site.to_string())
        .before(&before)
        .after(policy)
        .write(tx)?;
    Ok(policy.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::sql::Sql;
    use crate::db::sqlite::{migrate, migrate_to};

    #[test]
    fn sites_from_before_the_rules_get_the_passive_check_and_new_ones_the_new_site_rules() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("attend.db");
        let old = migrate_to(&path, 19).expect("schema 19");
        old.execute_batch(
            "INSERT INTO organisations (id, name, join_code, created_at) VALUES ('o', 'Org', 'JOINCODE', '2026-01-01T00:00:00.000000Z');
             INSERT INTO sites (id, org_id, name, timezone, created_at)
                 VALUES ('0190f5a0-0000-7000-8000-000000000001', 'o', 'Old', 'UTC', '2026-01-01T00:00:00.000000Z');",
        )
        .expect("an old site");
        drop(old);
        migrate(&path).expect("migrated");
        let conn = rusqlite::Connection::open(&path).expect("read");
        let c = Sql::sqlite(&conn);
        let site = |n: u128| {
            SiteId(uuid::Uuid::from_u128(
                0x0190f5a0_0000_7000_8000_000000000000 | n,
            ))
        };
        assert_eq!(
            site_liveness(&c, site(1)).expect("old site"),
            LivenessPolicy::for_upgraded_site()
        );
        assert_eq!(
            site_liveness(&c, site(2)).expect("a site without rules"),
            LivenessPolicy::for_new_site()
        );
    }
}
