//! The equipment board: every machine, its holds and who runs it now; staff lock a machine
//! out or take it out of service (with a reason) and lift either hold. Holds reach kiosks with
//! the next roster pull, and a kiosk stops a running machine that got locked out.

use attend_protocol::ids::EquipmentId;
use axum::extract::{Path, State};
use axum::response::Response;
use jiff::Timestamp;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::Hold;
use crate::app::state::AppState;
use crate::dashboard::fmt::{v, wall_clock};
use crate::dashboard::pages::Pages;
use crate::dashboard::session::{Posted, Viewer};
use crate::dashboard::{done, or_error_page, show};
use crate::platform::error::Error;

pub fn routes() -> Pages {
    Pages::new()
        .get("/dashboard/equipment", board)
        .post("/dashboard/equipment/{id}/{action}", hold)
}

#[derive(Serialize)]
struct Row {
    id: String,
    name: String,
    relay: u8,
    locked_out: bool,
    lockout_reason: String,
    out_of_service: bool,
    service_reason: String,
    running: Option<String>,
}

async fn board(State(state): State<AppState>, viewer: Viewer) -> Response {
    let who = &viewer.caller;
    let (machines, zones) = match (
        state.equipment.board(who).await,
        state.orgs.site_zones(who).await,
    ) {
        (Ok(m), Ok(z)) => (m, z),
        (Err(e), _) | (_, Err(e)) => return or_error_page(&viewer, "equipment", e),
    };
    let now = Timestamp::now();
    let rows: Vec<Row> = machines
        .into_iter()
        .map(|m| {
            let e = m.equipment;
            let zone = zones.get(&e.site_id).map(String::as_str);
            Row {
                id: e.id.to_string(),
                name: e.name,
                relay: e.relay_channel,
                locked_out: e.locked_out,
                lockout_reason: e.lockout_reason.unwrap_or_default(),
                out_of_service: e.out_of_service,
                service_reason: e.service_reason.unwrap_or_default(),
                running: m.running.map(|r| {
                    format!(
                        "{} since {}",
                        r.employee_name,
                        wall_clock(r.started_at, zone, now)
                    )
                }),
            }
        })
        .collect();
    show(
        &viewer,
        "equipment.html",
        "equipment",
        context! { rows => v(&rows) },
    )
}

#[derive(Debug, Deserialize)]
struct HoldForm {
    #[serde(default)]
    reason: String,
}

async fn hold(
    State(state): State<AppState>,
    Path((id, action)): Path<(EquipmentId, String)>,
    Posted(viewer, form): Posted<HoldForm>,
) -> Response {
    let (equipment, who) = (&state.equipment, &viewer.caller);
    let outcome = match action.as_str() {
        "lockout" => equipment
            .set_hold(who, id, Hold::Lockout(Some(form.reason)))
            .await
            .map(|e| {
                format!(
                    "{} is locked out; kiosks stop it at their next roster pull.",
                    e.name
                )
            }),
        "lift-lockout" => equipment
            .set_hold(who, id, Hold::Lockout(None))
            .await
            .map(|e| format!("The lockout of {} is lifted.", e.name)),
        "out-of-service" => equipment
            .set_hold(who, id, Hold::OutOfService(Some(form.reason)))
            .await
            .map(|e| format!("{} is out of service.", e.name)),
        "back-in-service" => equipment
            .set_hold(who, id, Hold::OutOfService(None))
            .await
            .map(|e| format!("{} is back in service.", e.name)),
        _ => Err(Error::NotFound),
    };
    done("/dashboard/equipment", outcome)
}
