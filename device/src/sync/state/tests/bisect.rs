//! Batches the server refuses whole (413, 422): bisection down to the one event to set aside,
//! and its release when the server's version changes. The last test runs random batches with
//! random bad events against a simulated server.

use std::collections::HashSet;

use proptest::prelude::*;

use super::*;

/// A server that refuses whole every batch holding one of `bad`, and accepts the rest.
struct Strict {
    bad: HashSet<EventId>,
    pushes: usize,
}

impl Strict {
    fn answer(&mut self, ids: &[EventId], now_ms: u64) -> Input {
        self.pushes += 1;
        if ids.iter().any(|id| self.bad.contains(id)) {
            Input::Refused {
                status: 422,
                reason: "events[0].body: unknown variant `door_opened`".into(),
                now_ms,
            }
        } else {
            Input::Pushed {
                acks: ids.iter().map(|id| Ack::accepted(*id)).collect(),
                now_ms,
            }
        }
    }
}

/// Runs the state against `server` until the outbox `queue` is drained: returns what was set
/// aside, in order. The queue stands in for the outbox: acked and set-aside ids leave it.
fn drain(s: &mut SyncState, server: &mut Strict, queue: &mut Vec<EventId>) -> Vec<Action> {
    let mut set_aside = Vec::new();
    let mut now = 0;
    for _ in 0..10_000 {
        now += 1;
        let mut actions = s.on(Input::Tick { now_ms: now });
        while let Some(action) = actions.pop() {
            match action {
                Action::LoadBatch { limit, .. } => {
                    let ids: Vec<EventId> = queue.iter().take(limit).copied().collect();
                    actions.extend(s.on(Input::Loaded { ids, now_ms: now }));
                }
                Action::Push { ids } => actions.extend(s.on(server.answer(&ids, now))),
                Action::ApplyAcks { acks } => {
                    queue.retain(|id| acks.iter().all(|a| a.event_id != *id));
                }
                Action::SetAside { id, .. } => {
                    queue.retain(|q| *q != id);
                    set_aside.push(action);
                }
                Action::RecordFailure { .. }
                | Action::PullRoster
                | Action::ReleaseSetAside { .. } => {}
            }
        }
        if queue.is_empty() && !s.is_busy() && !s.is_bisecting() {
            return set_aside;
        }
    }
    panic!("the queue never drained: {queue:?}");
}

fn config(batch_size: usize) -> SyncConfig {
    SyncConfig {
        batch_size,
        roster_interval_ms: u64::MAX / 2,
        ..SyncConfig::default()
    }
}

#[test]
fn a_refused_batch_is_halved_until_the_bad_event_is_refused_alone_and_set_aside() {
    let mut s = SyncState::new(config(8), 5);
    let mut server = Strict {
        bad: HashSet::from([id(6)]),
        pushes: 0,
    };
    let mut queue: Vec<EventId> = (1..=10).map(id).collect();
    let set_aside = drain(&mut s, &mut server, &mut queue);
    assert_eq!(
        set_aside,
        vec![Action::SetAside {
            id: id(6),
            status: 422,
            reason: "events[0].body: unknown variant `door_opened`".into(),
            server_version: None,
        }]
    );
    // 1..8 refused; 1..4 ok; 5..8 refused; 5,6 refused; 5 ok; 6 refused alone; 7,8 ok; 9,10 ok.
    assert_eq!(server.pushes, 8);
}

#[test]
fn the_halves_go_in_outbox_order_and_the_first_half_is_the_larger() {
    let mut s = SyncState::new(config(5), 5);
    s.on(Input::Tick { now_ms: 0 });
    let ids: Vec<EventId> = (1..=5).map(id).collect();
    s.on(Input::Loaded { ids, now_ms: 0 });
    let refused = Input::Refused {
        status: 413,
        reason: "too large".into(),
        now_ms: 1,
    };
    assert!(
        s.on(refused).is_empty(),
        "a refusal of several events sets nothing aside"
    );
    assert!(s.is_bisecting());
    assert_eq!(
        s.on(Input::Tick { now_ms: 1 }),
        vec![Action::Push {
            ids: vec![id(1), id(2), id(3)]
        }]
    );
    s.on(Input::Pushed {
        acks: (1..=3).map(|n| Ack::accepted(id(n))).collect(),
        now_ms: 2,
    });
    assert_eq!(
        s.on(Input::Tick { now_ms: 2 }),
        vec![Action::Push {
            ids: vec![id(4), id(5)]
        }]
    );
}

#[test]
fn a_refusal_is_an_answer_so_it_neither_backs_off_nor_counts_as_offline() {
    let mut s = SyncState::new(config(2), 5);
    s.on(Input::Tick { now_ms: 0 });
    s.on(Input::Loaded {
        ids: vec![id(1), id(2)],
        now_ms: 0,
    });
    s.on(Input::Refused {
        status: 422,
        reason: "bad".into(),
        now_ms: 10,
    });
    assert_eq!(
        (s.online(), s.consecutive_failures(), s.next_push_ms()),
        (Some(true), 0, 10)
    );
}

