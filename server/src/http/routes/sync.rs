//! Kiosk sync: signed event push (idempotent) and signed roster pull.

use crate::storage::ReceivedEvent;
use attend_protocol::MAX_BATCH_EVENTS;
use attend_protocol::ack::{AckStatus, SyncPushResponse};
use attend_protocol::events::{Event, EventBody, SyncPush};
use attend_protocol::roster::RosterDelta;
use axum::Json;
use axum::extract::State;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::http::AppState;
use crate::platform::error::{AppResult, Error};
use crate::platform::extract::{ApiQuery, explain_json_error};
use crate::platform::metrics::AckLabels;
use crate::http::signed::SignedBody;

#[utoipa::path(post, path = "/api/v1/device/events", tag = "device sync", request_body = SyncPush,
    params(("x-attend-device" = String, Header), ("x-attend-timestamp" = i64, Header), ("x-attend-nonce" = String, Header), ("x-attend-signature" = String, Header)),
    responses((status = 200, body = SyncPushResponse, description = "one ack per event, in order"),
              (status = 401, body = attend_protocol::error::ErrorBody, description = "bad, stale or replayed signature"),
              (status = 413, body = attend_protocol::error::ErrorBody), (status = 422, body = attend_protocol::error::ErrorBody)))]
pub async fn push_events(
    State(state): State<AppState>,
    signed: SignedBody,
) -> AppResult<Json<SyncPushResponse>> {
    let events = parse_push(&signed.body)?;
    // Punches and machine events change the live boards; heartbeats do not.
    let live = events
        .iter()
        .any(|e| matches!(e.event.body, EventBody::Punch(_) | EventBody::Equipment(_)));
    let acks = state
        .store
        .ingest(&signed.device, events, Timestamp::now())
        .await?;
    if live && acks.iter().any(|a| a.status == AckStatus::Accepted) {
        state.live.changed(signed.device.org_id);
    }
    for ack in &acks {
        let status = match ack.status {
            AckStatus::Accepted => "accepted",
            AckStatus::Duplicate => "duplicate",
            AckStatus::Rejected => "rejected",
        };
        state
            .metrics
            .sync_events
            .get_or_create(&AckLabels { status })
            .inc();
    }
    Ok(Json(SyncPushResponse {
        acks,
        server_time: Timestamp::now(),
    }))
}

/// The push body with each event left as raw JSON, borrowed from the request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPush<'a> {
    #[serde(borrow)]
    events: Vec<&'a RawValue>,
}

/// Parses a push, keeping each event's exact JSON so it is stored as received. Any failure is
/// explained by a strict typed parse of the whole body, which names the failing field.
fn parse_push(body: &[u8]) -> Result<Vec<ReceivedEvent>, Error> {
    let raw: RawPush<'_> =
        serde_json::from_slice(body).map_err(|_| explain_json_error::<SyncPush>(body))?;
    if raw.events.len() > MAX_BATCH_EVENTS {
        return Err(Error::field(
            "events",
            format!("at most {MAX_BATCH_EVENTS} events per batch"),
        ));
    }
    raw.events
        .iter()
        .map(|r| {
            serde_json::from_str::<Event>(r.get())
                .map(|event| ReceivedEvent {
                    event,
                    raw: r.get().to_owned(),
                })
                .map_err(|_| explain_json_error::<SyncPush>(body))
        })
        .collect()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RosterQuery {
    /// The `cursor` of the previous pull; 0 (or absent) for everything.
    pub since: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/device/roster", tag = "device sync", params(RosterQuery),
    responses((status = 200, body = RosterDelta), (status = 401, body = attend_protocol::error::ErrorBody)))]
pub async fn pull_roster(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<RosterQuery>,
    signed: SignedBody,
) -> AppResult<Json<RosterDelta>> {
    let delta = state
        .store
        .roster_delta(
            &signed.device,
            q.since.unwrap_or(0),
            state.settings.sync.roster_page,
        )
        .await?;
    Ok(Json(delta))
}
