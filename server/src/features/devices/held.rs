//! Events held for review ([`super::ingest`] holds a punch or machine event of a deleted or
//! pending employee, or one made at a site they may not punch at): a reviewer releases it (it
//! counts from then on) or discards it with a reason (it stays stored, never counted).
//!
//! Four eyes: nobody decides on an event about themselves. A decision is one guarded update of
//! a still-held event, so two reviewers at once cannot both decide it.

use attend_protocol::ids::EventId;
use serde::Deserialize;
use utoipa::ToSchema;

use super::StoredEvent;
use super::service::DeviceService;
use crate::access::{Action, Caller};
use crate::platform::error::{AppResult, Error};
use crate::platform::limits;
use crate::platform::validate::Check;

/// What a reviewer decides about a held event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeldDecision {
    Release,
    Discard,
}

impl HeldDecision {
    pub fn state(self) -> &'static str {
        match self {
            Self::Release => "released",
            Self::Discard => "discarded",
        }
    }
}

/// The body of a discard.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscardRequest {
    /// Why the event is not counted (kept in the audit log).
    pub reason: String,
}

impl DeviceService {
    /// Releases or discards a held event in the caller's scope.
    pub async fn decide_held(
        &self,
        caller: &Caller,
        event: EventId,
        decision: HeldDecision,
        reason: Option<&str>,
    ) -> AppResult<StoredEvent> {
        caller.permit(Action::DecideHeld)?;
        if decision == HeldDecision::Discard {
            Check::default()
                .text("reason", reason.unwrap_or_default(), limits::LONG_REASON)
                .finish()?;
        }
        let held = self
            .store
            .held_event(caller.scope(), &caller.departments(), event)
            .await?;
        if held.employee_id.is_some() && held.employee_id == caller.employee_id {
            return Err(Error::ForbiddenBecause(
                "nobody decides on an event about themselves",
            ));
        }
        if held.hold_state.as_deref() != Some("held") {
            return Err(Error::Conflict {
                message: "this event is not waiting for review".into(),
                details: Vec::new(),
            });
        }
        let decided = self
            .store
            .decide_held(&caller.audit(), event, decision, reason)
            .await?;
        if decision == HeldDecision::Release {
            self.live.changed(decided.org_id);
        }
        Ok(decided)
    }
}
