use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jiff::Timestamp;

use super::blocks::{Block, BlockLedger, Escalation};
use super::{Limiter, Tier};
use crate::config::Settings;
use crate::db::StoreResult;

/// The ledger in memory (the SQLite one is tested through the server).
#[derive(Debug, Default)]
struct MemoryLedger(Mutex<HashMap<(Tier, String), Block>>);

#[async_trait]
impl BlockLedger for MemoryLedger {
    async fn block(
        &self,
        tier: Tier,
        key: &str,
        now: Timestamp,
        rule: Escalation,
    ) -> StoreResult<Block> {
        let mut map = self.0.lock().expect("lock");
        let block = rule.next(tier, key, map.get(&(tier, key.to_owned())), now);
        map.insert((tier, key.to_owned()), block.clone());
        Ok(block)
    }
    async fn active(&self, now: Timestamp) -> StoreResult<Vec<Block>> {
        let map = self.0.lock().expect("lock");
        Ok(map.values().filter(|b| b.until > now).cloned().collect())
    }
    async fn lift(&self, tier: Tier, key: &str, _: Timestamp) -> StoreResult<bool> {
        Ok(self
            .0
            .lock()
            .expect("lock")
            .remove(&(tier, key.to_owned()))
            .is_some())
    }
}

fn limiter(ledger: &Arc<MemoryLedger>) -> Arc<Limiter> {
    let mut settings = Settings::default().rate_limit;
    settings.per_minute = 2;
    settings.heavy_per_minute = 2;
    settings.block_after_rejections = 3;
    Limiter::new(settings, NonZeroU32::MIN, ledger.clone())
}

async fn exhaust(l: &Limiter, tier: Tier, key: &str) -> Option<&'static str> {
    for _ in 0..10 {
        if let Err(crate::platform::error::Error::TooManyRequests { code, .. }) =
            l.admit(tier, key).await
            && code == "blocked"
        {
            return Some(code);
        }
    }
    None
}

#[tokio::test]
async fn a_client_over_its_limit_again_and_again_is_blocked_in_that_tier_only() {
    let ledger = Arc::new(MemoryLedger::default());
    let l = limiter(&ledger);
    assert_eq!(
        exhaust(&l, Tier::General, "ip:1.2.3.4").await,
        Some("blocked")
    );
    assert!(l.blocked(Tier::General, "ip:1.2.3.4").is_err());
    // The same key in another tier, and another key in the same tier, are untouched.
    assert!(l.admit(Tier::Sync, "ip:1.2.3.4").await.is_ok());
    assert!(l.admit(Tier::General, "user:someone").await.is_ok());
}

#[tokio::test]
async fn a_block_outlives_a_restart_and_reaches_other_instances_until_lifted() {
    let ledger = Arc::new(MemoryLedger::default());
    let first = limiter(&ledger);
    assert_eq!(
        exhaust(&first, Tier::Heavy, "ip:9.9.9.9").await,
        Some("blocked")
    );
    // A new limiter on the same ledger (a restart, or another instance) after its reload.
    let second = limiter(&ledger);
    assert!(second.blocked(Tier::Heavy, "ip:9.9.9.9").is_ok());
    second.refresh().await;
    assert!(second.blocked(Tier::Heavy, "ip:9.9.9.9").is_err());
    assert!(second.lift(Tier::Heavy, "ip:9.9.9.9").await.expect("lift"));
    first.refresh().await;
    assert!(first.blocked(Tier::Heavy, "ip:9.9.9.9").is_ok());
    assert!(second.blocked(Tier::Heavy, "ip:9.9.9.9").is_ok());
}

#[tokio::test]
async fn each_of_several_instances_allows_its_share_of_the_quota() {
    let ledger = Arc::new(MemoryLedger::default());
    let mut settings = Settings::default().rate_limit;
    settings.per_minute = 6;
    settings.block_after_rejections = 100;
    let three = NonZeroU32::new(3).expect("3");
    let admitted = |l: Arc<Limiter>| async move {
        let mut n = 0;
        for _ in 0..10 {
            if l.admit(Tier::General, "client").await.is_ok() {
                n += 1;
            }
        }
        n
    };
    let alone = Limiter::new(settings.clone(), NonZeroU32::MIN, ledger.clone());
    let one_of_three = Limiter::new(settings, three, ledger);
    assert_eq!(admitted(alone).await, 6);
    assert_eq!(
        admitted(one_of_three).await,
        2,
        "6 a minute over 3 instances"
    );
}
