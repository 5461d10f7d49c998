//! A site's face-match rules on SQLite: one JSON row per site in `site_face_match`, none for a
//! site that keeps a new site's rules.

use crate::db::sql::{OptionalExtension, Sql, params};
use attend_protocol::face_policy::FaceMatchRules;
use attend_protocol::ids::{OrgId, SiteId};
use jiff::Timestamp;

use crate::db::sql::{Audit, db, ts};
use crate::db::{AuditCtx, StoreError, StoreResult};

/// The site's rules (a new site's when none are stored). The caller has checked the site is
/// in scope.
pub(crate) fn site_face_match(c: &Sql<'_>, site: SiteId) -> StoreResult<FaceMatchRules> {
    let stored: Option<String> = c
        .query_row(
            "SELECT rules FROM site_face_match WHERE site_id = ?1",
            [site.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    match stored {
        None => Ok(FaceMatchRules::for_new_site()),
        Some(json) => serde_json::from_str(&json).map_err(|e| StoreError::Backend(e.into())),
    }
}

/// Stores the site's rules with an audit row holding the rules before and after.
pub(crate) fn set_site_face_match(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    org: OrgId,
    site: SiteId,
    rules: &FaceMatchRules,
) -> StoreResult<FaceMatchRules> {
    let before = site_face_match(tx, site)?;
    let json = serde_json::to_string(rules).map_err(|e| StoreError::Backend(e.into()))?;
    tx.execute(
        "INSERT INTO site_face_match (site_id, org_id, rules, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (site_id) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at",
        params![site.to_string(), org.to_string(), json, ts(Timestamp::now())],
    )
    .map_err(db)?;
    Audit::new(ctx, Some(org), "update", "site_face_match")
        .id(site.to_string())
        .before(&before)
        .after(rules)
        .write(tx)?;
    Ok(rules.clone())
}
