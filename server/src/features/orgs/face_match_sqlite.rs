//! A site's face-match rules on SQLite: one JSON row per site in `site_face_match`, none for a
//! site that keeps a new site's rules.

use attend_protocol::face_policy::FaceMatchRules;
use attend_protocol::ids::{OrgId, SiteId};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::db::sqlite::{Audit, db, ts};
use crate::db::{AuditCtx, StoreError, StoreResult};

/// The site's rules (a new site's when none are stored). The caller has checked the site is
/// in scope.
pub(crate) fn site_face_match(c: &Connection, site: SiteId) -> StoreResult<FaceMatchRules> {
    let stored: Option<String> = c
        .prepare_cached("SELECT rules FROM site_face_match WHERE site_id = ?1")
        .and_then(|mut s| s.query_row([site.to_string()], |r| r.get(0)).optional())
        .map_err(db)?;
    match stored {
        None => Ok(FaceMatchRules::for_new_site()),
        Some(json) => serde_json::from_str(&json).map_err(|e| StoreError::Backend(e.into())),
    }
}

/// Stores the site's rules with an audit row holding the rules before and after.
pub(crate) fn set_site_face_match(
    tx: &Transaction<'_>,
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
