//! Trusting a kiosk: a fresh provisioning code when the first one expired (codes last an hour
//! by default) or to replace a kiosk, and an administrator's confirmation once it provisioned.
//!
//! A kiosk that exchanged its code is *awaiting confirmation*: its signed requests verify and
//! its heartbeats count, but its roster answer carries nobody and no machine (and keeps its
//! cursor), and its punches and machine events are held for review
//! ([`super::ingest::UNCONFIRMED_KIOSK`]). So a leaked code yields a kiosk that learns nothing
//! and counts nothing until an administrator, seeing when and from which address it provisioned
//! and which attendd it runs, confirms it; that releases what was held for that reason alone.
//!
//! A fresh code for a provisioned kiosk ends its secret at once (it is back to unprovisioned),
//! so a kiosk believed stolen is cut off and replaced in one step; whoever redeems the code is
//! confirmed again. The kiosk keeps its unsent events and sends them once provisioned again.

use attend_protocol::ids::DeviceId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::service::DeviceService;
use super::{Confirmed, Device};
use crate::access::{Action, Caller};
use crate::platform::error::AppResult;

/// A fresh provisioning code for a kiosk.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IssuedCode {
    /// The kiosk, now unprovisioned.
    pub device: Device,
    /// Type this on the kiosk (`attendd provision --code …`). Shown once; single use.
    pub provisioning_code: String,
    #[schema(value_type = String, format = DateTime)]
    pub provisioning_expires_at: Timestamp,
}

impl DeviceService {
    /// Issues a fresh one-time code for a kiosk, replacing any earlier one. A provisioned
    /// kiosk's secret ends at once, and it waits for confirmation again once it provisions.
    pub async fn issue_code(&self, caller: &Caller, id: DeviceId) -> AppResult<IssuedCode> {
        caller.permit(Action::IssueProvisioningCode)?;
        let code = self.new_code();
        let device = self
            .store
            .issue_code(
                &caller.audit(),
                caller.scope(),
                id,
                &code.hash,
                code.expires,
            )
            .await?;
        Ok(IssuedCode {
            device,
            provisioning_code: code.code,
            provisioning_expires_at: code.expires,
        })
    }

    /// Confirms a provisioned kiosk: it gets the full roster from its next pull, and its events
    /// held only because it was not confirmed are released, except those about the caller
    /// (nobody decides on their own punches), which wait for another reviewer.
    pub async fn confirm(&self, caller: &Caller, id: DeviceId) -> AppResult<Confirmed> {
        caller.permit(Action::ConfirmDevice)?;
        let confirmed = self
            .store
            .confirm_device(
                &caller.audit(),
                caller.scope(),
                id,
                caller.user_id,
                caller.employee_id,
            )
            .await?;
        if confirmed.released_events > 0 {
            self.live.changed(confirmed.device.org_id);
        }
        Ok(confirmed)
    }
}
