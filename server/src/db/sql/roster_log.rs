//! The roster change log: one row per entity that kiosks must re-read (or drop). Kiosks pull it
//! by cursor (`seq`), so a row is appended in the same transaction as the change it announces.
//!
//! On PostgreSQL, appending first takes a transaction-scoped advisory lock on the organisation
//! (see [`crate::db::postgres::roster_log`] for why: without it `seq` order need not be commit
//! order, and a kiosk's cursor could pass a change still being committed). SQLite's single
//! writer gives the same order for free.

use attend_protocol::ids::OrgId;

use super::super::StoreResult;
use super::codec::db;
use crate::db::postgres::roster_log::ROSTER_LOCK;
use crate::db::sql::{Dialect, Sql, params};

/// Appends to the roster change log, which is what kiosks pull by cursor.
pub(crate) fn roster_changed(tx: &Sql<'_>, org: OrgId, entity: &str, id: &str) -> StoreResult<()> {
    let org = org.to_string();
    if tx.dialect() == Dialect::Postgres {
        tx.execute(
            "SELECT pg_advisory_xact_lock(?1, hashtext(?2))",
            params![ROSTER_LOCK, org],
        )
        .map_err(db)?;
    }
    tx.execute(
        "INSERT INTO roster_changes (org_id, entity, entity_id) VALUES (?1, ?2, ?3)",
        params![org, entity, id],
    )
    .map_err(db)?;
    Ok(())
}
