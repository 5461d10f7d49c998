//! The sync state machine: decides when to send a batch, what to mark delivered, how long to
//! back off, and how to get past a batch the server refuses whole. Pure: it reads no clock
//! (inputs carry `now_ms`), does no I/O, and draws its jitter from its own seeded generator, so
//! tests can drive millions of steps deterministically. The sync worker ([`super::SyncWorker`])
//! feeds it inputs and performs the actions it returns.
//!
//! Invariants:
//! - **One batch in flight**, loaded oldest first, at most `batch_size` events and
//!   `max_batch_bytes` of JSON (the outbox stops before the cap; a single event over it goes
//!   alone).
//! - **A refused batch is bisected, never retried whole.** A 413 or 422 for a whole batch
//!   ([`Input::Refused`]) splits it in two halves sent in order; a refused half splits again,
//!   until one event is refused alone. That event is set aside ([`Action::SetAside`]) with the
//!   status and reason, and the queue moves on: at most about `2·log2(n)` extra pushes per bad
//!   event, and nothing else waits behind it.
//! - **Set-aside events come back when the server changes.** Every answer names the server's
//!   version ([`Input::ServerSeen`]); the first one after a start, and every change after that,
//!   releases the events set aside under another version ([`Action::ReleaseSetAside`]). The
//!   outbox keeps a set-aside event for good until then: nothing is deleted.
//! - A network failure mid-bisection retries the same half after the backoff; a restart loses
//!   the bisection and starts again from a full batch (harmless: refusals write nothing).

use std::collections::VecDeque;

use attend_protocol::ack::Ack;
use attend_protocol::ids::EventId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncConfig {
    /// Events per push (the server takes at most 1,000).
    pub batch_size: usize,
    /// Largest push body in bytes, well under the server's `sync.max_body_bytes` (8 MiB).
    pub max_batch_bytes: usize,
    /// First retry delay after a failure; doubles per consecutive failure.
    pub base_backoff_ms: u64,
    pub max_backoff_ms: u64,
    /// How often to look for new events when the queue seemed empty.
    pub idle_poll_ms: u64,
    /// How often to pull the roster.
    pub roster_interval_ms: u64,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            batch_size: 500,
            max_batch_bytes: 1 << 20,
            base_backoff_ms: 1_000,
            max_backoff_ms: 300_000,
            idle_poll_ms: 5_000,
            roster_interval_ms: 60_000,
        }
    }
}

/// What happened.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// Time passed; `now_ms` is a monotonic clock.
    Tick {
        now_ms: u64,
    },
    /// A new event was committed to the outbox.
    Enqueued,
    /// The outbox returned the batch asked for (possibly empty).
    Loaded {
        ids: Vec<EventId>,
        now_ms: u64,
    },
    /// The server answered the push.
    Pushed {
        acks: Vec<Ack>,
        now_ms: u64,
    },
    /// The push failed (network, timeout, 5xx, 429). Nothing is known about what arrived.
    PushFailed {
        now_ms: u64,
    },
    /// The server refused the whole batch for what it holds (413 too large, 422 a body it
    /// cannot parse) and stored none of it.
    Refused {
        status: u16,
        reason: String,
        now_ms: u64,
    },
    /// An answer came (any status); `version` is its server-version header, `None` from a
    /// server that sends none.
    ServerSeen {
        version: Option<String>,
    },
    RosterPulled {
        now_ms: u64,
    },
    RosterFailed {
        now_ms: u64,
    },
}

/// What to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Read the oldest events from the outbox, at most `limit` and `max_bytes` of JSON (but at
    /// least one), then report [`Input::Loaded`].
    LoadBatch { limit: usize, max_bytes: usize },
    /// Send these events (already loaded) as one signed batch.
    Push { ids: Vec<EventId> },
    /// Apply these acks to the outbox (the only way rows leave it).
    ApplyAcks { acks: Vec<Ack> },
    /// Count a failed attempt for these events.
    RecordFailure { ids: Vec<EventId> },
    /// Pull the roster delta.
    PullRoster,
    /// Move this event out of the queue, keeping it with the refusal and the version of the
    /// server that refused it.
    SetAside {
        id: EventId,
        status: u16,
        reason: String,
        server_version: Option<String>,
    },
    /// Put back in the queue, in their old places, the events set aside under any server
    /// version other than this one.
    ReleaseSetAside { server_version: Option<String> },
}

