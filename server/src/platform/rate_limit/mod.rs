//! Per-client rate limits (governor's keyed GCRA limiters): a general tier on every API route
//! and page, a heavy tier on expensive ones, and a sync tier on the signed kiosk routes, sized
//! for a kiosk draining a backlog.
//!
//! Invariants:
//! - A key never comes from a value the client can make up ([`keys`]): a signed-in user is
//!   keyed by a verified bearer token or a dashboard cookie carrying the server's MAC, anyone
//!   else by address ([`super::client`]). A signed kiosk request is keyed by its device only
//!   after its signature verifies; until then it is its address's.
//! - Strikes and blocks are per tier and key. A block of an address therefore never refuses a
//!   signed-in user's own key, and a block in the general tier never stops a kiosk's sync.
//! - A client rejected `block_after_rejections` times within a minute is blocked ([`blocks`]);
//!   blocks are written to the database before the answer goes out.
//! - The buckets are this instance's own: with `http.instances` behind a load balancer each
//!   holds that share of every quota; blocks, being in the database, hold on every instance
//!   from its next reload (every minute) or at once on the instance that set them.
//! - An address blocked in the sync tier (for failing signature checks) still reaches the
//!   signature check, with a small body limit: kiosks behind the same address keep syncing.
//!
//! - [`keys`]: who a request counts against, and the three tier middlewares.
//! - [`blocks`]: the block ledger and how blocks grow for repeat offenders.

pub mod blocks;
pub mod keys;

pub use keys::{general, heavy, sync_address};

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use self::blocks::{Block, BlockLedger, Escalation};
use super::error::Error;
use super::tokens::JwtKeys;
use crate::config::RateLimitSettings;

/// What the rate-limit middleware needs: the limiter, and the JWT keys that tell a signed-in
/// user apart without a database trip.
#[derive(Clone, Debug)]
pub struct RateLimits {
    pub limiter: Arc<Limiter>,
    pub jwt: Arc<JwtKeys>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    General,
    Heavy,
    Sync,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::Heavy => "heavy",
            Self::Sync => "sync",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::General, Self::Heavy, Self::Sync]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

type Client = (Tier, String);

#[derive(Debug)]
pub struct Limiter {
    settings: RateLimitSettings,
    general: DefaultKeyedRateLimiter<String>,
    heavy: DefaultKeyedRateLimiter<String>,
    sync: DefaultKeyedRateLimiter<String>,
    /// Rejections in the current minute.
    strikes: Mutex<HashMap<Client, Strikes>>,
    /// The blocks in force: the ledger's, as of the last reload, plus this instance's since.
    blocks: Mutex<HashMap<Client, Held>>,
    ledger: Arc<dyn BlockLedger>,
}

#[derive(Debug)]
struct Strikes {
    window_start: Instant,
    count: u32,
}

#[derive(Debug)]
struct Held {
    block: Block,
    /// When this instance learnt of it: a reload that started earlier cannot drop it.
    learnt: Instant,
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn blocked(block: &Block, now: Timestamp) -> Error {
    let left = block.until.duration_since(now).as_secs().max(0);
    Error::TooManyRequests {
        code: "blocked",
        message: "too many requests over the limit: blocked for a cooldown",
        retry_after_s: u64::try_from(left).unwrap_or(0) + 1,
    }
}

impl Limiter {
    /// The limiter of one of `instances` instances: its buckets hold `1/instances` of each
    /// quota (rounded up), since a load balancer spreads a client's requests over all of them.
    pub fn new(
        settings: RateLimitSettings,
        instances: NonZeroU32,
        ledger: Arc<dyn BlockLedger>,
    ) -> Arc<Self> {
        let share = |per_minute: u32| quota(per_minute.div_ceil(instances.get()));
        Arc::new(Self {
            general: RateLimiter::keyed(share(settings.per_minute)),
            heavy: RateLimiter::keyed(share(settings.heavy_per_minute)),
            sync: RateLimiter::keyed(share(settings.sync_per_minute)),
            settings,
            strikes: Mutex::new(HashMap::new()),
            blocks: Mutex::new(HashMap::new()),
            ledger,
        })
    }

    fn escalation(&self) -> Escalation {
        Escalation {
            cooldown_s: self.settings.cooldown_s,
            max_block_s: self.settings.max_block_s,
        }
    }

