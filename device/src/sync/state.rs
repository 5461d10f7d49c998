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
mod tests {
    use super::*;

    fn id(n: u128) -> EventId {
        EventId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn a_tick_loads_pushes_and_applies_acks_then_the_next_tick_continues() {
        let mut s = SyncState::new(
            SyncConfig {
                batch_size: 2,
                ..SyncConfig::default()
            },
            7,
        );
        let actions = s.on(Input::Tick { now_ms: 0 });
        assert_eq!(
            actions,
            vec![Action::LoadBatch { limit: 2 }, Action::PullRoster]
        );
        let actions = s.on(Input::Loaded {
            ids: vec![id(1), id(2)],
            now_ms: 1,
        });
        assert_eq!(
            actions,
            vec![Action::Push {
                ids: vec![id(1), id(2)]
            }]
        );
        let acks = vec![
            Ack::accepted(id(1)),
            Ack::duplicate(id(2)),
            Ack::accepted(id(99)),
        ];
        let actions = s.on(Input::Pushed { acks, now_ms: 2 });
        assert_eq!(
            actions,
            vec![Action::ApplyAcks {
                acks: vec![Ack::accepted(id(1)), Ack::duplicate(id(2))]
            }]
        );
        assert_eq!(s.online(), Some(true));
        assert_eq!(
            s.on(Input::Tick { now_ms: 2 }),
            vec![Action::LoadBatch { limit: 2 }]
        );
    }

    #[test]
    fn an_answer_acknowledging_nothing_sent_waits_for_the_idle_poll() {
        let mut s = SyncState::new(SyncConfig::default(), 7);
        s.on(Input::Tick { now_ms: 0 });
        s.on(Input::Loaded {
            ids: vec![id(1)],
            now_ms: 0,
        });
        let actions = s.on(Input::Pushed {
            acks: vec![Ack::accepted(id(99))],
            now_ms: 10,
        });
        assert!(actions.is_empty(), "{actions:?}");
        assert_eq!(s.next_push_ms(), 10 + SyncConfig::default().idle_poll_ms);
        assert!(
            !s.on(Input::Tick { now_ms: 11 })
                .contains(&Action::LoadBatch { limit: 500 })
        );
    }

    #[test]
    fn failures_back_off_exponentially_with_jitter_and_cap() {
        let config = SyncConfig {
            base_backoff_ms: 1_000,
            max_backoff_ms: 8_000,
            ..SyncConfig::default()
        };
        let mut s = SyncState::new(config, 42);
        let mut delays = Vec::new();
        let mut now = 0;
        for _ in 0..6 {
            s.on(Input::Tick { now_ms: now });
            s.on(Input::Loaded {
                ids: vec![id(1)],
                now_ms: now,
            });
            let actions = s.on(Input::PushFailed { now_ms: now });
            assert_eq!(actions, vec![Action::RecordFailure { ids: vec![id(1)] }]);
            delays.push(s.next_push_ms() - now);
            // Nothing happens before the backoff expires.
            assert!(
                !s.on(Input::Tick {
                    now_ms: s.next_push_ms() - 1
                })
                .contains(&Action::LoadBatch { limit: 500 })
            );
            now = s.next_push_ms();
        }
        let caps = [1_000, 2_000, 4_000, 8_000, 8_000, 8_000];
        for (d, cap) in delays.iter().zip(caps) {
            assert!(
                *d >= cap / 2 && *d <= cap,
                "delay {d} outside [{}, {cap}]",
                cap / 2
            );
        }
        assert_eq!(s.consecutive_failures(), 6);
        assert_eq!(s.online(), Some(false));
    }

    #[test]
    fn an_empty_outbox_waits_for_an_enqueue_or_the_idle_poll() {
        let mut s = SyncState::new(SyncConfig::default(), 1);
        s.on(Input::Tick { now_ms: 0 });
        assert!(
            s.on(Input::Loaded {
                ids: vec![],
                now_ms: 0
            })
            .is_empty()
        );
        assert!(
            !s.on(Input::Tick { now_ms: 10 })
                .contains(&Action::LoadBatch { limit: 500 })
        );
        s.on(Input::Enqueued);
        assert_eq!(
            s.on(Input::Tick { now_ms: 5_000 })[0],
            Action::LoadBatch { limit: 500 }
        );
    }

    #[test]
    fn a_partial_answer_leaves_the_rest_for_the_next_push() {
        let mut s = SyncState::new(SyncConfig::default(), 3);
        s.on(Input::Tick { now_ms: 0 });
        s.on(Input::Loaded {
            ids: vec![id(1), id(2)],
            now_ms: 0,
        });
        let actions = s.on(Input::Pushed {
            acks: vec![Ack::accepted(id(1))],
            now_ms: 1,
        });
        assert_eq!(
            actions,
            vec![Action::ApplyAcks {
                acks: vec![Ack::accepted(id(1))]
            }]
        );
        assert!(!s.is_busy());
        assert_eq!(
            s.on(Input::Tick { now_ms: 2 })[0],
            Action::LoadBatch { limit: 500 }
        );
    }

    #[test]
    fn stray_answers_without_a_batch_in_flight_change_nothing() {
        let mut s = SyncState::new(SyncConfig::default(), 3);
        assert!(
            s.on(Input::Pushed {
                acks: vec![Ack::accepted(id(1))],
                now_ms: 0
            })
            .is_empty()
        );
    }

    #[test]
    fn an_enqueue_goes_out_at_once_but_does_not_cut_a_failure_backoff_short() {
        let mut s = SyncState::new(SyncConfig::default(), 9);
        s.on(Input::Tick { now_ms: 0 });
        assert!(
            s.on(Input::Loaded {
                ids: vec![],
                now_ms: 0
            })
            .is_empty()
        );
        s.on(Input::Enqueued);
        assert_eq!(
            s.on(Input::Tick { now_ms: 1 }),
            vec![Action::LoadBatch { limit: 500 }]
        );
        s.on(Input::Loaded {
            ids: vec![id(1)],
            now_ms: 1,
        });
        s.on(Input::PushFailed { now_ms: 1 });
        s.on(Input::Enqueued);
        assert!(s.next_push_ms() >= 500);
        assert!(
            !s.on(Input::Tick { now_ms: 2 })
                .contains(&Action::LoadBatch { limit: 500 })
        );
    }
}
