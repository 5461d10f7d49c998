//! Model-based test of the outbox and the sync state machine (in the spirit of vector's disk
//! buffer tests): random enqueue / push / ack / failure / lost-answer / crash-and-reopen
//! sequences run against the real SQLite outbox, the real state machine and a simulated
//! idempotent server, beside a trivial model (the set of enqueued ids). After every step nothing
//! may be lost; the server must never store an event twice; after a final drain the server must
//! hold exactly what was enqueued, minus what it rejected.

use std::collections::{HashMap, HashSet};

use attend_device::outbox::{EventDraft, Outbox};
use attend_device::sync::{Action, Input, SyncConfig, SyncState};
use attend_protocol::ack::Ack;
use attend_protocol::events::{EventBody, Punch, PunchMethod, PunchType};
use attend_protocol::ids::{EmployeeId, EventId};
use jiff::Timestamp;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Enqueue(u8),
    /// Run one sync cycle; the push meets `Fate`.
    Sync(Fate),
    /// The process dies and restarts: the outbox is reopened, the state machine is new.
    Crash,
    Advance(u32),
}

#[derive(Clone, Copy, Debug)]
enum Fate {
    /// The server stores the batch and the answer arrives.
    Delivered,
    /// The server stores the batch, but the answer is lost (timeout).
    AnswerLost,
    /// The request never reaches the server.
    Failed,
    /// The server answers for only the first half of the batch.
    Partial,
    /// The server stores and answers, but the kiosk crashes before applying the acks.
    CrashBeforeApply,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1u8..20).prop_map(Op::Enqueue),
        4 => prop_oneof![
            Just(Fate::Delivered), Just(Fate::AnswerLost), Just(Fate::Failed), Just(Fate::Partial), Just(Fate::CrashBeforeApply)
        ].prop_map(Op::Sync),
        1 => Just(Op::Crash),
        1 => (0u32..400_000).prop_map(Op::Advance),
    ]
}

/// An idempotent server: stores each event id once, rejects ids it deems bad.
#[derive(Default)]
struct Server {
    /// How often each event arrived (the server keeps one row per id; repeats answer duplicate).
    stored: HashMap<EventId, u32>,
    rejected: HashSet<EventId>,
    /// Events whose ack the kiosk has applied: they must never be sent again.
    acknowledged: HashSet<EventId>,
}

impl Server {
    fn receive(&mut self, ids: &[EventId]) -> Vec<Ack> {
        ids.iter()
            .map(|id| {
                assert!(
                    !self.acknowledged.contains(id),
                    "event {id} was sent again after its ack was applied"
                );
                // A deterministic tenth of events is invalid and rejected, never stored.
                if id.as_uuid().as_u128() % 10 == 3 {
                    self.rejected.insert(*id);
                    return Ack::rejected(*id, "body.employee_id: unknown");
                }
                let n = self.stored.entry(*id).or_insert(0);
                *n += 1;
                if *n == 1 {
                    Ack::accepted(*id)
                } else {
                    Ack::duplicate(*id)
                }
            })
            .collect()
    }

    fn applied(&mut self, acks: &[Ack]) {
        self.acknowledged.extend(acks.iter().map(|a| a.event_id));
    }
}

struct Kiosk {
    dir: tempfile::TempDir,
    outbox: Outbox,
    state: SyncState,
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
            now_ms: 0,
        }
    }

    fn restart(&mut self) {
        self.outbox = Outbox::open(&self.dir.path().join("outbox.db")).expect("reopens");
        self.state = SyncState::new(config(), self.now_ms);
    }
}

fn config() -> SyncConfig {
    SyncConfig {
        batch_size: 7,
        base_backoff_ms: 100,
        max_backoff_ms: 10_000,
        idle_poll_ms: 1_000,
        roster_interval_ms: u64::MAX / 2,
    }
}

fn draft(n: u64) -> EventDraft {
    // Ids mix a counter into a v7 UUID so the server's 1-in-10 rejection rule is reproducible.
    let mut bytes = *uuid::Uuid::now_v7().as_bytes();
    bytes[15] = (n % 256) as u8;
    let body = EventBody::Punch(Punch {
        employee_id: EmployeeId(uuid::Uuid::from_u128(7)),
        punch_type: PunchType::In,
        method: PunchMethod::Pin,
        score: None,
        threshold: None,
        model_id: None,
    });
    EventDraft {
        event_id: EventId(uuid::Uuid::from_bytes(bytes)),
        captured_at: Timestamp::now(),
        clock_suspect: false,
        body,
    }
}

