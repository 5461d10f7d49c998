//! Kiosks: when each was last seen, how many events it still holds, how many it set aside
//! because this server refused them (with the latest reason), its attendd version and how far
//! its clock is from the server's; admins can disable or re-enable one, and confirm one that
//! provisioned, seeing when, from which address and with which attendd it did.

use attend_protocol::ids::DeviceId;
use axum::extract::{Path, State};
use axum::response::Response;
use jiff::Timestamp;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::DeviceStatus;
use crate::app::state::AppState;
use crate::dashboard::fmt::{v, wall_clock};
use crate::dashboard::pages::Pages;
use crate::dashboard::session::{Posted, Viewer};
use crate::dashboard::{done, or_error_page, show};

/// A kiosk silent for longer than this is shown as offline (it heartbeats every minute).
const OFFLINE_AFTER_MINUTES: i64 = 5;
/// Clock skew beyond this is flagged: punches would be timed wrongly.
const SKEW_WARN_MS: i64 = 2_000;

pub fn routes() -> Pages {
    Pages::new()
        .get("/dashboard/devices", list)
        .post("/dashboard/devices/{id}/{action}", set_status)
}

#[derive(Serialize)]
struct Row {
    id: String,
    name: String,
    status: &'static str,
    online: bool,
    last_seen: String,
    queue: String,
    /// Events set aside, `—` before the kiosk reports it.
    set_aside: String,
    /// The latest refusal, shown only while events are aside.
    set_aside_reason: Option<String>,
    version: String,
    skew: String,
    skew_bad: bool,
    active: bool,
    /// Provisioned, not confirmed: what the administrator needs to decide.
    awaiting: Option<Awaiting>,
}

#[derive(Serialize)]
struct Awaiting {
    provisioned: String,
    from: String,
    version: String,
}

async fn list(State(state): State<AppState>, viewer: Viewer) -> Response {
    let who = &viewer.caller;
    let (devices, zones) = match (
        state.devices.all_devices(who).await,
        state.orgs.site_zones(who).await,
    ) {
        (Ok(d), Ok(z)) => (d, z),
        (Err(e), _) | (_, Err(e)) => return or_error_page(&viewer, "devices", e),
    };
    let now = Timestamp::now();
    let rows: Vec<Row> = devices
        .into_iter()
        .map(|d| {
            let zone = zones.get(&d.site_id).map(String::as_str);
            let online = d
                .last_seen_at
                .is_some_and(|t| now.duration_since(t).as_mins() < OFFLINE_AFTER_MINUTES);
            let awaiting = d.awaiting_confirmation.then(|| Awaiting {
                provisioned: d
                    .provisioned_at
                    .map_or_else(|| "—".into(), |t| wall_clock(t, zone, now)),
                from: d
                    .provisioned_ip
                    .clone()
                    .unwrap_or_else(|| "an unknown address".into()),
                version: d
                    .attendd_version
                    .clone()
                    .unwrap_or_else(|| "not reported".into()),
            });
            Row {
                id: d.id.to_string(),
                name: d.name,
                status: match d.status {
                    DeviceStatus::Active => "active",
                    DeviceStatus::Disabled => "disabled",
                    DeviceStatus::Unprovisioned => "waiting to be provisioned",
                },
                online,
                last_seen: d
                    .last_seen_at
                    .map_or_else(|| "never".into(), |t| wall_clock(t, zone, now)),
                queue: d.queue_depth.map_or_else(|| "—".into(), |q| q.to_string()),
                set_aside: d.set_aside.map_or_else(|| "—".into(), |n| n.to_string()),
                set_aside_reason: d
                    .set_aside_reason
                    .filter(|_| d.set_aside.is_some_and(|n| n > 0)),
                version: d.attendd_version.unwrap_or_else(|| "—".into()),
                skew: d
                    .clock_offset_ms
                    .map_or_else(|| "—".into(), |ms| format!("{:+.1} s", ms as f64 / 1000.0)),
                skew_bad: d.clock_offset_ms.is_some_and(|ms| ms.abs() > SKEW_WARN_MS),
                active: d.status == DeviceStatus::Active,
                awaiting,
            }
        })
        .collect();
    show(
        &viewer,
        "devices.html",
        "devices",
        context! { rows => v(&rows) },
    )
}

#[derive(Debug, Deserialize)]
struct NoFields {}

async fn set_status(
    State(state): State<AppState>,
    Path((id, action)): Path<(DeviceId, String)>,
    Posted(viewer, NoFields {}): Posted<NoFields>,
) -> Response {
    let (devices, who) = (&state.devices, &viewer.caller);
    let outcome = match action.as_str() {
        "disable" => devices
            .set_status(who, id, DeviceStatus::Disabled)
            .await
            .map(|d| format!("{} is disabled: its syncs are refused.", d.name)),
        "enable" => devices
            .set_status(who, id, DeviceStatus::Active)
            .await
            .map(|d| format!("{} is enabled again.", d.name)),
        "confirm" => devices.confirm(who, id).await.map(|c| match c.released_events {
            0 => format!("{} is confirmed: it gets the roster at its next sync.", c.device.name),
            n => format!(
                "{} is confirmed: it gets the roster at its next sync, and {n} held punches or machine events now count.",
                c.device.name
            ),
        }),
        _ => Err(crate::platform::error::Error::NotFound),
    };
    done("/dashboard/devices", outcome)
}
