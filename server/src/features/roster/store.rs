//! What the roster service reads.

use async_trait::async_trait;
use attend_protocol::roster::RosterDelta;

use crate::db::StoreResult;
use crate::features::devices::DeviceAuth;

#[async_trait]
pub trait RosterStore: Send + Sync + std::fmt::Debug {
    /// Changes for the device's organisation and site after `since`, at most `limit` entities,
    /// assembled by [`super::assemble`].
    async fn roster_delta(
        &self,
        device: &DeviceAuth,
        since: u64,
        limit: u32,
    ) -> StoreResult<RosterDelta>;
}
