//! The model test's simulated server: idempotent on event ids, rejecting a tenth of events
//! one by one, and at version 1 refusing whole, as the real server does, any batch over its
//! body limit (413) or holding an event it cannot read (422). Version 2 takes both.

use std::collections::{HashMap, HashSet};

use attend_protocol::ack::Ack;
use attend_protocol::events::{Event, EventBody, SyncPush};
use attend_protocol::ids::EventId;

/// Version 1's body limit; the kiosk's own cap is above it, so some batches meet a 413.
pub(super) const V1_MAX_BODY: usize = 2_500;
pub(super) const KIOSK_MAX_BATCH: usize = 3_000;
pub(super) const UNREADABLE: &str = "field-from-the-future";

/// What the server answers to one push.
pub(super) enum Answer {
    Acks(Vec<Ack>),
    Refused(u16, String),
}

/// An idempotent server: stores each event id once, rejects ids it deems bad.
pub(super) struct Server {
    pub(super) version: u8,
    /// How often each event arrived (the server keeps one row per id; repeats answer duplicate).
    pub(super) stored: HashMap<EventId, u32>,
    pub(super) rejected: HashSet<EventId>,
    /// Events whose ack the kiosk has applied: they must never be sent again.
    acknowledged: HashSet<EventId>,
}

impl Server {
    pub(super) fn new() -> Self {
        Self {
            version: 1,
            stored: HashMap::new(),
            rejected: HashSet::new(),
            acknowledged: HashSet::new(),
        }
    }

    pub(super) fn version(&self) -> String {
        format!("{}.0.0", self.version)
    }

    pub(super) fn receive(&mut self, events: &[Event]) -> Answer {
        if self.version == 1 {
            // Like the real server: the body size first, then the parse; either refuses all.
            let body = serde_json::to_vec(&SyncPush {
                events: events.to_vec(),
            })
            .expect("json");
            if body.len() > V1_MAX_BODY {
                return Answer::Refused(413, format!("body over {V1_MAX_BODY} bytes"));
            }
            if let Some(i) = events.iter().position(unreadable) {
                return Answer::Refused(422, format!("events[{i}].body.model_id: unknown field"));
            }
        }
        Answer::Acks(
            events
                .iter()
                .map(|e| {
                    let id = e.event_id;
                    assert!(
                        !self.acknowledged.contains(&id),
                        "event {id} was sent again after its ack was applied"
                    );
                    // A deterministic tenth of events is invalid and rejected, never stored.
                    if id.as_uuid().as_u128() % 10 == 3 {
                        self.rejected.insert(id);
                        return Ack::rejected(id, "body.employee_id: unknown");
                    }
                    let n = self.stored.entry(id).or_insert(0);
                    *n += 1;
                    if *n == 1 {
                        Ack::accepted(id)
                    } else {
                        Ack::duplicate(id)
                    }
                })
                .collect(),
        )
    }

    pub(super) fn applied(&mut self, acks: &[Ack]) {
        self.acknowledged.extend(acks.iter().map(|a| a.event_id));
    }
}

fn unreadable(e: &Event) -> bool {
    matches!(&e.body, EventBody::Punch(p) if p.model_id.as_deref() == Some(UNREADABLE))
}
