//! The SQLite outbox. See the module docs of [`crate::outbox`] for its invariants.

use std::path::Path;
use std::str::FromStr;

use attend_protocol::ack::{Ack, AckStatus};
use attend_protocol::events::{Event, EventBody};
use attend_protocol::ids::EventId;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};

/// The kiosk's schema, in order (outbox, then the roster cache). Shared by every module that
/// opens the state database.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/device/0001_outbox.sql"),
    include_str!("../../../migrations/device/0002_roster.sql"),
    include_str!("../../../migrations/device/0003_local_state.sql"),
    include_str!("../../../migrations/device/0004_set_aside.sql"),
    include_str!("../../../migrations/device/0005_pin_failures.sql"),
    include_str!("../../../migrations/device/0006_no_head_turn.sql"),
];

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("outbox database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("outbox database schema: {0}")]
    Migrate(#[from] rusqlite_migration::Error),
    #[error("outbox database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("outbox row {seq} is corrupt: {reason}")]
    Corrupt { seq: i64, reason: String },
    #[error("event {0} is already in the outbox")]
    DuplicateEvent(EventId),
}

/// An event before it has a sequence number.
#[derive(Clone, Debug, PartialEq)]
pub struct EventDraft {
    pub event_id: EventId,
    pub captured_at: Timestamp,
    pub clock_suspect: bool,
    pub body: EventBody,
}

impl EventDraft {
    /// A new draft with a fresh UUIDv7 id.
    pub fn new(captured_at: Timestamp, body: EventBody) -> Self {
        Self {
            event_id: EventId(uuid::Uuid::now_v7()),
            captured_at,
            clock_suspect: false,
            body,
        }
    }
}

/// What applying one batch of acks did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AckSummary {
    /// Rows deleted because the server has them (accepted or duplicate).
    pub delivered: usize,
    /// Rows moved to `rejected`.
    pub rejected: usize,
    /// Acks for events no longer (or never) in the outbox: ignored.
    pub unknown: usize,
}

#[derive(Debug)]
pub struct Outbox {
    pub(super) conn: Connection,
}

/// Opens the kiosk's state database: WAL, `synchronous = FULL` (a power cut right after a
/// commit must not lose it), and every migration applied.
pub fn open_state_db(path: &Path) -> Result<Connection, OutboxError> {
    let open_err = |source| OutboxError::Open {
        path: path.display().to_string(),
        source,
    };
    let mut conn = Connection::open(path).map_err(open_err)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;",
    )
    .map_err(open_err)?;
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect()).to_latest(&mut conn)?;
    Ok(conn)
}

/// `{"events":[` and `]}` around the events of a push body.
const BATCH_ENVELOPE_BYTES: usize = 13;

pub(super) fn ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

impl Outbox {
    /// Opens (creating and migrating if needed) the outbox at `path`.
    pub fn open(path: &Path) -> Result<Self, OutboxError> {
        Ok(Self {
            conn: open_state_db(path)?,
        })
    }

