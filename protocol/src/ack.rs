//! Per-event acknowledgements. A kiosk deletes an event from its outbox only once it holds an
//! `accepted` or `duplicate` ack for it; `rejected` events are kept aside with the reason.
//! Like every type a kiosk reads, these ignore fields a newer server adds.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::EventId;

/// Answer to a sync push: one ack per event, in the order sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SyncPushResponse {
    pub acks: Vec<Ack>,
    /// Server clock at the time of the answer, for the kiosk's skew estimate.
    #[schema(value_type = String, format = DateTime)]
    pub server_time: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Ack {
    pub event_id: EventId,
    pub status: AckStatus,
    /// Why the event was rejected; present exactly when `status` is `rejected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AckStatus {
    /// Stored now.
    Accepted,
    /// Stored by an earlier push; nothing new was written.
    Duplicate,
    /// Will never be stored; the kiosk must not resend it.
    Rejected,
}

impl Ack {
    pub fn accepted(event_id: EventId) -> Self {
        Self {
            event_id,
            status: AckStatus::Accepted,
            reason: None,
        }
    }

    pub fn duplicate(event_id: EventId) -> Self {
        Self {
            event_id,
            status: AckStatus::Duplicate,
            reason: None,
        }
    }

    pub fn rejected(event_id: EventId, reason: impl Into<String>) -> Self {
        Self {
            event_id,
            status: AckStatus::Rejected,
            reason: Some(reason.into()),
        }
    }
}
