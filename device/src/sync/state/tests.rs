//! The sync state machine's unit tests: batching, acks, backoff. Refused batches are in
//! [`bisect`].

use super::*;

fn id(n: u128) -> EventId {
    EventId(uuid::Uuid::from_u128(n))
}

/// The load a default-configured state asks for, with `limit` events.
fn load(limit: usize) -> Action {
    Action::LoadBatch {
        limit,
        max_bytes: SyncConfig::default().max_batch_bytes,
    }
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
    assert_eq!(actions, vec![load(2), Action::PullRoster]);
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
    assert_eq!(s.on(Input::Tick { now_ms: 2 }), vec![load(2)]);
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
    assert!(!s.on(Input::Tick { now_ms: 11 }).contains(&load(500)));
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
            .contains(&load(500))
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
    assert!(!s.on(Input::Tick { now_ms: 10 }).contains(&load(500)));
    s.on(Input::Enqueued);
    assert_eq!(s.on(Input::Tick { now_ms: 5_000 })[0], load(500));
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
    assert_eq!(s.on(Input::Tick { now_ms: 2 })[0], load(500));
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
    assert_eq!(s.on(Input::Tick { now_ms: 1 }), vec![load(500)]);
    s.on(Input::Loaded {
        ids: vec![id(1)],
        now_ms: 1,
    });
    s.on(Input::PushFailed { now_ms: 1 });
    s.on(Input::Enqueued);
    assert!(s.next_push_ms() >= 500);
    assert!(!s.on(Input::Tick { now_ms: 2 }).contains(&load(500)));
}

mod bisect;
