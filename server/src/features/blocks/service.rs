//! Listing and lifting blocks.

use std::sync::Arc;

use crate::access::{Action, Caller};
use crate::platform::error::{AppResult, Error};
use crate::platform::rate_limit::blocks::Block;
use crate::platform::rate_limit::{Limiter, Tier};

#[derive(Clone, Debug)]
pub struct BlockService {
    limiter: Arc<Limiter>,
}

impl BlockService {
    pub fn new(limiter: Arc<Limiter>) -> Self {
        Self { limiter }
    }

    /// The blocks in force, longest first.
    pub async fn list(&self, caller: &Caller) -> AppResult<Vec<Block>> {
        caller.permit(Action::ListBlocks)?;
        let mut blocks = self.limiter.list().await?;
        blocks.sort_by(|a, b| b.until.cmp(&a.until).then_with(|| a.key.cmp(&b.key)));
        Ok(blocks)
    }

    /// Ends a block at once, on this instance and (at their next reload) on the others.
    pub async fn lift(&self, caller: &Caller, tier: &str, key: &str) -> AppResult<()> {
        caller.permit(Action::LiftBlock)?;
        let tier = Tier::parse(tier)
            .ok_or_else(|| Error::field("tier", "must be general, heavy or sync"))?;
        if !self.limiter.lift(tier, key).await? {
            return Err(Error::NotFound);
        }
        tracing::info!(by = %caller.user_id, tier = tier.as_str(), %key, "block lifted");
        Ok(())
    }
}
