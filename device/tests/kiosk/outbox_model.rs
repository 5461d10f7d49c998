//! Model-based test of the outbox and the sync state machine (in the spirit of vector's disk
//! buffer tests): random enqueue / push / ack / failure / lost-answer / crash-and-reopen /
//! server-upgrade sequences run against the real SQLite outbox, the real state machine and a
//! simulated idempotent server, beside a trivial model (the set of enqueued ids).
//!
//! The simulated server starts at version 1, which refuses whole any batch holding an event it
//! cannot read (422) or over its body limit (413), as the real one does; version 2 takes both.
//! After every step nothing may be lost, an event is in at most one of the kiosk's tables, and
//! the server never stores an event twice. After a final drain against version 1 the queue is
//! empty (a bad event never wedges it) and only the events version 1 cannot take are set
//! aside; after an upgrade and another drain the server holds exactly what was enqueued, minus
//! what it rejected.

use std::collections::{HashMap, HashSet};

use attend_device::outbox::{EventDraft, Outbox};
use attend_device::sync::{Action, Input, SyncConfig, SyncState};
use attend_protocol::events::{
    EnrolmentCandidate, Event, EventBody, Punch, PunchMethod, PunchType,
};
use attend_protocol::ids::{EmployeeId, EventId};
use jiff::Timestamp;
use proptest::prelude::*;

use server::{Answer, KIOSK_MAX_BATCH, Server, UNREADABLE};

mod server;

#[derive(Clone, Debug)]
enum Op {
    Enqueue(u8),
    /// An event version 1 of the server cannot take.
    EnqueueOdd(Odd),
    /// Run one sync cycle; the push meets `Fate`.
    Sync(Fate),
    /// The process dies and restarts: the outbox is reopened, the state machine is new.
    Crash,
    Advance(u32),
    /// The server moves to version 2.
    Upgrade,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Odd {
    /// Carries a field version 1 does not know: 422.
    Unreadable,
    /// Larger on its own than version 1's body limit: 413.
    Oversized,
}

#[derive(Clone, Copy, Debug)]
enum Fate {
    /// The server answers and the answer arrives.
    Delivered,
    /// The server handles the batch, but the answer is lost (timeout).
    AnswerLost,
    /// The request never reaches the server.
    Failed,
    /// Only the first half of the batch reaches the server.
    Partial,
    /// The server handles the batch, but the kiosk crashes before acting on the answer.
    CrashBeforeApply,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u8..20).prop_map(Op::Enqueue),
        1 => prop_oneof![Just(Odd::Unreadable), Just(Odd::Oversized)].prop_map(Op::EnqueueOdd),
        4 => prop_oneof![
            Just(Fate::Delivered), Just(Fate::AnswerLost), Just(Fate::Failed), Just(Fate::Partial), Just(Fate::CrashBeforeApply)
        ].prop_map(Op::Sync),
        1 => Just(Op::Crash),
        1 => (0u32..400_000).prop_map(Op::Advance),
        1 => Just(Op::Upgrade),
    ]
}

struct Kiosk {
    dir: tempfile::TempDir,
    outbox: Outbox,
    state: SyncState,
    /// The last loaded batch, as the worker keeps it for the pushes of its parts.
    loaded: HashMap<EventId, Event>,
    now_ms: u64,
}

