//! The sync state machine: decides when to send a batch, what to mark delivered, and how long
//! to back off. Pure: it reads no clock (inputs carry `now_ms`), does no I/O, and draws its
//! jitter from its own seeded generator, so tests can drive millions of steps deterministically.
//! The sync worker ([`super::SyncWorker`]) feeds it inputs and performs the actions it returns.

use attend_protocol::ack::Ack;
use attend_protocol::ids::EventId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncConfig {
    /// Events per push (the server takes at most 1,000).
    pub batch_size: usize,
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
    /// Read up to `limit` oldest events from the outbox, then report [`Input::Loaded`].
    LoadBatch { limit: usize },
    /// Send these events (already loaded) as one signed batch.
    Push { ids: Vec<EventId> },
    /// Apply these acks to the outbox (the only way rows leave it).
    ApplyAcks { acks: Vec<Ack> },
    /// Count a failed attempt for these events.
    RecordFailure { ids: Vec<EventId> },
    /// Pull the roster delta.
    PullRoster,
}

#[derive(Clone, Debug)]
pub struct SyncState {
    config: SyncConfig,
    /// The batch being loaded or sent; at most one at a time.
    in_flight: Option<Vec<EventId>>,
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
        if !self.is_busy() && self.maybe_pending && now_ms >= self.next_push_ms {
            self.loading = true;
            out.push(Action::LoadBatch {
                limit: self.config.batch_size,
            });
        }
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
                    self.in_flight = Some(ids.clone());
                    out.push(Action::Push { ids });
                }
            }
            Input::Pushed { acks, now_ms } => {
                let Some(sent) = self.in_flight.take() else {
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
                if let Some(sent) = self.in_flight.take() {
                    out.push(Action::RecordFailure { ids: sent });
                }
                self.loading = false;
                self.failures = self.failures.saturating_add(1);
                self.online = Some(false);
                self.next_push_ms = now_ms + self.backoff_ms();
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
