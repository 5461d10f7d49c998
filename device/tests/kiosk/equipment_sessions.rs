//! Equipment activation rules and session timers.

use attend_device::kiosk::equipment::{Effect, Limits, Refusal, Sessions, recover};
use attend_protocol::events::StopReason;
use attend_protocol::ids::{EmployeeId, EquipmentId, QualificationId, SessionId};
use attend_protocol::roster::{ConsentState, HeldQualification, RosterEmployee, RosterEquipment};
use jiff::civil::date;

const LIMITS: Limits = Limits {
    idle_ms: 60_000,
    max_ms: 600_000,
    warn_ms: 10_000,
};
const LATHE_Q: QualificationId = QualificationId(uuid::Uuid::from_u128(50));

fn lathe() -> RosterEquipment {
    RosterEquipment {
        id: EquipmentId(uuid::Uuid::from_u128(7)),
        name: "Lathe".into(),
        activation_code_hash: String::new(),
        required_qualification: Some(LATHE_Q),
        relay_channel: 2,
        locked_out: false,
    }
}

fn worker(n: u128, expires: Option<jiff::civil::Date>) -> RosterEmployee {
    RosterEmployee {
        no_head_turn: false,
        id: EmployeeId(uuid::Uuid::from_u128(n)),
        employee_number: n.to_string(),
        display_name: format!("W{n}"),
        pin_hash: None,
        consent: ConsentState::Granted,
        qualifications: vec![HeldQualification {
            qualification_id: LATHE_Q,
            expires_on: expires,
        }],
    }
}

fn sid(n: u128) -> SessionId {
    SessionId(uuid::Uuid::from_u128(n))
}

const TODAY: jiff::civil::Date = date(2026, 11, 20);

#[test]
fn a_qualified_clocked_in_worker_starts_and_stops_by_retyping_the_code() {
    let mut s = Sessions::new(LIMITS);
    let (m, w) = (lathe(), worker(1, None));
    let started = s
        .code_typed(&m, &w, true, TODAY, sid(1), 0)
        .expect("starts");
    assert_eq!(
        started,
        vec![Effect::Started {
            session: sid(1),
            equipment: m.id,
            employee: w.id,
            relay: 2
        }]
    );
    let stopped = s
        .code_typed(&m, &w, true, TODAY, sid(2), 5_000)
        .expect("stops");
    assert_eq!(
        stopped,
        vec![Effect::Stopped {
            session: sid(1),
            equipment: m.id,
            employee: w.id,
            relay: 2,
            reason: StopReason::CodeRetyped
        }]
    );
    assert_eq!(s.active_count(), 0);
}

#[test]
fn every_check_refuses_with_its_own_reason_and_starts_nothing() {
    let mut s = Sessions::new(LIMITS);
    let m = lathe();
    assert_eq!(
        s.code_typed(&m, &worker(1, None), false, TODAY, sid(1), 0),
        Err(Refusal::NotClockedIn("Lathe".into()))
    );
    let unqualified = RosterEmployee {
        no_head_turn: false,
        qualifications: vec![],
        ..worker(2, None)
    };
    assert_eq!(
        s.code_typed(&m, &unqualified, true, TODAY, sid(1), 0),
        Err(Refusal::NotQualified {
            machine: "Lathe".into()
        })
    );
    let expired = worker(3, Some(date(2026, 11, 19)));
    assert_eq!(
        s.code_typed(&m, &expired, true, TODAY, sid(1), 0),
        Err(Refusal::QualificationExpired {
            machine: "Lathe".into(),
            expired: date(2026, 11, 19)
        })
    );
    let locked = RosterEquipment {
        locked_out: true,
        ..lathe()
    };
    assert_eq!(
        s.code_typed(&locked, &worker(1, None), true, TODAY, sid(1), 0),
        Err(Refusal::LockedOut("Lathe".into()))
    );
    assert_eq!(s.active_count(), 0);
    // Valid on the last day of the qualification.
    assert!(
        s.code_typed(&m, &worker(4, Some(TODAY)), true, TODAY, sid(1), 0)
            .is_ok()
    );
    assert_eq!(
        s.code_typed(&m, &worker(5, None), true, TODAY, sid(2), 0),
        Err(Refusal::InUse("Lathe".into()))
    );
}

#[test]
fn idle_and_maximum_times_warn_first_then_stop() {
    let mut s = Sessions::new(LIMITS);
    let (m, w) = (lathe(), worker(1, None));
    s.code_typed(&m, &w, true, TODAY, sid(1), 0)
        .expect("starts");
    assert!(s.tick(40_000).is_empty());
    assert_eq!(
        s.tick(50_000),
        vec![Effect::Warn {
            equipment: m.id,
            seconds_left: 10
        }]
    );
    assert!(s.tick(55_000).is_empty(), "one warning per countdown");
    s.activity(w.id, 55_000);
    assert!(
        s.tick(100_000).is_empty(),
        "activity restarted the idle timer"
    );
    let stop = s.tick(115_000);
    assert_eq!(
        stop,
        vec![Effect::Stopped {
            session: sid(1),
            equipment: m.id,
            employee: w.id,
            relay: 2,
            reason: StopReason::IdleTimeout
        }]
    );

    s.code_typed(&m, &w, true, TODAY, sid(2), 200_000)
        .expect("starts");
    for t in (210_000..=830_000).step_by(30_000) {
        s.activity(w.id, t);
        if let Some(Effect::Stopped { reason, .. }) = s
            .tick(t)
            .into_iter()
            .find(|e| matches!(e, Effect::Stopped { .. }))
        {
            assert_eq!(reason, StopReason::MaxTime);
            assert!(t >= 800_000, "stopped at {t}, before the maximum");
            return;
        }
    }
    panic!("the maximum time never stopped the session");
}

#[test]
fn stop_key_clock_out_shutdown_and_recovery_close_sessions_with_their_reasons() {
    let mut s = Sessions::new(LIMITS);
    let drill = RosterEquipment {
        id: EquipmentId(uuid::Uuid::from_u128(8)),
        relay_channel: 3,
        name: "Drill".into(),
        ..lathe()
    };
    let (a, b) = (worker(1, None), worker(2, None));
    s.code_typed(&lathe(), &a, true, TODAY, sid(1), 0)
        .expect("a starts lathe");
    s.code_typed(&drill, &b, true, TODAY, sid(2), 0)
        .expect("b starts drill");
    let reasons = |e: Vec<Effect>| {
        e.into_iter()
            .filter_map(|e| {
                if let Effect::Stopped { reason, .. } = e {
                    Some(reason)
                } else {
                    None
                }
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(reasons(s.stop_key(a.id)), vec![StopReason::StopKey]);
    assert_eq!(reasons(s.clocked_out(a.id)), Vec::<StopReason>::new());
    s.code_typed(&lathe(), &a, true, TODAY, sid(3), 1)
        .expect("a again");
    assert_eq!(reasons(s.clocked_out(a.id)), vec![StopReason::ClockOut]);
    assert_eq!(reasons(s.shutdown()), vec![StopReason::Shutdown]);
    assert_eq!(s.active_count(), 0);
    let recovered = recover(&[(sid(9), drill.id, b.id, 3)]);
    assert_eq!(
        recovered,
        vec![Effect::Stopped {
            session: sid(9),
            equipment: drill.id,
            employee: b.id,
            relay: 3,
            reason: StopReason::Recovered
        }]
    );
}