impl Kiosk {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let outbox = Outbox::open(&dir.path().join("outbox.db")).expect("opens");
        Self {
            dir,
            outbox,
            state: SyncState::new(config(), 11),
            loaded: HashMap::new(),
            now_ms: 0,
        }
    }

    fn restart(&mut self) {
        self.outbox = Outbox::open(&self.dir.path().join("outbox.db")).expect("reopens");
        self.state = SyncState::new(config(), self.now_ms);
        self.loaded.clear();
    }

    /// Carries out the bookkeeping actions; returns the push, if one was asked for.
    fn perform(&mut self, actions: Vec<Action>, server: &mut Server) -> Option<Vec<EventId>> {
        let mut push = None;
        let mut pending = actions;
        while let Some(action) = pending.pop() {
            match action {
                Action::LoadBatch { limit, max_bytes } => {
                    let events = self.outbox.peek_batch(limit, max_bytes).expect("peek");
                    let ids = events.iter().map(|e| e.event_id).collect();
                    self.loaded = events.into_iter().map(|e| (e.event_id, e)).collect();
                    pending.extend(self.state.on(Input::Loaded {
                        ids,
                        now_ms: self.now_ms,
                    }));
                }
                Action::Push { ids } => push = Some(ids),
                Action::ApplyAcks { acks } => {
                    self.outbox
                        .apply_acks(&acks, Timestamp::now())
                        .expect("apply");
                    server.applied(&acks);
                }
                Action::RecordFailure { ids } => self.outbox.record_attempt(&ids).expect("record"),
                Action::PullRoster => {
                    // The roster answer names the server's version too, as the worker feeds it.
                    let seen = Input::ServerSeen {
                        version: Some(server.version()),
                    };
                    pending.extend(self.state.on(seen));
                    pending.extend(self.state.on(Input::RosterPulled {
                        now_ms: self.now_ms,
                    }));
                }
                Action::SetAside {
                    id,
                    status,
                    reason,
                    server_version,
                } => {
                    let moved = self
                        .outbox
                        .set_aside(
                            id,
                            status,
                            &reason,
                            server_version.as_deref(),
                            Timestamp::now(),
                        )
                        .expect("set aside");
                    assert!(moved, "event {id} set aside but not in the queue");
                }
                Action::ReleaseSetAside { server_version } => {
                    self.outbox
                        .release_set_aside(server_version.as_deref())
                        .expect("release");
                }
            }
        }
        push
    }
}

fn config() -> SyncConfig {
    SyncConfig {
        batch_size: 7,
        max_batch_bytes: KIOSK_MAX_BATCH,
        base_backoff_ms: 100,
        max_backoff_ms: 10_000,
        idle_poll_ms: 1_000,
        roster_interval_ms: u64::MAX / 2,
    }
}

pub(crate) fn draft(n: u64, odd: Option<Odd>) -> EventDraft {
    // Ids mix a counter into a v7 UUID so the server's 1-in-10 rejection rule is reproducible.
    let mut bytes = *uuid::Uuid::now_v7().as_bytes();
    bytes[15] = (n % 256) as u8;
    let employee_id = EmployeeId(uuid::Uuid::from_u128(7));
    let body = match odd {
        Some(Odd::Oversized) => EventBody::EnrolmentCandidate(EnrolmentCandidate::new(
            employee_id,
            "m".into(),
            [(vec![0.123_456_79_f32; 300], 0.9)],
            None,
        )),
        _ => EventBody::Punch(Punch {
            employee_id,
            punch_type: PunchType::In,
            method: PunchMethod::Pin,
            score: None,
            threshold: None,
            model_id: odd.map(|_| UNREADABLE.to_owned()),
            liveness: None,
        }),
    };
    EventDraft {
        event_id: EventId(uuid::Uuid::from_bytes(bytes)),
        captured_at: Timestamp::now(),
        clock_suspect: false,
        body,
    }
}

/// Runs the state machine until it asks to push (or gives up), then meets `fate`.
fn sync_cycle(k: &mut Kiosk, server: &mut Server, fate: Fate) {
    let tick = k.state.on(Input::Tick { now_ms: k.now_ms });
    let Some(ids) = k.perform(tick, server) else {
        return;
    };
    let events: Vec<Event> = ids
        .iter()
        .filter_map(|id| k.loaded.get(id).cloned())
        .collect();
    assert_eq!(
        events.len(),
        ids.len(),
        "a part of a batch was pushed without being loaded"
    );
    let answer = match fate {
        Fate::Failed => None,
        Fate::AnswerLost => {
            server.receive(&events);
            None
        }
        Fate::Partial => Some(server.receive(&events[..events.len().div_ceil(2)])),
        Fate::Delivered => Some(server.receive(&events)),
        Fate::CrashBeforeApply => {
            server.receive(&events);
            k.restart();
            return;
        }
    };
    let now_ms = k.now_ms;
    let inputs = match answer {
        None => vec![Input::PushFailed { now_ms }],
        Some(answer) => {
            let seen = Input::ServerSeen {
                version: Some(server.version()),
            };
            vec![
                seen,
                match answer {
                    Answer::Acks(acks) => Input::Pushed { acks, now_ms },
                    Answer::Refused(status, reason) => Input::Refused {
                        status,
                        reason,
                        now_ms,
                    },
                },
            ]
        }
    };
    for input in inputs {
        let actions = k.state.on(input);
        // Only this push's consequences: one push per cycle.
        assert!(k.perform(actions, server).is_none());
    }
}

