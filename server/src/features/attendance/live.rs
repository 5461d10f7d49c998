//! Live notices: when a kiosk's punches or machine events are stored, open dashboard boards
//! of that organisation are told to refresh. Only the organisation travels; each board then
//! re-reads what its own viewer may see, so a notice never carries data across scopes.
//!
//! A slow board that falls behind loses notices, not correctness: it refreshes on the next one
//! (and the board re-reads everything each time).

use attend_protocol::ids::OrgId;
use std::sync::Arc;

use tokio::sync::{broadcast, watch};

/// How many notices a board may fall behind before it skips ahead.
const BACKLOG: usize = 64;

#[derive(Clone, Debug)]
pub struct LiveFeed {
    notices: broadcast::Sender<OrgId>,
    /// Set when the server shuts down: open event streams end, so graceful shutdown is not
    /// held up by browsers that would listen forever.
    stopping: Arc<watch::Sender<bool>>,
}

impl Default for LiveFeed {
    fn default() -> Self {
        Self {
            notices: broadcast::channel(BACKLOG).0,
            stopping: Arc::new(watch::channel(false).0),
        }
    }
}

impl LiveFeed {
    /// Tells boards that `org`'s attendance changed. Nobody listening is fine.
    pub fn changed(&self, org: OrgId) {
        let _ = self.notices.send(org);
    }

    pub fn subscribe(&self) -> (broadcast::Receiver<OrgId>, watch::Receiver<bool>) {
        (self.notices.subscribe(), self.stopping.subscribe())
    }

    /// Ends every open stream (the server is stopping).
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }
}