/// The version an answering server named in its `x-attend-server` header; `None` inside for
/// a server that names none (one older than the header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerVersion(pub Option<String>);

/// Where the batch in flight came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// Loaded from the outbox: a failure reloads it.
    Loaded,
    /// A part of a refused batch: a failure puts it back first in line.
    Part,
}

#[derive(Clone, Debug)]
pub struct SyncState {
    config: SyncConfig,
    /// The batch being loaded or sent; at most one at a time.
    in_flight: Option<(Vec<EventId>, Origin)>,
    /// Parts of a refused batch still to send, in outbox order, before anything new is loaded.
    bisect: VecDeque<Vec<EventId>>,
    /// The server version of the last answer; `None` until the first answer since start.
    server_version: Option<ServerVersion>,
    loading: bool,
    /// Whether the outbox may hold events (an empty load clears it; enqueue sets it).
    maybe_pending: bool,
    failures: u32,
    next_push_ms: u64,
    next_roster_ms: u64,
    roster_in_flight: bool,
    online: Option<bool>,
    rng: u64,
}

impl SyncState {
    /// A fresh state, as after (re)start: assumes the outbox may hold events.
    pub fn new(config: SyncConfig, seed: u64) -> Self {
        Self {
            config,
            in_flight: None,
            bisect: VecDeque::new(),
            server_version: None,
            loading: false,
            maybe_pending: true,
            failures: 0,
            next_push_ms: 0,
            next_roster_ms: 0,
            roster_in_flight: false,
            online: None,
            rng: seed | 1,
        }
    }

    /// `Some(true)` after a successful exchange, `Some(false)` after a failure, `None` before any.
    pub fn online(&self) -> Option<bool> {
        self.online
    }

    pub fn consecutive_failures(&self) -> u32 {
        self.failures
    }

    /// When the next push may start (monotonic ms).
    pub fn next_push_ms(&self) -> u64 {
        self.next_push_ms
    }

    pub fn is_busy(&self) -> bool {
        self.loading || self.in_flight.is_some()
    }

