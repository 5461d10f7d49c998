//! The roster change log on PostgreSQL: what kiosks pull by cursor (`seq`), appended in the same
//! transaction as the change it announces (as `db/sqlite/roster_log.rs` does on SQLite).
//!
//! Why a lock: on SQLite one writer at a time means `seq` order is commit order. On PostgreSQL
//! two transactions take sequence numbers when they insert and may commit the other way round;
//! a kiosk that read 11 before 10 committed would move its cursor past 10 and never see that
//! change. So appending first takes a transaction-scoped advisory lock on the organisation
//! ([`ROSTER_LOCK`], the organisation's `hashtext`), held to commit: within one organisation the
//! appends serialise, and when a reader sees a `seq`, every smaller one of that organisation has
//! committed. Organisations that share a hash only wait for each other.

use attend_protocol::ids::OrgId;
use tokio_postgres::GenericClient;

/// First key of the two-key advisory lock ("RO").
pub const ROSTER_LOCK: i32 = 0x524f;

/// Appends one change inside the caller's transaction; returns its `seq`.
pub async fn roster_changed(
    tx: &tokio_postgres::Transaction<'_>,
    org: OrgId,
    entity: &str,
    id: &str,
) -> Result<i64, tokio_postgres::Error> {
    let org = org.to_string();
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext($2))",
        &[&ROSTER_LOCK, &org],
    )
    .await?;
    let row = tx
        .query_one(
            "INSERT INTO roster_changes (org_id, entity, entity_id) VALUES ($1, $2, $3)
             RETURNING seq",
            &[&org, &entity, &id],
        )
        .await?;
    Ok(row.get(0))
}

/// The latest change per entity after `since`, oldest first, at most `limit`:
/// `(seq, entity, entity_id)`.
pub async fn changes_since(
    client: &impl GenericClient,
    org: OrgId,
    since: i64,
    limit: i64,
) -> Result<Vec<(i64, String, String)>, tokio_postgres::Error> {
    Ok(client
        .query(
            "SELECT max(seq) AS s, entity, entity_id FROM roster_changes
             WHERE org_id = $1 AND seq > $2 GROUP BY entity, entity_id ORDER BY s LIMIT $3",
            &[&org.to_string(), &since, &limit],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}