fn ids_of<T>(rows: Vec<T>, id: impl Fn(&T) -> EventId) -> HashSet<EventId> {
    rows.iter().map(id).collect()
}

fn check_nothing_lost(k: &Kiosk, server: &Server, enqueued: &HashSet<EventId>) {
    let in_outbox = ids_of(k.outbox.peek(usize::MAX >> 1).expect("peek"), |e| {
        e.event_id
    });
    let aside = ids_of(k.outbox.set_aside_events().expect("set aside"), |s| {
        s.event_id
    });
    let rejected_locally = ids_of(k.outbox.rejected().expect("rejected"), |r| r.0);
    for id in enqueued {
        let kept = in_outbox.contains(id)
            || aside.contains(id)
            || server.stored.contains_key(id)
            || server.rejected.contains(id);
        assert!(kept, "event {id} was lost");
    }
    assert!(in_outbox.is_disjoint(&rejected_locally));
    assert!(
        in_outbox.is_disjoint(&aside),
        "an event is both queued and set aside"
    );
    assert!(
        aside.iter().all(|id| !server.stored.contains_key(id)),
        "an event the server stored was set aside"
    );
    assert!(
        in_outbox.is_subset(enqueued),
        "the outbox holds an event nobody enqueued"
    );
}

/// Syncs until the queue is empty; fails if it does not empty.
fn drain(k: &mut Kiosk, server: &mut Server) {
    for _ in 0..10_000 {
        if k.outbox.depth().expect("depth") == 0 && !k.state.is_bisecting() {
            return;
        }
        k.now_ms += 400_000;
        sync_cycle(k, server, Fate::Delivered);
    }
    panic!("the outbox never drained: the queue is wedged");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn nothing_is_lost_stored_twice_or_wedged_across_refusals_failures_and_crashes(ops in prop::collection::vec(op(), 1..60)) {
        let mut k = Kiosk::new();
        let mut server = Server::new();
        let mut enqueued = HashSet::new();
        let mut odd = HashSet::new();
        let mut last_seq = 0u64;
        let mut counter = 0u64;
        let mut enqueue = |k: &mut Kiosk, kind: Option<Odd>| {
            counter += 1;
            let d = draft(counter, kind);
            let seq = k.outbox.enqueue(&d).expect("enqueue");
            assert!(seq > last_seq, "seq must grow strictly, even across crashes");
            last_seq = seq;
            k.state.on(Input::Enqueued);
            d.event_id
        };
        for op in ops {
            match op {
                Op::Enqueue(n) => {
                    for _ in 0..n {
                        enqueued.insert(enqueue(&mut k, None));
                    }
                }
                Op::EnqueueOdd(kind) => {
                    let id = enqueue(&mut k, Some(kind));
                    enqueued.insert(id);
                    odd.insert(id);
                }
                Op::Sync(fate) => sync_cycle(&mut k, &mut server, fate),
                Op::Crash => k.restart(),
                Op::Advance(ms) => k.now_ms += u64::from(ms),
                Op::Upgrade => server.version = 2,
            }
            check_nothing_lost(&k, &server, &enqueued);
        }
        // The network heals: the queue drains whatever the server refuses.
        drain(&mut k, &mut server);
        let aside = ids_of(k.outbox.set_aside_events().expect("set aside"), |s| s.event_id);
        if server.version == 1 {
            let unstored: HashSet<EventId> = odd.iter().filter(|id| !server.stored.contains_key(id)).copied().collect();
            prop_assert_eq!(&aside, &unstored, "exactly the events version 1 cannot take are set aside");
        }
        // The server is upgraded; the next heartbeat's answer names the new version, the
        // set-aside events go again, and the queue drains again.
        server.version = 2;
        enqueued.insert(enqueue(&mut k, None));
        drain(&mut k, &mut server);
        check_nothing_lost(&k, &server, &enqueued);
        prop_assert!(k.outbox.set_aside_events().expect("set aside").is_empty(), "version 2 takes every set-aside event");
        let delivered: HashSet<EventId> = server.stored.keys().copied().collect();
        let expected: HashSet<EventId> = enqueued.difference(&server.rejected).copied().collect();
        prop_assert_eq!(delivered, expected);
        let rejected_locally = ids_of(k.outbox.rejected().expect("rejected"), |r| r.0);
        prop_assert_eq!(rejected_locally, server.rejected.clone());
    }
}