#[test]
fn the_set_aside_event_carries_the_version_of_the_server_that_refused_it() {
    let mut s = SyncState::new(config(1), 5);
    s.on(Input::ServerSeen {
        version: Some("1.4.0".into()),
    });
    s.on(Input::Tick { now_ms: 0 });
    s.on(Input::Loaded {
        ids: vec![id(1)],
        now_ms: 0,
    });
    let actions = s.on(Input::Refused {
        status: 413,
        reason: "body over 8388608 bytes".into(),
        now_ms: 0,
    });
    assert_eq!(
        actions,
        vec![Action::SetAside {
            id: id(1),
            status: 413,
            reason: "body over 8388608 bytes".into(),
            server_version: Some("1.4.0".into()),
        }]
    );
    assert!(!s.is_bisecting());
    assert_eq!(
        s.on(Input::Tick { now_ms: 0 }),
        vec![load(1)],
        "the queue moves on at once"
    );
}

#[test]
fn a_network_failure_mid_bisection_sends_the_same_half_again_after_the_backoff() {
    let mut s = SyncState::new(config(4), 5);
    s.on(Input::Tick { now_ms: 0 });
    s.on(Input::Loaded {
        ids: (1..=4).map(id).collect(),
        now_ms: 0,
    });
    s.on(Input::Refused {
        status: 422,
        reason: "bad".into(),
        now_ms: 0,
    });
    assert_eq!(
        s.on(Input::Tick { now_ms: 0 }),
        vec![Action::Push {
            ids: vec![id(1), id(2)]
        }]
    );
    assert_eq!(
        s.on(Input::PushFailed { now_ms: 0 }),
        vec![Action::RecordFailure {
            ids: vec![id(1), id(2)]
        }]
    );
    let due = s.next_push_ms();
    assert!(due > 0);
    assert!(s.on(Input::Tick { now_ms: due - 1 }).is_empty());
    assert_eq!(
        s.on(Input::Tick { now_ms: due }),
        vec![Action::Push {
            ids: vec![id(1), id(2)]
        }]
    );
}

#[test]
fn set_aside_events_are_released_on_the_first_answer_and_on_every_version_change() {
    let mut s = SyncState::new(config(1), 5);
    let seen = |v: Option<&str>| Input::ServerSeen {
        version: v.map(str::to_owned),
    };
    let release = |v: Option<&str>| {
        vec![Action::ReleaseSetAside {
            server_version: v.map(str::to_owned),
        }]
    };
    // After a start the kiosk does not know who refused what: the store compares versions.
    assert_eq!(s.on(seen(Some("1.4.0"))), release(Some("1.4.0")));
    assert!(
        s.on(seen(Some("1.4.0"))).is_empty(),
        "the same server releases nothing"
    );
    assert_eq!(s.on(seen(Some("1.5.0"))), release(Some("1.5.0")));
    // A server that names no version is another server too (an older one, after a rollback).
    assert_eq!(s.on(seen(None)), release(None));
    assert!(s.on(seen(None)).is_empty());
}

#[test]
fn a_release_sends_the_released_events_without_waiting_for_the_idle_poll() {
    let mut s = SyncState::new(config(1), 5);
    s.on(Input::Tick { now_ms: 0 });
    s.on(Input::Loaded {
        ids: vec![],
        now_ms: 0,
    });
    assert!(!s.on(Input::Tick { now_ms: 1 }).contains(&load(1)));
    s.on(Input::ServerSeen {
        version: Some("2".into()),
    });
    assert_eq!(s.on(Input::Tick { now_ms: 2 }), vec![load(1)]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// However many bad events and wherever they sit, the queue drains: each bad event is set
    /// aside exactly once, every other event is acked, and the extra pushes stay logarithmic.
    #[test]
    fn the_queue_drains_around_any_set_of_bad_events(
        n in 1u128..200,
        batch_size in 1usize..40,
        bad in prop::collection::hash_set(1u128..200, 0..6),
    ) {
        let mut s = SyncState::new(config(batch_size), 3);
        let bad: HashSet<EventId> = bad.into_iter().filter(|b| *b <= n).map(id).collect();
        let mut server = Strict { bad: bad.clone(), pushes: 0 };
        let mut queue: Vec<EventId> = (1..=n).map(id).collect();
        let set_aside = drain(&mut s, &mut server, &mut queue);
        let aside: Vec<EventId> = set_aside
            .iter()
            .filter_map(|a| match a { Action::SetAside { id, .. } => Some(*id), _ => None })
            .collect();
        prop_assert_eq!(aside.len(), bad.len(), "each bad event is set aside once");
        prop_assert_eq!(aside.into_iter().collect::<HashSet<_>>(), bad.clone());
        let batches = (n as usize).div_ceil(batch_size) + bad.len();
        let depth = usize::BITS - batch_size.leading_zeros();
        prop_assert!(
            server.pushes <= batches + 2 * bad.len() * depth as usize,
            "{} pushes for {} events, {} bad", server.pushes, n, bad.len()
        );
    }
}
