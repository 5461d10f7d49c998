//! The PIN slowdown, driven by hand: time is an argument and the verifier counts its calls, so
//! nothing here measures a duration.

use std::sync::Mutex;

use attend_protocol::ids::EmployeeId;
use attend_protocol::roster::ConsentState;

use super::*;

/// Matches `pin` against hashes written `fake:<pin>`, and remembers every hash it was asked
/// about: one entry per (would-be argon2) verification.
#[derive(Default)]
struct Counting {
    asked: Mutex<Vec<String>>,
}

impl Counting {
    fn calls(&self) -> usize {
        self.asked.lock().expect("lock").len()
    }
}

impl PinVerifier for Counting {
    fn verify(&self, pin: &str, phc_hash: &str) -> bool {
        self.asked.lock().expect("lock").push(phc_hash.to_owned());
        phc_hash == format!("fake:{pin}")
    }
}

fn ana(pin_hash: Option<&str>) -> RosterEmployee {
    RosterEmployee {
        no_head_turn: false,
        id: EmployeeId(uuid::Uuid::from_u128(1)),
        employee_number: "1001".into(),
        display_name: "Ana".into(),
        pin_hash: pin_hash.map(str::to_owned),
        consent: ConsentState::Granted,
        qualifications: vec![],
    }
}

const MIN: u64 = 60_000;

#[test]
fn an_unknown_number_costs_one_verification_against_the_dummy_hash_like_a_known_one() {
    let rules = PinRules::default();
    let v = Counting::default();
    let known = ana(Some("fake:1234"));
    let no_pin = ana(None);
    let answers: Vec<PinCheck> = [Some(&known), None, Some(&no_pin)]
        .into_iter()
        .map(|e| check(&rules, Counts::default(), e, "9999", 0, &v).0)
        .collect();
    assert_eq!(
        answers,
        vec![PinCheck::Wrong { wait_s: 0 }; 3],
        "indistinguishable"
    );
    let asked = v.asked.lock().expect("lock").clone();
    assert_eq!(asked, ["fake:1234", dummy_hash(), dummy_hash()]);
    assert!(
        dummy_hash().starts_with("$argon2id$"),
        "the dummy costs a real argon2 check"
    );
}

#[test]
fn the_dummy_hash_has_the_server_s_argon2_parameters() {
    let dummy = PasswordHash::new(dummy_hash()).expect("a PHC string");
    let salt = SaltString::from_b64("c2FsdHNhbHRzYWx0").expect("salt");
    let server_like = argon2::Argon2::default()
        .hash_password(b"1234", &salt)
        .expect("hash");
    assert_eq!(dummy.algorithm, server_like.algorithm);
    assert_eq!(dummy.params, server_like.params);
}

#[test]
fn the_right_pin_clears_the_number_s_count_but_not_the_kiosk_s() {
    let rules = PinRules::default();
    let v = Counting::default();
    let a = ana(Some("fake:1234"));
    let (_, after_wrong) = check(&rules, Counts::default(), Some(&a), "0000", 5, &v);
    assert_eq!(after_wrong.number.count, 1);
    let (answer, after_right) = check(&rules, after_wrong, Some(&a), "1234", 6, &v);
    assert_eq!(answer, PinCheck::Accepted);
    assert_eq!(after_right.number, Failures::default());
    assert_eq!(
        after_right.kiosk, after_wrong.kiosk,
        "an employee's own PIN does not reset it"
    );
}

#[test]
fn after_three_failures_each_further_failure_doubles_the_wait_up_to_the_cap() {
    let rules = PinRules::default();
    let v = Counting::default();
    let a = ana(Some("fake:1234"));
    let mut counts = Counts::default();
    let mut now = 0i64;
    let mut waits = Vec::new();
    for _ in 0..9 {
        let (answer, next) = check(&rules, counts, Some(&a), "0000", now, &v);
        let PinCheck::Wrong { wait_s } = answer else {
            panic!("{answer:?}");
        };
        waits.push(wait_s);
        counts = next;
        // The next try comes exactly when the wait is over; the kiosk-wide count is left out.
        counts.kiosk = Failures::default();
        now += i64::try_from(wait_s * 1000).expect("fits");
    }
    assert_eq!(waits, [0, 0, 0, 30, 60, 120, 240, 480, 900]);
    assert_eq!(
        v.calls(),
        9,
        "every try that was not told to wait was checked"
    );
}

