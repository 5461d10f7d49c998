//! Blocks: a client that keeps going past its limit is refused outright for a while. Blocks are
//! kept in the database through a [`BlockLedger`], so they survive a restart and every instance
//! on the same database sees them (each reloads the active ones every minute), and admins can
//! list and lift them.
//!
//! Escalation is a pure rule ([`Escalation::next`]): a block lasts `cooldown_s`, and each
//! further block of the same tier and key within a day doubles, up to `max_block_s`.

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

use super::Tier;
use crate::db::StoreResult;

/// How long after a block ends a new one still counts as a repeat offence.
pub const MEMORY: SignedDuration = SignedDuration::from_hours(24);

/// One block of one client in one tier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Block {
    pub tier: Tier,
    /// `ip:<address>`, `user:<id>`, `web:<session hash prefix>` or `device:<id>`.
    pub key: String,
    /// Blocks of this client in this tier, counting this one, each within a day of the last.
    pub offences: u32,
    #[schema(value_type = String)]
    pub since: Timestamp,
    #[schema(value_type = String)]
    pub until: Timestamp,
}

/// How blocks grow for repeat offenders.
#[derive(Clone, Copy, Debug)]
pub struct Escalation {
    pub cooldown_s: u64,
    pub max_block_s: u64,
}

impl Escalation {
    /// The block that starts `now`, given the client's previous one in this tier, if any.
    pub fn next(&self, tier: Tier, key: &str, previous: Option<&Block>, now: Timestamp) -> Block {
        let offences = match previous {
            Some(p) if p.until + MEMORY > now => p.offences.saturating_add(1),
            _ => 1,
        };
        let doubling = 2u64.saturating_pow(offences.saturating_sub(1));
        let seconds = self
            .cooldown_s
            .saturating_mul(doubling)
            .min(self.max_block_s)
            .max(1);
        Block {
            tier,
            key: key.to_owned(),
            offences,
            since: now,
            until: now + SignedDuration::from_secs(i64::try_from(seconds).unwrap_or(i64::MAX)),
        }
    }
}

/// Where blocks are kept.
#[async_trait]
pub trait BlockLedger: Send + Sync + std::fmt::Debug {
    /// Records a new block of `key` in `tier` from `now`, escalated by `rule` over the client's
    /// previous one, in one transaction; returns it.
    async fn block(
        &self,
        tier: Tier,
        key: &str,
        now: Timestamp,
        rule: Escalation,
    ) -> StoreResult<Block>;
    /// Blocks still in force at `now`; forgets those that ended more than [`MEMORY`] ago.
    async fn active(&self, now: Timestamp) -> StoreResult<Vec<Block>>;
    /// Ends a block and forgets the offences; `false` if there was none in force.
    async fn lift(&self, tier: Tier, key: &str, now: Timestamp) -> StoreResult<bool>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> Escalation {
        Escalation {
            cooldown_s: 300,
            max_block_s: 3600,
        }
    }

    #[test]
    fn repeat_offences_within_a_day_double_up_to_the_cap() {
        let now = Timestamp::from_second(1_800_000_000).expect("time");
        let first = rule().next(Tier::General, "ip:1.2.3.4", None, now);
        assert_eq!(
            (first.offences, first.until.duration_since(now)),
            (1, SignedDuration::from_secs(300))
        );
        let later = first.until + SignedDuration::from_hours(1);
        let second = rule().next(Tier::General, "ip:1.2.3.4", Some(&first), later);
        assert_eq!(
            (second.offences, second.until.duration_since(later)),
            (2, SignedDuration::from_secs(600))
        );
        let mut last = second;
        for _ in 0..6 {
            last = rule().next(Tier::General, "ip:1.2.3.4", Some(&last), last.until);
        }
        assert_eq!(
            last.until.duration_since(last.since),
            SignedDuration::from_secs(3600)
        );
    }

    #[test]
    fn an_offence_more_than_a_day_old_is_forgiven() {
        let now = Timestamp::from_second(1_800_000_000).expect("time");
        let first = rule().next(Tier::Heavy, "user:x", None, now);
        let much_later = first.until + MEMORY + SignedDuration::from_secs(1);
        let again = rule().next(Tier::Heavy, "user:x", Some(&first), much_later);
        assert_eq!(again.offences, 1);
    }
}
