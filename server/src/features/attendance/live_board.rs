//! The live who-is-in board. The page renders the board once; then an event stream sends the
//! board again, rendered for this viewer, whenever a kiosk of a visible organisation syncs a
//! punch or a machine event. The stream first sends a fresh board, so nothing that landed
//! between the page load and the stream's start is missed.

use std::convert::Infallible;
use std::time::Instant;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use minijinja::context;
use serde::Serialize;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::live::MIN_RENDER_INTERVAL;
use crate::app::state::AppState;
use crate::dashboard::fmt::{v, wall_clock};
use crate::dashboard::pages::Pages;
use crate::dashboard::session::Viewer;
use crate::dashboard::{explain, or_error_page, render_html, show};
use crate::db::Scope;
use crate::platform::assets;
use crate::platform::error::Error;

pub fn routes() -> Pages {
    Pages::new()
        .get("/dashboard/live", page)
        .get("/dashboard/live/events", events)
        .get("/dashboard/live/board.js", || async {
            assets::js(include_str!("live.js"))
        })
}

#[derive(Serialize)]
struct Row {
    name: String,
    department: Option<String>,
    state: &'static str,
    since: String,
    method: String,
    device: String,
}

#[derive(Serialize)]
struct Machine {
    name: String,
    who: String,
    since: String,
}

/// The board's HTML for this viewer, as of now.
async fn board(state: &AppState, viewer: &Viewer) -> Result<String, Error> {
    let now = Timestamp::now();
    let people = state.attendance.who_is_in(&viewer.caller).await?;
    let rows: Vec<Row> = people
        .iter()
        .map(|p| Row {
            name: p.display_name.clone(),
            department: p.department.clone(),
            state: p.state(),
            since: wall_clock(p.at, p.time_zone.as_deref(), now),
            method: format!("{:?}", p.method).to_lowercase(),
            device: p.device.clone().unwrap_or_default(),
        })
        .collect();
    let count = |s: &str| rows.iter().filter(|r| r.state == s).count();
    let (inside, on_break, left) = (count("in"), count("break"), count("out"));
    let machines = state
        .equipment
        .board(&viewer.caller)
        .await
        .unwrap_or_default();
    let zones = state.orgs.site_zones(&viewer.caller).await?;
    let machines: Vec<Machine> = machines
        .into_iter()
        .filter_map(|m| {
            let run = m.running?;
            Some(Machine {
                name: m.equipment.name,
                who: run.employee_name,
                since: wall_clock(
                    run.started_at,
                    zones.get(&m.equipment.site_id).map(String::as_str),
                    now,
                ),
            })
        })
        .collect();
    render_html(
        "live_rows.html",
        context! { rows => v(&rows), inside, on_break, left, machines => v(&machines) },
    )
    .map_err(|_| Error::Internal(anyhow::anyhow!("the live board did not render")))
}

async fn page(State(state): State<AppState>, viewer: Viewer) -> Response {
    match board(&state, &viewer).await {
        Ok(board) => show(&viewer, "live.html", "live", context! { board }),
        Err(e) => or_error_page(&viewer, "live", e),
    }
}

fn visible(viewer: &Viewer, org: attend_protocol::ids::OrgId) -> bool {
    match viewer.caller.scope() {
        Scope::All => true,
        Scope::Org(own) => own == org,
    }
}

async fn events(State(state): State<AppState>, viewer: Viewer) -> Response {
    // The first board is rendered before the stream opens, so a viewer who may not see the
    // board is refused as the page refuses them, not sent a stream that ends at once.
    let first = match board(&state, &viewer).await {
        Ok(html) => html,
        Err(e) => return or_error_page(&viewer, "live", e),
    };
    // Security review L8: every notice renders the board once per open stream.
    let Some(slot) = state.live.open_stream(&viewer.hash) else {
        return Error::TooManyRequests {
            code: "too_many_streams",
            message: "this session has as many live boards open as it may: close one",
            retry_after_s: 5,
        }
        .into_response();
    };
    let (notices, stopping) = state.live.subscribe();
    let start = (
        state,
        viewer,
        notices,
        stopping,
        Some(first),
        Instant::now(),
        slot,
    );
    let stream = futures_util::stream::unfold(
        start,
        |(state, viewer, mut notices, mut stopping, first, rendered, slot)| async move {
            let html = if let Some(html) = first {
                html
            } else {
                loop {
                    if *stopping.borrow() {
                        return None;
                    }
                    tokio::select! {
                        got = notices.recv() => match got {
                            Ok(org) if visible(&viewer, org) => break,
                            Ok(_) => {}
                            // Fell behind: something visible may be among the lost notices.
                            Err(RecvError::Lagged(_)) => break,
                            Err(RecvError::Closed) => return None,
                        },
                        changed = stopping.changed() => if changed.is_err() { return None },
                    }
                }
                // A burst of syncs renders once, and at most once per interval.
                tokio::time::sleep_until((rendered + MIN_RENDER_INTERVAL).into()).await;
                while !matches!(
                    notices.try_recv(),
                    Err(TryRecvError::Empty | TryRecvError::Closed)
                ) {}
                // A signed-out or expired session stops receiving.
                let live = state.auth.web_caller(&viewer.hash, None).await;
                if !matches!(live, Ok(Some(_))) {
                    return None;
                }
                match board(&state, &viewer).await {
                    Ok(html) => html,
                    Err(e) => {
                        explain(e);
                        return None;
                    }
                }
            };
            // Server-sent event data cannot carry carriage returns; HTML does not need them.
            let event = Event::default().event("board").data(html.replace('\r', ""));
            Some((
                Ok::<_, Infallible>(event),
                (state, viewer, notices, stopping, None, Instant::now(), slot),
            ))
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}
