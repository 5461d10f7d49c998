//! Housekeeping on SQLite ([`crate::db::Prune`]): one transaction, table by table.

use crate::db::sql::params;
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use super::{SqlDb, db, ts};
use crate::db::{Prune, StoreResult};

/// Each statement deletes rows that expired (or ended) before `?1`.
const PRUNE: &[&str] = &[
    // Lockout counters whose window and lock are both over.
    "DELETE FROM auth_throttle WHERE window_start < ?1 AND (locked_until IS NULL OR locked_until < ?1)",
    "DELETE FROM web_sessions WHERE expires_at < ?1 OR revoked_at < ?1",
    "DELETE FROM refresh_tokens WHERE expires_at < ?1",
    "DELETE FROM password_resets WHERE expires_at < ?1",
    // Ended login sessions with no refresh token left (the audit log names sessions by id only).
    "DELETE FROM auth_sessions WHERE revoked_at < ?1
       AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.session_id = auth_sessions.id)",
];

/// The roster change log keeps only each entity's newest row. A kiosk asks for the newest
/// change of every entity after its cursor, so a superseded row can never change an answer:
/// the log stays as long as the number of entities, however often they change.
const COMPACT_ROSTER_LOG: &str = "DELETE FROM roster_changes WHERE seq < (
    SELECT MAX(newer.seq) FROM roster_changes newer
    WHERE newer.org_id = roster_changes.org_id AND newer.entity = roster_changes.entity
      AND newer.entity_id = roster_changes.entity_id)";

#[async_trait]
impl Prune for SqlDb {
    async fn prune(&self, now: Timestamp, grace: SignedDuration) -> StoreResult<u64> {
        let before = ts(now - grace);
        // Nonces are kept as seconds; anything older than the grace is far past any skew window.
        let nonces_before = (now - grace).as_second();
        self.write(move |tx| {
            let mut gone = 0u64;
            for sql in PRUNE {
                gone += tx.execute(sql, params![before]).map_err(db)? as u64;
            }
            gone += tx
                .execute(
                    "DELETE FROM device_nonces WHERE seen_at < ?1",
                    params![nonces_before],
                )
                .map_err(db)? as u64;
            gone += tx.execute(COMPACT_ROSTER_LOG, ()).map_err(db)? as u64;
            Ok(gone)
        })
        .await
    }
}