    /// Durably appends an event; returns its sequence number.
    pub fn enqueue(&mut self, draft: &EventDraft) -> Result<u64, OutboxError> {
        let body = serde_json::to_string(&draft.body).map_err(|e| OutboxError::Corrupt {
            seq: 0,
            reason: e.to_string(),
        })?;
        let result = self.conn.execute(
            "INSERT INTO outbox (event_id, captured_at, clock_suspect, body) VALUES (?1, ?2, ?3, ?4)",
            params![draft.event_id.to_string(), ts(draft.captured_at), draft.clock_suspect, body],
        );
        match result {
            Ok(_) => Ok(self.conn.last_insert_rowid() as u64),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(OutboxError::DuplicateEvent(draft.event_id))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Enqueues an event and, in the same transaction, the local state it changes (presence,
    /// open sessions), so a crash can never separate the two.
    pub fn enqueue_with(
        &mut self,
        draft: &EventDraft,
        also: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<()>,
    ) -> Result<u64, OutboxError> {
        let body = serde_json::to_string(&draft.body).map_err(|e| OutboxError::Corrupt {
            seq: 0,
            reason: e.to_string(),
        })?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO outbox (event_id, captured_at, clock_suspect, body) VALUES (?1, ?2, ?3, ?4)",
            params![draft.event_id.to_string(), ts(draft.captured_at), draft.clock_suspect, body],
        )?;
        let seq = tx.last_insert_rowid() as u64;
        also(&tx)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Each employee's last recorded presence (`out`, `in`, `on_break`).
    pub fn presences(&self) -> Result<Vec<(String, String)>, OutboxError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT employee_id, state FROM presence")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Sessions recorded as started and not stopped: `(session, equipment, employee, relay)`.
    pub fn open_sessions(&self) -> Result<Vec<(String, String, String, u8)>, OutboxError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT session_id, equipment_id, employee_id, relay FROM open_sessions",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The oldest `limit` events, ready to send.
    pub fn peek(&self, limit: usize) -> Result<Vec<Event>, OutboxError> {
        self.peek_batch(limit, usize::MAX)
    }

    /// The oldest events that fit one push: at most `limit`, and no more than `max_bytes` of
    /// request body as the client serialises it. The first event is always included, even
    /// over the cap, so an oversized event still goes (alone) and gets an answer.
    pub fn peek_batch(&self, limit: usize, max_bytes: usize) -> Result<Vec<Event>, OutboxError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, event_id, captured_at, clock_suspect, body FROM outbox ORDER BY seq LIMIT ?1",
        )?;
        let mut rows = stmt.query([i64::try_from(limit).unwrap_or(i64::MAX)])?;
        let mut events = Vec::new();
        let mut bytes = BATCH_ENVELOPE_BYTES;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let corrupt = |reason: String| OutboxError::Corrupt { seq, reason };
            let event = Event {
                event_id: EventId::from_str(&r.get::<_, String>(1)?)
                    .map_err(|e| corrupt(e.to_string()))?,
                seq: seq as u64,
                captured_at: Timestamp::from_str(&r.get::<_, String>(2)?)
                    .map_err(|e| corrupt(e.to_string()))?,
                clock_suspect: r.get(3)?,
                body: serde_json::from_str(&r.get::<_, String>(4)?)
                    .map_err(|e| corrupt(e.to_string()))?,
            };
            // The exact size of this event in the push body, plus its separating comma.
            let size = serde_json::to_vec(&event)
                .map_err(|e| corrupt(e.to_string()))?
                .len()
                + 1;
            if !events.is_empty() && bytes.saturating_add(size) > max_bytes {
                break;
            }
            bytes = bytes.saturating_add(size);
            events.push(event);
        }
        Ok(events)
    }

    /// Applies the server's acks in one transaction (see the invariants).
    pub fn apply_acks(&mut self, acks: &[Ack], now: Timestamp) -> Result<AckSummary, OutboxError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut summary = AckSummary::default();
        for ack in acks {
            let id = ack.event_id.to_string();
            match ack.status {
                AckStatus::Accepted | AckStatus::Duplicate => {
                    if tx.execute("DELETE FROM outbox WHERE event_id = ?1", [&id])? == 1 {
                        summary.delivered += 1;
                    } else {
                        summary.unknown += 1;
                    }
                }
                AckStatus::Rejected => {
                    let moved = tx.execute(
                        "INSERT INTO rejected (seq, event_id, captured_at, body, reason, rejected_at)
                         SELECT seq, event_id, captured_at, body, ?2, ?3 FROM outbox WHERE event_id = ?1",
                        params![id, ack.reason.as_deref().unwrap_or("rejected"), ts(now)],
                    )?;
                    tx.execute("DELETE FROM outbox WHERE event_id = ?1", [&id])?;
                    if moved == 1 {
                        summary.rejected += 1;
                    } else {
                        summary.unknown += 1;
                    }
                }
            }
        }
        tx.commit()?;
        Ok(summary)
    }

    /// Counts a failed delivery attempt for these events (for the operator; never deletes).
    pub fn record_attempt(&mut self, ids: &[EventId]) -> Result<(), OutboxError> {
        let tx = self.conn.transaction()?;
        for id in ids {
            tx.execute(
                "UPDATE outbox SET attempts = attempts + 1 WHERE event_id = ?1",
                [id.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Events waiting to be delivered.
    pub fn depth(&self) -> Result<u64, OutboxError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// Rejected events with their reasons, oldest first.
    pub fn rejected(&self) -> Result<Vec<(EventId, String)>, OutboxError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT event_id, reason FROM rejected ORDER BY seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, reason) = row?;
            let id = EventId::from_str(&id).map_err(|e| OutboxError::Corrupt {
                seq: 0,
                reason: e.to_string(),
            })?;
            out.push((id, reason));
        }
        Ok(out)
    }

    pub fn get(&self, key: &str) -> Result<Option<String>, OutboxError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM kv WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set(&mut self, key: &str, value: &str) -> Result<(), OutboxError> {
        self.conn.execute(
            "INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }
}
