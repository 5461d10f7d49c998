//! Kiosks: registering one with a one-time provisioning code, provisioning, an administrator's
//! confirmation, disabling, their health (last seen, queue depth, events set aside, version,
//! clock skew), and what they sync: signed requests, event ingest, and the stored events.
//!
//! - [`service`]: the rules and permission checks, signature verification and ingest.
//! - [`provisioning`]: fresh codes and confirmation (an unconfirmed kiosk learns and counts
//!   nothing).
//! - [`ingest`]: which pushed events are refused and why (a pure rule every backend applies).
//! - [`signed`]: the extractor for HMAC-signed kiosk requests.
//! - [`held`]: events held for review (not counted until released); [`flagged`]: flagged
//!   punches (counted) that a manager confirms or rejects, and the flag rates per site and
//!   employee.
//! - [`api`], [`held_api`], [`flagged_api`]: the JSON routes (admin and kiosk); [`pages`]: the
//!   kiosks page; [`flagged_pages`]: the review of flagged punches.
//! - [`store`]: the data access; [`sql`] implements it (on SQLite and PostgreSQL).
//!
//! Invariants: a signed request's device, signature, timestamp and nonce are checked before a
//! handler sees its body, so forged or replayed requests write nothing; an event is stored at
//! most once per `event_id`, verbatim as the kiosk sent it (less an evidence picture the server
//! does not keep: see `ingest::stored_payload`).

pub mod api;
pub mod flagged;
pub mod flagged_api;
pub mod flagged_pages;
pub mod held;
pub mod held_api;
pub mod ingest;
pub mod pages;
pub mod provisioning;
pub mod service;
pub mod signed;
pub mod sql;
pub mod store;

use attend_protocol::events::{Event, Heartbeat};
use attend_protocol::ids::{DeviceId, EmployeeId, EventId, OrgId, SiteId, UserId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::string_enum;

pub use service::DeviceService;
pub use store::DeviceStore;

string_enum!(DeviceStatus { Unprovisioned = "unprovisioned", Active = "active", Disabled = "disabled" });

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Device {
    pub id: DeviceId,
    pub org_id: OrgId,
    pub site_id: SiteId,
    pub name: String,
    pub status: DeviceStatus,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub provisioned_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_seen_at: Option<Timestamp>,
    pub last_ip: Option<String>,
    pub attendd_version: Option<String>,
    pub heartbeat: Option<Heartbeat>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub heartbeat_at: Option<Timestamp>,
    pub queue_depth: Option<u64>,
    pub clock_offset_ms: Option<i64>,
    /// Events the kiosk holds aside because this server refused them alone (413, 422); it
    /// sends them again when the server's version changes. `None` until a kiosk reports it.
    pub set_aside: Option<u64>,
    /// The latest of those refusals, `"{status}: {reason}"`.
    pub set_aside_reason: Option<String>,
    /// The address the kiosk exchanged its provisioning code from.
    pub provisioned_ip: Option<String>,
    /// When an administrator confirmed this kiosk (since it last provisioned).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub confirmed_at: Option<Timestamp>,
    /// Who confirmed it; absent when it was confirmed before confirmation existed, or by the
    /// demo seed.
    pub confirmed_by: Option<UserId>,
    /// Provisioned but not confirmed: its roster is empty and its punches and machine events
    /// are held for review until an administrator confirms it (`POST /devices/{id}/confirm`).
    pub awaiting_confirmation: bool,
}

/// A kiosk an administrator confirmed, and how many of its held events that released.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Confirmed {
    pub device: Device,
    /// Its punches and machine events that were held only because it was not confirmed, now
    /// counted. Events about the confirming administrator stay held for someone else.
    pub released_events: u64,
}

/// A synced event exactly as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StoredEvent {
    pub event_id: EventId,
    pub org_id: OrgId,
    pub device_id: DeviceId,
    pub kind: String,
    pub employee_id: Option<EmployeeId>,
    pub seq: u64,
    #[schema(value_type = String, format = DateTime)]
    pub captured_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub received_at: Timestamp,
    pub clock_suspect: bool,
    /// `held` (waiting for a reviewer, not counted), `released` or `discarded`; absent for an
    /// event counted at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_state: Option<String>,
    /// Why it was held.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_reason: Option<String>,
    /// Why its date or its liveness check is suspect (counted all the same, for review).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flagged: Option<String>,
    /// The event as the device sent it, less face data: an enrolment capture's template vectors
    /// and thumbnail, and a face punch's evidence picture, never leave through this list (their
    /// qualities and the punch's scores do).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// An event's payload as the list shows it: face vectors and pictures removed.
pub fn without_face_data(mut payload: serde_json::Value) -> serde_json::Value {
    if let Some(body) = payload.get_mut("body").and_then(|b| b.as_object_mut()) {
        body.remove("thumbnail_jpeg_base64");
        if let Some(liveness) = body.get_mut("liveness").and_then(|l| l.as_object_mut()) {
            liveness.remove("picture_jpeg_base64");
        }
        if let Some(templates) = body.get_mut("templates").and_then(|t| t.as_array_mut()) {
            for template in templates.iter_mut().filter_map(|t| t.as_object_mut()) {
                template.remove("vector");
            }
        }
    }
    payload
}

#[derive(Debug)]
pub struct NewDevice {
    pub org_id: OrgId,
    pub site_id: SiteId,
    pub name: String,
    pub provisioning_code_hash: String,
    pub provisioning_expires_at: Timestamp,
    /// The kiosk counts as confirmed once it provisions. Only the demo seed sets this; the API
    /// never does, so a leaked code cannot skip the administrator.
    pub confirm_on_provisioning: bool,
}

/// What the signature check needs to know about a device.
#[derive(Clone, Debug)]
pub struct DeviceAuth {
    pub id: DeviceId,
    pub org_id: OrgId,
    pub site_id: SiteId,
    pub status: DeviceStatus,
    /// An administrator confirmed it since it provisioned (see [`Device::awaiting_confirmation`]).
    pub confirmed: bool,
    pub secret: String,
    pub timezone: String,
}

/// A pushed event as parsed, with the exact JSON text it arrived as (stored verbatim, but for an
/// evidence picture the server does not keep).
#[derive(Clone, Debug)]
pub struct ReceivedEvent {
    pub event: Event,
    pub raw: String,
}

/// Filters for listing synced events.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub device_id: Option<DeviceId>,
    pub employee_id: Option<EmployeeId>,
    pub kind: Option<String>,
    /// `held`, `released` or `discarded`: the review queue is `held`.
    pub hold_state: Option<String>,
}
