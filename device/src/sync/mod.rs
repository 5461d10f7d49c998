//! The sync worker: the event loop that drives the pure [`SyncState`] with real I/O — the
//! SQLite outbox and roster cache (on the blocking pool) and signed HTTP ([`client`]). It also
//! enqueues periodic heartbeats (with the count of set-aside events and the latest refusal)
//! and publishes a [`SyncStatus`] for the kiosk screen.
//!
//! - [`state`]: the pure sync state machine ([`SyncState`]): what to do next, no I/O.
//! - [`credentials`]: the provisioned identity (0600 JSON file).
//! - [`client`]: provisioning, signed push and roster pull, clock-offset measurement.

pub mod client;
pub mod credentials;
pub mod state;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use attend_protocol::events::{Event, EventBody, Heartbeat, Versions};
use attend_protocol::ids::EventId;
use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::{Notify, watch};

pub use client::{ClientError, SyncClient};
pub use credentials::Credentials;
pub use state::{Action, Input, ServerVersion, SyncConfig, SyncState};

use crate::lock;
use crate::outbox::{EventDraft, Outbox};
use crate::roster::RosterCache;

/// What the kiosk screen shows about sync.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SyncStatus {
    /// `None` until the first exchange with the server.
    pub online: Option<bool>,
    pub queue_depth: u64,
    /// Events the server refused alone, held until its version changes.
    pub set_aside: u64,
    pub clock_offset_ms: Option<i64>,
    pub roster_cursor: u64,
    pub last_error: Option<String>,
    /// The server says no administrator has confirmed this kiosk yet: its roster is empty and
    /// its punches wait for review until one does.
    pub awaiting_confirmation: bool,
}

/// Everything the worker needs.
#[derive(Debug)]
pub struct SyncWorker {
    pub outbox: Arc<Mutex<Outbox>>,
    pub roster: Arc<Mutex<RosterCache>>,
    pub client: Arc<SyncClient>,
    pub config: SyncConfig,
    pub heartbeat_every: Duration,
    /// Signalled by whoever enqueues, so a punch goes out without waiting for the next poll.
    pub wake: Arc<Notify>,
    pub versions: Versions,
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .expect("blocking task panicked")
}

impl SyncWorker {
    /// Runs until `shutdown` resolves. Events are only ever removed by applying server acks.
    pub async fn run(self, status: watch::Sender<SyncStatus>, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let started = Instant::now();
        let now_ms = || started.elapsed().as_millis() as u64;
        let mut state =
            SyncState::new(self.config.clone(), Timestamp::now().as_nanosecond() as u64);
        let mut loaded: HashMap<EventId, Event> = HashMap::new();
        let mut next_heartbeat = Instant::now();
        let mut last_error = None;
        loop {
            if Instant::now() >= next_heartbeat {
                next_heartbeat = Instant::now() + self.heartbeat_every;
                self.enqueue_heartbeat(started.elapsed()).await;
                state.on(Input::Enqueued);
            }
            let mut actions = state.on(Input::Tick { now_ms: now_ms() });
            while !actions.is_empty() {
                let action = actions.remove(0);
                let inputs = self
                    .perform(action, &mut loaded, &mut last_error, now_ms())
                    .await;
                for input in inputs {
                    actions.extend(state.on(input));
                }
            }
            self.publish(&status, &state, last_error.clone()).await;
            // A backlog goes out batch after batch without pause (the state sets the next push
            // to "now" after each ack); otherwise sleep until it is due, at most a second.
            let wait =
                Duration::from_millis(state.next_push_ms().saturating_sub(now_ms()).min(1_000));
            tokio::select! {
                () = &mut shutdown => return,
                () = self.wake.notified() => { state.on(Input::Enqueued); }
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// The server version the last answer named, as an input, if there was an answer.
    fn server_seen(&self) -> Option<Input> {
        self.client
            .server_version()
            .map(|v| Input::ServerSeen { version: v.0 })
    }

    async fn perform(
        &self,
        action: Action,
        loaded: &mut HashMap<EventId, Event>,
        last_error: &mut Option<String>,
        now_ms: u64,
    ) -> Vec<Input> {
        match action {
            Action::LoadBatch { limit, max_bytes } => {
                let outbox = self.outbox.clone();
                let batch = blocking(move || lock(&outbox).peek_batch(limit, max_bytes)).await;
                let events = match batch {
                    Ok(events) => events,
                    Err(e) => {
                        tracing::error!(error = %e, "reading the outbox failed");
                        *last_error = Some(e.to_string());
                        return vec![Input::PushFailed { now_ms }];
                    }
                };
                loaded.clear();
                let ids = events.iter().map(|e| e.event_id).collect();
                loaded.extend(events.into_iter().map(|e| (e.event_id, e)));
                vec![Input::Loaded { ids, now_ms }]
            }
            Action::Push { ids } => {
                let batch: Vec<Event> = ids
                    .iter()
                    .filter_map(|id| loaded.get(id).cloned())
                    .collect();
                let result = self.client.push(&batch).await;
                // The version first, so an event refused now is set aside under it.
                let mut inputs: Vec<Input> = self.server_seen().into_iter().collect();
                inputs.push(match result {
                    Ok(answer) => {
                        *last_error = None;
                        Input::Pushed {
                            acks: answer.acks,
                            now_ms,
                        }
                    }
                    Err(e) => {
                        *last_error = Some(e.to_string());
                        if let Some((status, reason)) = e.refused_whole() {
                            tracing::warn!(status, %reason, events = batch.len(), "server refused the whole batch; splitting it");
                            Input::Refused {
                                status,
                                reason,
                                now_ms,
                            }
                        } else {
                            tracing::warn!(error = %e, events = batch.len(), "sync push failed; will retry");
                            Input::PushFailed { now_ms }
                        }
                    }
                });
                inputs
            }
            Action::SetAside {
                id,
                status,
                reason,
                server_version,
            } => {
                let outbox = self.outbox.clone();
                let (why, version) = (reason.clone(), server_version.clone());
                let moved = blocking(move || {
                    lock(&outbox).set_aside(id, status, &why, version.as_deref(), Timestamp::now())
                })
                .await;
                if let Err(e) = moved {
                    tracing::error!(error = %e, event_id = %id, "could not set the event aside; it will be sent again");
                } else {
                    tracing::warn!(event_id = %id, status, %reason, server_version = ?server_version,
                        "the server refused this event alone; set aside until its version changes");
                }
                Vec::new()
            }
            Action::ReleaseSetAside { server_version } => {
                let outbox = self.outbox.clone();
                let version = server_version.clone();
                match blocking(move || lock(&outbox).release_set_aside(version.as_deref())).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(events = n, server_version = ?server_version,
                        "the server's version changed: set-aside events are queued again"),
                    Err(e) => {
                        tracing::error!(error = %e, "could not queue the set-aside events again");
                    }
                }
                Vec::new()
            }
            Action::ApplyAcks { acks } => {
                let outbox = self.outbox.clone();
                match blocking(move || lock(&outbox).apply_acks(&acks, Timestamp::now())).await {
                    Ok(summary) if summary.rejected > 0 => tracing::warn!(
                        rejected = summary.rejected,
                        "server rejected events; kept aside"
                    ),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "applying acks failed; the events will be sent again");
                    }
                }
                Vec::new()
            }
            Action::RecordFailure { ids } => {
                let outbox = self.outbox.clone();
                if let Err(e) = blocking(move || lock(&outbox).record_attempt(&ids)).await {
                    tracing::warn!(error = %e, "could not count the failed attempt");
                }
                Vec::new()
            }
            Action::PullRoster => {
                let pulled = self.pull_roster().await;
                let mut inputs: Vec<Input> = self.server_seen().into_iter().collect();
                inputs.push(match pulled {
                    Ok(()) => Input::RosterPulled { now_ms },
                    Err(e) => {
                        tracing::warn!(error = %e, "roster pull failed");
                        *last_error = Some(e);
                        Input::RosterFailed { now_ms }
                    }
                });
                inputs
            }
        }
    }

