//! Live notices: when a kiosk's punches or machine events are stored, open dashboard boards
//! of that organisation are told to refresh. Only the organisation travels; each board then
//! re-reads what its own viewer may see, so a notice never carries data across scopes.
//!
//! A slow board that falls behind loses notices, not correctness: it refreshes on the next one
//! (and the board re-reads everything each time).
//!
//! With several instances on PostgreSQL, a notice also goes to the other instances through the
//! database ([`crate::db::postgres::notify`], connected by [`LiveFeed::relay_through`]), and
//! theirs arrive here ([`LiveFeed::from_peer`]): a board on any instance sees a punch stored by
//! any other.
//!
//! Each notice costs one board render per open stream, so streams are bounded: at most
//! [`MAX_STREAMS_PER_SESSION`] per dashboard session on this instance (a few tabs), and a stream
//! renders at most once per [`MIN_RENDER_INTERVAL`] however fast kiosks sync.

use attend_protocol::ids::OrgId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, watch};

/// How many notices a board may fall behind before it skips ahead.
const BACKLOG: usize = 64;

/// Open live boards one dashboard session may have at once.
pub const MAX_STREAMS_PER_SESSION: usize = 4;

/// The shortest time between two renders of one stream.
pub const MIN_RENDER_INTERVAL: Duration = Duration::from_secs(1);

/// Open streams per session key.
type OpenStreams = Arc<Mutex<HashMap<String, usize>>>;

#[derive(Clone, Debug)]
pub struct LiveFeed {
    notices: broadcast::Sender<OrgId>,
    /// Set when the server shuts down: open event streams end, so graceful shutdown is not
    /// held up by browsers that would listen forever.
    stopping: Arc<watch::Sender<bool>>,
    open: OpenStreams,
    /// The other instances, once a relay is connected (PostgreSQL).
    peers: Arc<OnceLock<mpsc::UnboundedSender<String>>>,
}

impl Default for LiveFeed {
    fn default() -> Self {
        Self {
            notices: broadcast::channel(BACKLOG).0,
            stopping: Arc::new(watch::channel(false).0),
            open: OpenStreams::default(),
            peers: Arc::default(),
        }
    }
}

/// One open stream of a session, counted until it is dropped (the browser went away, the
/// session ended, or the server stops).
#[derive(Debug)]
pub struct StreamSlot {
    open: OpenStreams,
    session: String,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.session) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.session);
            }
        }
    }
}

impl LiveFeed {
    /// Tells boards that `org`'s attendance changed, here at once and on the other instances
    /// when a relay is connected. Nobody listening is fine.
    pub fn changed(&self, org: OrgId) {
        let _ = self.notices.send(org);
        if let Some(peers) = self.peers.get() {
            let _ = peers.send(org.to_string());
        }
    }

    /// Sends this instance's notices on to the others through `peers` (set once, at start).
    pub fn relay_through(&self, peers: mpsc::UnboundedSender<String>) {
        let _ = self.peers.set(peers);
    }

    /// A notice another instance sent: told to this instance's boards only.
    pub fn from_peer(&self, text: &str) {
        if let Ok(org) = text.parse() {
            let _ = self.notices.send(org);
        } else {
            tracing::warn!(text, "a notice from another instance names no organisation");
        }
    }

    pub fn subscribe(&self) -> (broadcast::Receiver<OrgId>, watch::Receiver<bool>) {
        (self.notices.subscribe(), self.stopping.subscribe())
    }

    /// A slot for one more stream of `session`; `None` when it has as many as it may.
    pub fn open_stream(&self, session: &str) -> Option<StreamSlot> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = open.entry(session.to_owned()).or_insert(0);
        if *count >= MAX_STREAMS_PER_SESSION {
            return None;
        }
        *count += 1;
        Some(StreamSlot {
            open: self.open.clone(),
            session: session.to_owned(),
        })
    }

    /// Ends every open stream (the server is stopping).
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_gets_a_few_streams_and_a_closed_one_frees_its_slot() {
        let feed = LiveFeed::default();
        let held: Vec<StreamSlot> = (0..MAX_STREAMS_PER_SESSION)
            .map(|_| feed.open_stream("session a").expect("a free slot"))
            .collect();
        assert!(feed.open_stream("session a").is_none());
        assert!(
            feed.open_stream("session b").is_some(),
            "another session is not affected"
        );
        drop(held);
        assert!(feed.open_stream("session a").is_some());
    }
}