    /// The block in force on this client, if any.
    pub fn blocked(&self, tier: Tier, key: &str) -> Result<(), Error> {
        if !self.settings.enabled {
            return Ok(());
        }
        let now = Timestamp::now();
        match lock(&self.blocks).get(&(tier, key.to_owned())) {
            Some(held) if held.block.until > now => Err(blocked(&held.block, now)),
            _ => Ok(()),
        }
    }

    /// Lets one request of this client through, or answers 429 (blocking the client once it
    /// has been refused too often).
    pub async fn admit(&self, tier: Tier, key: &str) -> Result<(), Error> {
        self.blocked(tier, key)?;
        if !self.settings.enabled {
            return Ok(());
        }
        let limiter = match tier {
            Tier::General => &self.general,
            Tier::Heavy => &self.heavy,
            Tier::Sync => &self.sync,
        };
        let Err(not_until) = limiter.check_key(&key.to_owned()) else {
            return Ok(());
        };
        if let Some(block) = self.strike(tier, key).await {
            return Err(blocked(&block, Timestamp::now()));
        }
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        Err(Error::TooManyRequests {
            code: "rate_limited",
            message: "too many requests: slow down",
            retry_after_s: wait.as_secs() + 1,
        })
    }

    /// Counts one rejection of this client (over its limit, or a request that failed its own
    /// check, like a bad signature); the one that reaches `block_after_rejections` blocks it.
    pub async fn strike(&self, tier: Tier, key: &str) -> Option<Block> {
        if !self.settings.enabled {
            return None;
        }
        let client = (tier, key.to_owned());
        {
            let now = Instant::now();
            let mut strikes = lock(&self.strikes);
            let entry = strikes.entry(client.clone()).or_insert(Strikes {
                window_start: now,
                count: 0,
            });
            if now.duration_since(entry.window_start) > Duration::from_mins(1) {
                *entry = Strikes {
                    window_start: now,
                    count: 0,
                };
            }
            entry.count += 1;
            if entry.count < self.settings.block_after_rejections {
                return None;
            }
            strikes.remove(&client);
        }
        let now = Timestamp::now();
        let block = match self.ledger.block(tier, key, now, self.escalation()).await {
            Ok(block) => block,
            Err(e) => {
                // Still block here; the ledger is only what makes it last and spread.
                tracing::error!(error = %e, "recording a block failed");
                self.escalation().next(tier, key, None, now)
            }
        };
        tracing::warn!(client = %key, tier = tier.as_str(), until = %block.until, offences = block.offences, "client blocked");
        lock(&self.blocks).insert(
            client,
            Held {
                block: block.clone(),
                learnt: Instant::now(),
            },
        );
        Some(block)
    }

    /// Ends a block in the ledger and here (other instances follow at their next reload).
    pub async fn lift(&self, tier: Tier, key: &str) -> crate::db::StoreResult<bool> {
        let lifted = self.ledger.lift(tier, key, Timestamp::now()).await?;
        let client = (tier, key.to_owned());
        let here = lock(&self.blocks).remove(&client).is_some();
        lock(&self.strikes).remove(&client);
        Ok(lifted || here)
    }

    /// The blocks in force, from the ledger.
    pub async fn list(&self) -> crate::db::StoreResult<Vec<Block>> {
        self.ledger.active(Timestamp::now()).await
    }

    /// Drops idle limiter state and reloads the blocks in force from the ledger (so a block set
    /// by another instance, or before a restart, holds here too). Runs every minute.
    pub async fn refresh(&self) {
        self.general.retain_recent();
        self.heavy.retain_recent();
        self.sync.retain_recent();
        let started = Instant::now();
        lock(&self.strikes)
            .retain(|_, s| started.duration_since(s.window_start) < Duration::from_mins(1));
        let active = match self.ledger.active(Timestamp::now()).await {
            Ok(active) => active,
            Err(e) => {
                tracing::error!(error = %e, "reloading blocks failed");
                return;
            }
        };
        let mut blocks = lock(&self.blocks);
        blocks.retain(|_, held| held.learnt > started);
        for block in active {
            blocks
                .entry((block.tier, block.key.clone()))
                .or_insert(Held {
                    block,
                    learnt: started,
                });
        }
    }
}

#[cfg(test)]
mod tests;