#[test]
fn a_try_during_a_wait_is_answered_without_a_verification_and_is_not_counted() {
    let rules = PinRules::default();
    let v = Counting::default();
    let a = ana(Some("fake:1234"));
    let counts = Counts {
        number: Failures {
            count: 4,
            last_ms: 1_000,
        },
        kiosk: Failures::default(),
    };
    let (answer, after) = check(&rules, counts, Some(&a), "1234", 11_000, &v);
    assert_eq!(answer, PinCheck::Wait { seconds: 20 });
    assert_eq!((after, v.calls()), (counts, 0));
    // The same for a number nobody has: the answer does not depend on who exists.
    let (answer, _) = check(&rules, counts, None, "1234", 11_000, &v);
    assert_eq!(answer, PinCheck::Wait { seconds: 20 });
    // Once the wait is over, the right PIN goes through.
    let (answer, _) = check(&rules, counts, Some(&a), "1234", 31_000, &v);
    assert_eq!(answer, PinCheck::Accepted);
}

#[test]
fn the_wait_never_outlasts_the_cap_even_after_the_clock_steps_back() {
    let rules = PinRules::default();
    let v = Counting::default();
    // The last failure is dated ten days ahead of the kiosk's (stepped back) clock.
    let stepped_back = Counts {
        number: Failures {
            count: 30,
            last_ms: 10 * 24 * 3_600_000,
        },
        kiosk: Failures::default(),
    };
    let (answer, next) = check(&rules, stepped_back, None, "1234", 0, &v);
    assert_eq!(next.number.count, 31, "checked at once, the count stands");
    assert_eq!(
        answer,
        PinCheck::Wrong {
            wait_s: 15 * MIN / 1000
        }
    );
    // From here on the dates are sane again: that wait ends like any other.
    assert_eq!(rules.per_number.wait_ms(next.number, 15 * 60_000), 0);
    for count in 0..64 {
        assert!(rules.per_number.delay_ms(count) <= 15 * MIN);
    }
}

#[test]
fn one_pin_sprayed_across_many_numbers_meets_the_kiosk_wide_wait() {
    let rules = PinRules::default();
    let v = Counting::default();
    let mut kiosk = Failures::default();
    let mut answers = Vec::new();
    for n in 0..11 {
        // A fresh number each time: its own count never builds up.
        let counts = Counts {
            number: Failures::default(),
            kiosk,
        };
        let (answer, next) = check(&rules, counts, None, "1234", n, &v);
        answers.push(answer);
        kiosk = next.kiosk;
    }
    assert!(
        answers[..10]
            .iter()
            .all(|a| *a == PinCheck::Wrong { wait_s: 0 }),
        "{answers:?}"
    );
    assert_eq!(answers[10], PinCheck::Wrong { wait_s: 2 });
    let counts = Counts {
        number: Failures::default(),
        kiosk,
    };
    let (answer, _) = check(
        &rules,
        counts,
        Some(&ana(Some("fake:1234"))),
        "1234",
        100,
        &v,
    );
    assert_eq!(
        answer,
        PinCheck::Wait { seconds: 2 },
        "even the right PIN of another number waits"
    );
}

#[test]
fn a_quiet_period_forgets_the_count() {
    let rules = PinRules::default();
    let tired = Failures {
        count: 12,
        last_ms: 0,
    };
    let quiet = i64::try_from(rules.per_kiosk.forget_ms).expect("fits");
    assert!(
        rules.per_kiosk.wait_ms(tired, quiet - 1) == 0,
        "the 1 min cap is long over"
    );
    assert_eq!(rules.per_kiosk.fail(tired, quiet - 1).count, 13);
    assert_eq!(rules.per_kiosk.fail(tired, quiet).count, 1);
}
