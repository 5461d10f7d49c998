//! Events set aside after the server refused them alone (413, 422), and their return to the
//! queue when another server version answers. Both moves are one transaction each, so an
//! event is always in exactly one of `outbox` and `set_aside`, never in neither.

use std::str::FromStr;

use attend_protocol::ids::EventId;
use jiff::Timestamp;
use rusqlite::{TransactionBehavior, params};

use super::store::{Outbox, OutboxError, ts};

/// One set-aside event, as the operator sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetAside {
    pub event_id: EventId,
    pub seq: u64,
    /// The HTTP status of the refusal (413 or 422).
    pub status: u16,
    pub reason: String,
    /// The refusing server's version, `None` if it named none.
    pub server_version: Option<String>,
}

/// What the heartbeat reports about set-aside events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetAsideSummary {
    pub count: u64,
    /// The most recently set aside event's refusal, `"{status}: {reason}"`.
    pub latest: Option<String>,
}

impl Outbox {
    /// Moves the event out of the queue with the server's refusal. `false` if it was not in
    /// the queue (already delivered, or set aside before).
    pub fn set_aside(
        &mut self,
        id: EventId,
        status: u16,
        reason: &str,
        server_version: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, OutboxError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = id.to_string();
        let moved = tx.execute(
            "INSERT INTO set_aside (seq, event_id, captured_at, clock_suspect, body, attempts,
                                    status, reason, server_version, set_aside_at)
             SELECT seq, event_id, captured_at, clock_suspect, body, attempts, ?2, ?3, ?4, ?5
             FROM outbox WHERE event_id = ?1",
            params![id, status, reason, server_version, ts(now)],
        )?;
        tx.execute("DELETE FROM outbox WHERE event_id = ?1", [&id])?;
        tx.commit()?;
        Ok(moved == 1)
    }

    /// Puts back in the queue, under their own `seq` (so in their old order), the events set
    /// aside under any version other than `server_version`; returns how many.
    pub fn release_set_aside(
        &mut self,
        server_version: Option<&str>,
    ) -> Result<usize, OutboxError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // `IS NOT` compares NULLs as values: "no version named" differs from any named one.
        let released = tx.execute(
            "INSERT INTO outbox (seq, event_id, captured_at, clock_suspect, body, attempts)
             SELECT seq, event_id, captured_at, clock_suspect, body, attempts
             FROM set_aside WHERE server_version IS NOT ?1",
            [server_version],
        )?;
        tx.execute(
            "DELETE FROM set_aside WHERE server_version IS NOT ?1",
            [server_version],
        )?;
        tx.commit()?;
        Ok(released)
    }

    /// Every set-aside event, oldest first.
    pub fn set_aside_events(&self) -> Result<Vec<SetAside>, OutboxError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, event_id, status, reason, server_version FROM set_aside ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u16>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, id, status, reason, server_version) = row?;
            out.push(SetAside {
                event_id: EventId::from_str(&id).map_err(|e| OutboxError::Corrupt {
                    seq,
                    reason: e.to_string(),
                })?,
                seq: seq as u64,
                status,
                reason,
                server_version,
            });
        }
        Ok(out)
    }

    /// How many events are set aside, and the latest refusal.
    pub fn set_aside_summary(&self) -> Result<SetAsideSummary, OutboxError> {
        let count: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM set_aside", [], |r| r.get(0))?;
        let latest = self
            .conn
            .prepare_cached(
                "SELECT status, reason FROM set_aside ORDER BY set_aside_at DESC, seq DESC LIMIT 1",
            )?
            .query_map([], |r| {
                Ok(format!(
                    "{}: {}",
                    r.get::<_, u16>(0)?,
                    r.get::<_, String>(1)?
                ))
            })?
            .next()
            .transpose()?;
        Ok(SetAsideSummary {
            count: count as u64,
            latest,
        })
    }
}
