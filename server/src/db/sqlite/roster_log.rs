//! The roster change log: one row per entity that kiosks must re-read (or drop). Kiosks pull it
//! by cursor (`seq`), so a row is appended in the same transaction as the change it announces.

use attend_protocol::ids::OrgId;
use rusqlite::Transaction;

use super::super::StoreResult;
use super::codec::db;

/// Appends to the roster change log, which is what kiosks pull by cursor.
pub(crate) fn roster_changed(
    tx: &Transaction<'_>,
    org: OrgId,
    entity: &str,
    id: &str,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO roster_changes (org_id, entity, entity_id) VALUES (?1, ?2, ?3)",
        rusqlite::params![org.to_string(), entity, id],
    )
    .map_err(db)?;
    Ok(())
}
