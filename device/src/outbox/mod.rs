//! The offline outbox. The pure state machine that drains it is [`crate::sync::state`].
//!
//! Invariants (the model-based test in `tests/kiosk/outbox_model.rs` checks them under random
//! enqueue / send / ack / failure / crash-and-reopen sequences):
//! - **Committed before shown.** [`Outbox::enqueue`] returns only after the event is durably in
//!   SQLite (WAL, `synchronous = FULL`); the kiosk shows success after that, never before.
//! - **Deleted only when acknowledged.** A row leaves `outbox` only in the transaction that
//!   applies the server's ack for its `event_id`: `accepted` and `duplicate` delete it,
//!   `rejected` moves it to `rejected` with the reason. Nothing else deletes.
//! - **Set aside, never dropped.** An event the server refused alone (the sync state machine
//!   bisects a batch refused whole down to it) moves to `set_aside` with the status, the reason
//!   and the server's version, in one transaction; it moves back, with its own `seq`, when a
//!   server of another version answers. It is always in exactly one of the two tables.
//! - **Batches fit.** [`Outbox::peek_batch`] stops before the byte cap, counting each event as
//!   the client serialises it, and always returns at least the oldest event.
//! - **Sent in order, never renumbered.** `seq` comes from SQLite's AUTOINCREMENT, so it grows
//!   strictly even across crashes; batches are the oldest rows first.
//! - **Resending is harmless.** A crash between the server storing a batch and the kiosk
//!   applying the acks leaves the rows in place; they are sent again and the server answers
//!   `duplicate` (it is idempotent on `event_id`), which deletes them. Nothing is lost and the
//!   server stores nothing twice.
//!
//! On disk: one SQLite file with tables `outbox(seq, event_id, captured_at, clock_suspect, body,
//! attempts)`, `rejected(…, reason, rejected_at)`, `set_aside(…, status, reason,
//! server_version, set_aside_at)`, `pin_failures(scope, failures, last_failure_ms)` and
//! `kv(key, value)`; schema in `migrations/device/`.
//!
//! - [`store`]: the SQLite outbox ([`Outbox`]): enqueue, batches, acks.
//! - [`set_aside`]: events refused alone, kept aside until another server version answers.
//! - [`pin_failures`]: failed PIN tries, kept so the keypad's slowdown survives a reboot.

pub mod pin_failures;
pub mod set_aside;
pub mod store;

pub use set_aside::{SetAside, SetAsideSummary};
pub use store::{AckSummary, EventDraft, Outbox, OutboxError};
