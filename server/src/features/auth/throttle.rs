//! Lockouts after repeated failures, per kind (`login`, `reset_confirm`, `join_code`,
//! `provisioning`, `reset_request`) and key (an e-mail or a client address).
//!
//! The rule is a pure function ([`ThrottleRule::after_failure`]); a store applies it inside
//! its own transaction, so two failures at once are both counted ([`super::lockouts`]).

use jiff::{SignedDuration, Timestamp};

use crate::platform::error::Error;

/// One key's failed attempts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempts {
    pub failures: u32,
    pub window_start: Timestamp,
    pub locked_until: Option<Timestamp>,
}

/// `max` failures within `window` lock the key for `lock`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleRule {
    pub max: u32,
    pub window: SignedDuration,
    pub lock: SignedDuration,
}

impl ThrottleRule {
    /// The attempts after one more failure at `now`: counted in the current window, or the
    /// first of a new one.
    pub fn after_failure(&self, current: Option<&Attempts>, now: Timestamp) -> Attempts {
        let (failures, window_start) = match current {
            Some(a) if a.window_start + self.window > now => (a.failures + 1, a.window_start),
            _ => (1, now),
        };
        Attempts {
            failures,
            window_start,
            locked_until: (failures >= self.max).then(|| now + self.lock),
        }
    }
}

/// Until when the key is locked, if it is at `now`.
pub fn locked_until(current: Option<&Attempts>, now: Timestamp) -> Option<Timestamp> {
    current.and_then(|a| a.locked_until).filter(|t| *t > now)
}

/// The 429 a locked key gets.
pub fn lockout_error(until: Timestamp) -> Error {
    Error::TooManyRequests {
        code: "locked_out",
        message: "too many failed attempts: try again later",
        retry_after_s: until.duration_since(Timestamp::now()).as_secs().max(1) as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: ThrottleRule = ThrottleRule {
        max: 3,
        window: SignedDuration::from_mins(10),
        lock: SignedDuration::from_mins(15),
    };

    #[test]
    fn the_third_failure_within_the_window_locks_and_a_late_one_starts_over() {
        let t0 = Timestamp::UNIX_EPOCH;
        let one = RULE.after_failure(None, t0);
        let two = RULE.after_failure(Some(&one), t0 + SignedDuration::from_mins(1));
        let three = RULE.after_failure(Some(&two), t0 + SignedDuration::from_mins(2));
        assert_eq!((one.failures, one.locked_until), (1, None));
        assert_eq!(two.failures, 2);
        assert_eq!(three.failures, 3);
        let until = three.locked_until.expect("locked");
        assert_eq!(until, t0 + SignedDuration::from_mins(17));
        assert_eq!(
            locked_until(Some(&three), until - SignedDuration::from_secs(1)),
            Some(until)
        );
        assert_eq!(
            locked_until(Some(&three), until),
            None,
            "the lock ends on time"
        );
        let late = RULE.after_failure(Some(&two), t0 + SignedDuration::from_mins(11));
        assert_eq!(
            (late.failures, late.window_start),
            (1, t0 + SignedDuration::from_mins(11))
        );
    }
}