    /// Whether a refused batch is still being split up.
    pub fn is_bisecting(&self) -> bool {
        !self.bisect.is_empty() || matches!(self.in_flight, Some((_, Origin::Part)))
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*: tiny and good enough for jitter.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Exponential backoff with "equal jitter": half fixed, half random, capped.
    fn backoff_ms(&mut self) -> u64 {
        let exp = self
            .config
            .base_backoff_ms
            .saturating_mul(1u64 << self.failures.saturating_sub(1).min(20));
        let capped = exp.min(self.config.max_backoff_ms).max(1);
        let half = capped / 2;
        half + self.next_random() % (capped - half + 1)
    }

    fn start_push(&mut self, now_ms: u64, out: &mut Vec<Action>) {
        if self.is_busy() || now_ms < self.next_push_ms {
            return;
        }
        if let Some(part) = self.bisect.pop_front() {
            // The events are still loaded from the refused batch: send the next part as is.
            self.in_flight = Some((part.clone(), Origin::Part));
            out.push(Action::Push { ids: part });
        } else if self.maybe_pending {
            self.loading = true;
            out.push(Action::LoadBatch {
                limit: self.config.batch_size,
                max_bytes: self.config.max_batch_bytes,
            });
        }
    }

    /// The whole of `sent` was refused: split it, or set aside the one event it holds.
    fn refused(&mut self, sent: Vec<EventId>, status: u16, reason: String, out: &mut Vec<Action>) {
        if let [id] = sent[..] {
            out.push(Action::SetAside {
                id,
                status,
                reason,
                server_version: self.server_version.clone().and_then(|v| v.0),
            });
            return;
        }
        let mut first = sent;
        let second = first.split_off(first.len().div_ceil(2));
        self.bisect.push_front(second);
        self.bisect.push_front(first);
    }

    pub fn on(&mut self, input: Input) -> Vec<Action> {
        let mut out = Vec::new();
        match input {
            Input::Tick { now_ms } => {
                if !self.maybe_pending && now_ms >= self.next_push_ms {
                    // Cheap safety net: look again now and then even if nothing was signalled.
                    self.maybe_pending = true;
                    self.next_push_ms = now_ms + self.config.idle_poll_ms;
                }
                self.start_push(now_ms, &mut out);
                if !self.roster_in_flight && now_ms >= self.next_roster_ms {
                    self.roster_in_flight = true;
                    out.push(Action::PullRoster);
                }
            }
            Input::Enqueued => {
                self.maybe_pending = true;
                // New work goes out at once, unless we are backing off after a failure.
                if self.failures == 0 {
                    self.next_push_ms = 0;
                }
            }
            Input::Loaded { ids, now_ms } => {
                self.loading = false;
                if ids.is_empty() {
                    self.maybe_pending = false;
                    self.next_push_ms = now_ms + self.config.idle_poll_ms;
                } else {
                    self.in_flight = Some((ids.clone(), Origin::Loaded));
                    out.push(Action::Push { ids });
                }
            }
            Input::Pushed { acks, now_ms } => {
                let Some((sent, _)) = self.in_flight.take() else {
                    return out;
                };
                // Only acks for events of this batch count; anything else is ignored.
                let acks: Vec<Ack> = acks
                    .into_iter()
                    .filter(|a| sent.contains(&a.event_id))
                    .collect();
                self.failures = 0;
                self.online = Some(true);
                if acks.is_empty() {
                    // An answer that acknowledges nothing we sent: do not hammer the server.
                    self.next_push_ms = now_ms + self.config.idle_poll_ms;
                } else {
                    self.next_push_ms = now_ms;
                    out.push(Action::ApplyAcks { acks });
                }
                // Rows without an ack stay in the outbox and go out again with the next batch,
                // which the next tick starts at once (`next_push_ms = now`).
                self.maybe_pending = true;
            }
            Input::PushFailed { now_ms } => {
                if let Some((sent, origin)) = self.in_flight.take() {
                    if origin == Origin::Part {
                        // Keep the bisection's progress: this part goes again after the backoff.
                        self.bisect.push_front(sent.clone());
                    }
                    out.push(Action::RecordFailure { ids: sent });
                }
                self.loading = false;
                self.failures = self.failures.saturating_add(1);
                self.online = Some(false);
                self.next_push_ms = now_ms + self.backoff_ms();
            }
            Input::Refused {
                status,
                reason,
                now_ms,
            } => {
                let Some((sent, _)) = self.in_flight.take() else {
                    return out;
                };
                // The server is there and answering: no backoff, the next part goes at once.
                self.failures = 0;
                self.online = Some(true);
                self.maybe_pending = true;
                self.next_push_ms = now_ms;
                self.refused(sent, status, reason, &mut out);
            }
            Input::ServerSeen { version } => {
                let heard = ServerVersion(version.clone());
                if self.server_version.as_ref() != Some(&heard) {
                    self.server_version = Some(heard);
                    self.maybe_pending = true;
                    if self.failures == 0 {
                        self.next_push_ms = 0;
                    }
                    out.push(Action::ReleaseSetAside {
                        server_version: version,
                    });
                }
            }
            Input::RosterPulled { now_ms } => {
                self.roster_in_flight = false;
                self.online = Some(true);
                self.next_roster_ms = now_ms + self.config.roster_interval_ms;
            }
            Input::RosterFailed { now_ms } => {
                self.roster_in_flight = false;
                self.online = Some(false);
                self.next_roster_ms =
                    now_ms + self.config.roster_interval_ms.min(self.backoff_ms());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
