//! The block ledger on SQLite: one row per tier and key, rewritten by each new block.

use crate::db::sql::{OptionalExtension, Row, params};
use async_trait::async_trait;
use jiff::Timestamp;

use crate::db::StoreResult;
use crate::db::sql::{SqlDb, db, get_ts, query_rows, ts};
use crate::platform::rate_limit::Tier;
use crate::platform::rate_limit::blocks::{Block, BlockLedger, Escalation, MEMORY};

const COLUMNS: &str = "tier, key, offences, since, blocked_until";

fn block_row(r: &Row<'_>) -> rusqlite::Result<Block> {
    let tier: String = r.get(0)?;
    Ok(Block {
        tier: Tier::parse(&tier).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                format!("unknown tier {tier:?}").into(),
            )
        })?,
        key: r.get(1)?,
        offences: r.get(2)?,
        since: get_ts(r, 3)?,
        until: get_ts(r, 4)?,
    })
}

#[async_trait]
impl BlockLedger for SqlDb {
    async fn block(
        &self,
        tier: Tier,
        key: &str,
        now: Timestamp,
        rule: Escalation,
    ) -> StoreResult<Block> {
        let key = key.to_owned();
        self.write(move |tx| {
            let previous = tx
                .query_row(
                    &format!("SELECT {COLUMNS} FROM rate_blocks WHERE tier = ?1 AND key = ?2"),
                    params![tier.as_str(), key],
                    block_row,
                )
                .optional()
                .map_err(db)?;
            let block = rule.next(tier, &key, previous.as_ref(), now);
            tx.execute(
                "INSERT INTO rate_blocks (tier, key, offences, since, blocked_until)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (tier, key) DO UPDATE SET offences = excluded.offences,
                     since = excluded.since, blocked_until = excluded.blocked_until",
                params![
                    tier.as_str(),
                    block.key,
                    block.offences,
                    ts(block.since),
                    ts(block.until)
                ],
            )
            .map_err(db)?;
            Ok(block)
        })
        .await
    }

    async fn active(&self, now: Timestamp) -> StoreResult<Vec<Block>> {
        let forgotten = ts(now - MEMORY);
        self.write(move |tx| {
            tx.execute(
                "DELETE FROM rate_blocks WHERE blocked_until < ?1",
                [forgotten.clone()],
            )
            .map_err(db)?;
            Ok(())
        })
        .await?;
        let now = ts(now);
        self.read(move |c| {
            query_rows(
                c,
                &format!("SELECT {COLUMNS} FROM rate_blocks WHERE blocked_until > ?1"),
                [now],
                block_row,
            )
        })
        .await
    }

    async fn lift(&self, tier: Tier, key: &str, now: Timestamp) -> StoreResult<bool> {
        let key = key.to_owned();
        let now = ts(now);
        self.write(move |tx| {
            let active = tx
                .execute(
                    "DELETE FROM rate_blocks WHERE tier = ?1 AND key = ?2 AND blocked_until > ?3",
                    params![tier.as_str(), key, now],
                )
                .map_err(db)?;
            // A block that already ended is forgiven too (its offences no longer count).
            tx.execute(
                "DELETE FROM rate_blocks WHERE tier = ?1 AND key = ?2",
                params![tier.as_str(), key],
            )
            .map_err(db)?;
            Ok(active > 0)
        })
        .await
    }
}