/// Runs the state machine until it asks to push (or gives up), then meets `fate`.
fn sync_cycle(k: &mut Kiosk, server: &mut Server, fate: Fate) -> bool {
    let mut pending = k.state.on(Input::Tick { now_ms: k.now_ms });
    while let Some(action) = pending.pop() {
        match action {
            Action::LoadBatch { limit } => {
                let ids = k
                    .outbox
                    .peek(limit)
                    .expect("peek")
                    .iter()
                    .map(|e| e.event_id)
                    .collect();
                pending.extend(k.state.on(Input::Loaded {
                    ids,
                    now_ms: k.now_ms,
                }));
            }
            Action::Push { ids } => {
                let answer = match fate {
                    Fate::Failed => None,
                    Fate::AnswerLost => {
                        server.receive(&ids);
                        None
                    }
                    Fate::Partial => Some(server.receive(&ids[..ids.len().div_ceil(2)])),
                    Fate::Delivered => Some(server.receive(&ids)),
                    Fate::CrashBeforeApply => {
                        server.receive(&ids);
                        k.restart();
                        return true;
                    }
                };
                let input = match answer {
                    Some(acks) => Input::Pushed {
                        acks,
                        now_ms: k.now_ms,
                    },
                    None => Input::PushFailed { now_ms: k.now_ms },
                };
                // Run only this push's consequences: one batch per cycle.
                for follow in k.state.on(input) {
                    match follow {
                        Action::ApplyAcks { acks } => {
                            k.outbox.apply_acks(&acks, Timestamp::now()).expect("apply");
                            server.applied(&acks);
                        }
                        Action::RecordFailure { ids } => {
                            k.outbox.record_attempt(&ids).expect("record");
                        }
                        _ => {}
                    }
                }
                return true;
            }
            Action::ApplyAcks { acks } => {
                k.outbox.apply_acks(&acks, Timestamp::now()).expect("apply");
                server.applied(&acks);
            }
            Action::RecordFailure { ids } => k.outbox.record_attempt(&ids).expect("record"),
            Action::PullRoster => {
                pending.extend(k.state.on(Input::RosterPulled { now_ms: k.now_ms }));
            }
        }
    }
    false
}

fn check_nothing_lost(k: &Kiosk, server: &Server, enqueued: &HashSet<EventId>) {
    let in_outbox: HashSet<EventId> = k
        .outbox
        .peek(usize::MAX >> 1)
        .expect("peek")
        .iter()
        .map(|e| e.event_id)
        .collect();
    for id in enqueued {
        let kept = in_outbox.contains(id)
            || server.stored.contains_key(id)
            || server.rejected.contains(id);
        assert!(kept, "event {id} was lost");
    }
    // The outbox never holds an event whose ack was applied (delivered or rejected locally).
    let rejected_locally: HashSet<EventId> = k
        .outbox
        .rejected()
        .expect("rejected")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert!(in_outbox.is_disjoint(&rejected_locally));
    assert!(
        in_outbox.is_subset(enqueued),
        "the outbox holds an event nobody enqueued"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn nothing_is_lost_or_stored_twice_across_failures_and_crashes(ops in prop::collection::vec(op(), 1..60)) {
        let mut k = Kiosk::new();
        let mut server = Server::default();
        let mut enqueued = HashSet::new();
        let mut last_seq = 0u64;
        let mut counter = 0u64;
        for op in ops {
            match op {
                Op::Enqueue(n) => {
                    for _ in 0..n {
                        counter += 1;
                        let d = draft(counter);
                        let seq = k.outbox.enqueue(&d).expect("enqueue");
                        prop_assert!(seq > last_seq, "seq must grow strictly, even across crashes");
                        last_seq = seq;
                        enqueued.insert(d.event_id);
                        k.state.on(Input::Enqueued);
                    }
                }
                Op::Sync(fate) => {
                    sync_cycle(&mut k, &mut server, fate);
                }
                Op::Crash => k.restart(),
                Op::Advance(ms) => k.now_ms += u64::from(ms),
            }
            check_nothing_lost(&k, &server, &enqueued);
        }
        // Drain: the network heals; every remaining event must arrive.
        for _ in 0..10_000 {
            if k.outbox.depth().expect("depth") == 0 {
                break;
            }
            k.now_ms += 400_000;
            sync_cycle(&mut k, &mut server, Fate::Delivered);
        }
        prop_assert_eq!(k.outbox.depth().expect("depth"), 0, "the outbox drains once the server is reachable");
        let delivered: HashSet<EventId> = server.stored.keys().copied().collect();
        let expected: HashSet<EventId> = enqueued.difference(&server.rejected).copied().collect();
        prop_assert_eq!(delivered, expected);
        let rejected_locally: HashSet<EventId> = k.outbox.rejected().expect("rejected").into_iter().map(|(id, _)| id).collect();
        prop_assert_eq!(rejected_locally, server.rejected.clone());
    }
}

#[test]
fn an_event_is_durable_as_soon_as_enqueue_returns() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("outbox.db");
    let d = draft(1);
    {
        let mut outbox = Outbox::open(&path).expect("opens");
        assert_eq!(outbox.enqueue(&d).expect("enqueue"), 1);
        // Dropped without any further call: as if the process died here.
    }
    let outbox = Outbox::open(&path).expect("reopens");
    let events = outbox.peek(10).expect("peek");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_id, d.event_id);
    assert_eq!(events[0].body, d.body);
    assert_eq!(events[0].seq, 1);
}

#[test]
fn the_same_event_cannot_be_enqueued_twice() {
    let dir = tempfile::tempdir().expect("dir");
    let mut outbox = Outbox::open(&dir.path().join("o.db")).expect("opens");
    let d = draft(1);
    outbox.enqueue(&d).expect("first");
    let err = outbox.enqueue(&d).expect_err("second");
    assert!(err.to_string().contains("already in the outbox"), "{err}");
    assert_eq!(outbox.depth().expect("depth"), 1);
}
