//! The review of flagged punches: the queue with each punch's evidence (the liveness check's
//! scores per model, its challenge and reason; the face match's score against its threshold),
//! confirm and reject (with a reason) through the devices service (scope, four eyes, audit),
//! and the flag rates of the last 30 days per site and per employee, so a badly placed camera
//! shows as one site's high rate.

use attend_protocol::ids::EventId;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse as _, Response};

use crate::features::enrolment::api::private_jpeg;
use jiff::Timestamp;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::flagged::{FlagDecision, FlagFilter, FlagRate, FlagReview, FlaggedPunch};
use crate::app::state::AppState;
use crate::dashboard::fmt::{v, wall_clock};
use crate::dashboard::pages::Pages;
use crate::dashboard::session::{Posted, Viewer};
use crate::dashboard::{done, or_error_page, show};
use crate::db::Page;
use crate::platform::error::Error;
use crate::platform::extract::MAX_PAGE;

const QUEUE: &str = "/dashboard/flagged";

pub fn routes() -> Pages {
    Pages::new()
        .get(QUEUE, queue)
        .post("/dashboard/flagged/{id}/{action}", decide)
        .get("/dashboard/flagged/{id}/picture", picture)
}

async fn picture(State(app): State<AppState>, viewer: Viewer, Path(id): Path<EventId>) -> Response {
    match app.devices.flagged_picture(&viewer.caller, id).await {
        Ok(jpeg) => private_jpeg(jpeg),
        Err(e) => e.into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct QueueQuery {
    review: Option<FlagReview>,
    /// The `next` key of the page before.
    after: Option<String>,
}

/// The queue's address: one review state, from the page after `after` (the first without).
fn queue_href(review: FlagReview, after: Option<&str>) -> String {
    crate::dashboard::queue_href(QUEUE, "review", review.as_str(), after)
}

#[derive(Serialize)]
struct Row {
    id: String,
    employee: String,
    site: String,
    device: String,
    when: String,
    punch: String,
    reason: String,
    /// `0.41 against 0.60 (dlib-resnet-v1)`, or empty for a PIN punch.
    face_match: String,
    /// `None` when the kiosk sent no liveness check (a date flag alone).
    liveness: Option<Liveness>,
    review: &'static str,
    decided: String,
    /// The kiosk kept a picture of the face.
    picture: bool,
}

#[derive(Serialize)]
struct Liveness {
    verdict: &'static str,
    mode: String,
    score: String,
    scores: Vec<(String, String)>,
    challenge: String,
    reason: String,
}

/// A wire enum (`not_asked`) as words (`not asked`).
fn words(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

fn row(p: FlaggedPunch, zone: Option<&str>, now: Timestamp) -> Row {
    let face_match = match (p.match_score, p.match_threshold) {
        (Some(score), Some(threshold)) => format!(
            "{score:.2} against {threshold:.2}{}",
            p.model_id.map(|m| format!(" ({m})")).unwrap_or_default()
        ),
        (Some(score), None) => format!("{score:.2}"),
        _ => String::new(),
    };
    let liveness = p.liveness.map(|l| Liveness {
        verdict: if l.live { "passed" } else { "failed" },
        mode: words(&l.mode),
        score: l.score.map(|s| format!("{s:.2}")).unwrap_or_default(),
        scores: l
            .scores
            .iter()
            .map(|s| (s.model.clone(), format!("{:.2}", s.p_real)))
            .collect(),
        challenge: words(&l.challenge),
        reason: l.reason.unwrap_or_default(),
    });
    let decided = match (p.reviewed_at, p.review_reason) {
        (Some(at), Some(why)) => format!("{}: {why}", wall_clock(at, zone, now)),
        (Some(at), None) => wall_clock(at, zone, now),
        _ => String::new(),
    };
    Row {
        id: p.event_id.to_string(),
        employee: p.employee_name,
        site: p.site_name,
        device: p.device_name,
        when: wall_clock(p.captured_at, zone, now),
        punch: format!(
            "{} by {}",
            p.punch_type.map(|t| words(&t)).unwrap_or_default(),
            p.method.map(|m| words(&m)).unwrap_or_default()
        ),
        reason: p.flag_reason,
        face_match,
        liveness,
        review: p.review.as_str(),
        decided,
        picture: p.has_picture,
    }
}

#[derive(Serialize)]
struct RateRow {
    name: String,
    face_punches: u64,
    flagged: u64,
    rate: String,
}

fn rate_rows(rates: Vec<FlagRate>) -> Vec<RateRow> {
    rates
        .into_iter()
        .map(|r| RateRow {
            rate: format!("{:.1} %", r.rate * 100.0),
            name: r.name,
            face_punches: r.face_punches,
            flagged: r.flagged,
        })
        .collect()
}

async fn queue(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<QueueQuery>,
) -> Response {
    let review = q.review.unwrap_or(FlagReview::Pending);
    let who = &viewer.caller;
    let page = Page {
        limit: MAX_PAGE,
        after: q.after.clone(),
    };
    let filter = FlagFilter {
        review: Some(review),
        ..FlagFilter::default()
    };
    let (listed, rates, zones) = match (
        state.devices.flagged_punches(who, &filter, &page).await,
        state.devices.flag_rates(who, None).await,
        state.orgs.site_zones(who).await,
    ) {
        (Ok(l), Ok(r), Ok(z)) => (l, r, z),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => {
            return or_error_page(&viewer, "flagged", e);
        }
    };
    let now = Timestamp::now();
    let next = listed.next.as_deref().map(|n| queue_href(review, Some(n)));
    let first = q.after.is_some().then(|| queue_href(review, None));
    let rows: Vec<Row> = listed
        .items
        .into_iter()
        .map(|p| {
            let zone = zones.get(&p.site_id).map(String::as_str);
            row(p, zone, now)
        })
        .collect();
    show(
        &viewer,
        "flagged.html",
        "flagged",
        context! {
            rows => v(&rows), review => review.as_str(), next, first,
            site_rates => v(&rate_rows(rates.sites)), employee_rates => v(&rate_rows(rates.employees)),
        },
    )
}

#[derive(Debug, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(state): State<AppState>,
    Path((id, action)): Path<(EventId, String)>,
    Posted(viewer, form): Posted<DecisionForm>,
) -> Response {
    let decision = match action.as_str() {
        "confirm" => FlagDecision::Confirm,
        "reject" => FlagDecision::Reject,
        _ => return done(QUEUE, Err(Error::NotFound)),
    };
    let outcome = state
        .devices
        .decide_flagged(&viewer.caller, id, decision, Some(&form.reason))
        .await
        .map(|p| match decision {
            FlagDecision::Confirm => {
                format!("{}'s punch is confirmed: it counts.", p.employee_name)
            }
            FlagDecision::Reject => format!(
                "{}'s punch is rejected: it no longer counts in the hours.",
                p.employee_name
            ),
        });
    done(QUEUE, outcome)
}
