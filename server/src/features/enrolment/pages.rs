//! Enrolment on a person's page: the candidates kiosks captured or photos produced (the rows
//! the people page shows, with the aligned-face thumbnail), approve and reject, and the photo
//! upload that runs the face pipeline on the server ([`super::photos`]).

use attend_protocol::ids::{EmployeeId, EventId};
use axum::extract::multipart::Multipart;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::api::private_jpeg;
use super::photos::{MAX_PHOTO_BYTES, MAX_PHOTOS, report};
use super::{Candidate, CandidateStatus, UPLOAD_DEVICE};
use crate::app::state::AppState;
use crate::dashboard::fmt::wall_clock;
use crate::dashboard::pages::Pages;
use crate::dashboard::session::{CSRF_REFUSED, Posted, Viewer, same};
use crate::dashboard::{done, or_error_page, refused};
use crate::features::approvals::Step;
use crate::platform::error::Error;

pub fn routes() -> Pages {
    Pages::new()
        .get("/dashboard/enrolment/{id}/thumbnail", thumbnail)
        .post("/dashboard/enrolment/{id}/{action}", decide)
        .page(
            Method::POST,
            "/dashboard/people/{id}/photos",
            post(upload).layer(DefaultBodyLimit::max(
                MAX_PHOTOS * MAX_PHOTO_BYTES + 64 * 1024,
            )),
        )
}

/// One candidate as a person's page lists it.
#[derive(Debug, Serialize)]
pub struct CandidateRow {
    id: String,
    source: &'static str,
    status: &'static str,
    templates: usize,
    quality: String,
    thumbnail: bool,
    created: String,
    reason: String,
    /// The other employee whose face this one matches (name and number), if any.
    lookalike: String,
    lookalike_id: String,
    /// Approved once; waiting for a second reviewer.
    held: bool,
}

/// The rows of a person's candidates (given newest first).
pub fn rows(candidates: Vec<Candidate>) -> Vec<CandidateRow> {
    let now = Timestamp::now();
    candidates
        .into_iter()
        .map(|c| CandidateRow {
            id: c.id.to_string(),
            source: if c.device_id == UPLOAD_DEVICE {
                "uploaded photos"
            } else {
                "kiosk camera"
            },
            status: c.status.as_str(),
            templates: c.templates,
            quality: format!("{:.2}", c.best_quality),
            thumbnail: c.has_thumbnail && c.status != CandidateStatus::Rejected,
            created: wall_clock(c.created_at, None, now),
            reason: c.reason.unwrap_or_default(),
            lookalike: c.lookalike.as_ref().map_or_else(String::new, |l| {
                format!("{} (no. {})", l.display_name, l.employee_number)
            }),
            lookalike_id: c
                .lookalike
                .as_ref()
                .map_or_else(String::new, |l| l.employee_id.to_string()),
            held: c.first_approved_by.is_some(),
        })
        .collect()
}

async fn thumbnail(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<EventId>,
) -> Response {
    match app.enrolment.thumbnail(&viewer.caller, id).await {
        Ok(jpeg) => private_jpeg(jpeg),
        Err(e) => e.into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(app): State<AppState>,
    Path((id, action)): Path<(EventId, String)>,
    Posted(viewer, form): Posted<DecisionForm>,
) -> Response {
    let who = &viewer.caller;
    let outcome = match action.as_str() {
        "approve" => app
            .enrolment
            .decide(who, id, Step::Approve, None)
            .await
            .map(|c| match (c.status, &c.lookalike) {
                (CandidateStatus::Pending, Some(other)) => format!(
                    "Held for a second reviewer: this face matches the enrolled face of {} (no. {}), so another reviewer completes the approval.",
                    other.display_name, other.employee_number
                ),
                _ => format!(
                    "Approved: {} template(s) stored; kiosks receive them at their next roster pull.",
                    c.templates
                ),
            }),
        "reject" => app
            .enrolment
            .decide(who, id, Step::Reject, Some(form.reason))
            .await
            .map(|_| "Enrolment rejected with your reason.".to_owned()),
        _ => Err(Error::NotFound),
    };
    // Back to the person the candidate belongs to.
    let back = app.enrolment.get(who, id).await.map_or_else(
        |_| "/dashboard/people".to_owned(),
        |c| format!("/dashboard/people/{}", c.employee_id),
    );
    done(&back, outcome)
}

/// The photo form: the CSRF field comes first (browsers send fields in page order), and is
/// checked before any photo is read.
async fn upload(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<EmployeeId>,
    mut form: Multipart,
) -> Response {
    let back = format!("/dashboard/people/{id}");
    // The role and scope are checked before a byte of the (large) body is read.
    if let Err(e) = app.enrolment.may_upload_photos(&viewer.caller, id).await {
        return or_error_page(&viewer, "people", e);
    }
    let mut csrf_ok = false;
    let mut photos = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return done(&back, Err(Error::field("photos", e.body_text()))),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "_csrf" {
            let sent = field.text().await.unwrap_or_default();
            csrf_ok = same(&viewer.csrf, &sent);
            continue;
        }
        if !csrf_ok {
            return refused(CSRF_REFUSED);
        }
        if name != "photos" {
            continue;
        }
        let file = field.file_name().unwrap_or("photo").to_owned();
        match field.bytes().await {
            Ok(bytes) if bytes.is_empty() => {}
            Ok(bytes) => photos.push((file, bytes.to_vec())),
            Err(e) => return done(&back, Err(Error::field("photos", e.body_text()))),
        }
    }
    if !csrf_ok {
        return refused(CSRF_REFUSED);
    }
    let outcome = app
        .enrolment
        .from_photos(&viewer.caller, id, photos)
        .await
        .map(|e| {
            format!(
                "{} of {} photos passed the quality checks ({}). Review the new enrolment below.",
                e.candidate.templates,
                e.verdicts.len(),
                report(&e.verdicts)
            )
        });
    done(&back, outcome)
}
