//! The roster pull of a signed kiosk: a page of changes after its cursor.

use std::sync::Arc;

use attend_protocol::roster::RosterDelta;

use super::store::RosterStore;
use crate::features::devices::DeviceAuth;
use crate::platform::error::AppResult;

#[derive(Clone, Debug)]
pub struct RosterService {
    store: Arc<dyn RosterStore>,
    /// Most entities in one page.
    page: u32,
}

impl RosterService {
    pub fn new(store: Arc<dyn RosterStore>, page: u32) -> Self {
        Self { store, page }
    }

    /// The changes after `since` (0: everything), one page of them; nothing at all until an
    /// administrator confirms the kiosk. The device's signature was checked by the signed
    /// extractor; the device is its own scope.
    pub async fn pull(&self, device: &DeviceAuth, since: u64) -> AppResult<RosterDelta> {
        if !device.confirmed {
            return Ok(super::awaiting_confirmation(device, since));
        }
        Ok(self.store.roster_delta(device, since, self.page).await?)
    }
}
