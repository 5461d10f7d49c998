//! The offline outbox. The pure state machine that drains it is [`crate::sync::state`].
//!
//! Invariants (the model-based test in `tests/kiosk/outbox_model.rs` checks them under random
//! enqueue / send / ack / failure / crash-and-reopen sequences):
//! - **Committed before shown.** [`Outbox::enqueue`] returns only after the event is durably in
//!   SQLite (WAL, `synchronous = FULL`); the kiosk shows success after that, never before.
//! - **Deleted only when acknowledged.** A row leaves `outbox` only in the transaction that
//!   applies the server's ack for its `event_id`: `accepted` and `duplicate` delete it,
//!   `rejected` moves it to `rejected` with the reason. Nothing else deletes.
//! - **Sent in order, never renumbered.** `seq` comes from SQLite's AUTOINCREMENT, so it grows
//!   strictly even across crashes; batches are the oldest rows first.
//! - **Resending is harmless.** A crash between the server storing a batch and the kiosk
//!   applying the acks leaves the rows in place; they are sent again and the server answers
//!   `duplicate` (it is idempotent on `event_id`), which deletes them. Nothing is lost and the
//!   server stores nothing twice.
//!
//! On disk: one SQLite file with tables `outbox(seq, event_id, captured_at, clock_suspect, body,
//! attempts)`, `rejected(…, reason, rejected_at)` and `kv(key, value)`; schema in
//! `migrations/device/`.
//!
//! - [`store`]: the SQLite outbox ([`Outbox`]).

pub mod store;

pub use store::{AckSummary, EventDraft, Outbox, OutboxError};
