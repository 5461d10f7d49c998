//! Periodic work claimed by period ([`crate::db::Schedule`]), the same on both backends.

use async_trait::async_trait;
use jiff::Timestamp;

use super::{SqlDb, db, params, ts};
use crate::db::{Schedule, StoreResult};

#[async_trait]
impl Schedule for SqlDb {
    async fn claim_period(&self, name: &str, now: Timestamp, next: Timestamp) -> StoreResult<bool> {
        let name = name.to_owned();
        // At READ COMMITTED a second claimer waits on the first's row lock, then finds
        // `due_at` moved on and changes nothing.
        self.claim(move |tx| {
            tx.execute(
                "INSERT INTO scheduled_work (name, due_at) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
                params![name, ts(now)],
            )
            .map_err(db)?;
            let moved = tx
                .execute(
                    "UPDATE scheduled_work SET due_at = ?3 WHERE name = ?1 AND due_at <= ?2",
                    params![name, ts(now), ts(next)],
                )
                .map_err(db)?;
            Ok(moved == 1)
        })
        .await
    }
}