    /// Pulls pages until the server says there is no more, applying each atomically.
    async fn pull_roster(&self) -> Result<(), String> {
        for _ in 0..1_000 {
            let roster = self.roster.clone();
            let since = blocking(move || lock(&roster).cursor())
                .await
                .map_err(|e| e.to_string())?;
            let delta = self.client.roster(since).await.map_err(|e| e.to_string())?;
            let more = delta.more;
            let roster = self.roster.clone();
            blocking(move || lock(&roster).apply(&delta))
                .await
                .map_err(|e| e.to_string())?;
            if !more {
                return Ok(());
            }
        }
        Ok(())
    }

    async fn enqueue_heartbeat(&self, uptime: Duration) {
        let outbox = self.outbox.clone();
        let (versions, offset) = (
            self.versions.clone(),
            self.client.clock_offset_ms().unwrap_or(0),
        );
        let result = blocking(move || {
            let mut o = lock(&outbox);
            let aside = o.set_aside_summary()?;
            let body = EventBody::Heartbeat(Heartbeat {
                versions,
                queue_depth: o.depth()?,
                clock_offset_ms: offset,
                uptime_s: uptime.as_secs(),
                set_aside: aside.count,
                set_aside_reason: aside.latest,
            });
            o.enqueue(&EventDraft::new(Timestamp::now(), body))
        })
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not queue a heartbeat");
        }
    }

    async fn publish(
        &self,
        status: &watch::Sender<SyncStatus>,
        state: &SyncState,
        last_error: Option<String>,
    ) {
        let (outbox, roster) = (self.outbox.clone(), self.roster.clone());
        let (depth, set_aside, cursor, awaiting) = blocking(move || {
            let o = lock(&outbox);
            let r = lock(&roster);
            (
                o.depth().unwrap_or(0),
                o.set_aside_summary().map_or(0, |s| s.count),
                r.cursor().unwrap_or(0),
                r.config()
                    .ok()
                    .flatten()
                    .is_some_and(|c| c.awaiting_confirmation),
            )
        })
        .await;
        let next = SyncStatus {
            online: state.online(),
            queue_depth: depth,
            set_aside,
            clock_offset_ms: self.client.clock_offset_ms(),
            roster_cursor: cursor,
            last_error,
            awaiting_confirmation: awaiting,
        };
        status.send_if_modified(|s| {
            let changed = *s != next;
            *s = next;
            changed
        });
    }
}
