//! Enrolment on a person's page: the candidates kiosks captured or photos produced (with the
//! aligned-face thumbnail), approve and reject through the API's review handlers, and the
//! photo upload that runs the face pipeline on the server ([`crate::photo_enrolment`]).

use attend_protocol::ids::{EmployeeId, EventId};
use axum::Router;
use axum::extract::multipart::Multipart;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::fmt::wall_clock;
use super::session::{CSRF_REFUSED, Posted, Viewer, same};
use super::{done, refused};
use crate::http::AppState;
use crate::platform::error::Error;
use crate::platform::extract::{ApiJson, ApiPath};
use crate::http::routes::enrolment::{self as api, RejectCandidate};
use crate::http::session::STAFF;
use crate::photo_enrolment::{MAX_PHOTO_BYTES, MAX_PHOTOS, PhotoError};
use crate::storage::all_pages;
use crate::storage::{CandidateStatus, UPLOAD_DEVICE};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard/enrolment/{id}/thumbnail", get(thumbnail))
        .route("/dashboard/enrolment/{id}/{action}", post(decide))
        .route(
            "/dashboard/people/{id}/photos",
            post(upload).layer(DefaultBodyLimit::max(
                MAX_PHOTOS * MAX_PHOTO_BYTES + 64 * 1024,
            )),
        )
}

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
}

/// The employee's enrolment candidates, newest first.
pub async fn candidates_of(
    state: &AppState,
    viewer: &Viewer,
    employee: EmployeeId,
) -> Result<Vec<CandidateRow>, Error> {
    if viewer.auth.require(STAFF).is_err() {
        return Ok(Vec::new());
    }
    let (scope, depts) = (viewer.auth.scope(), viewer.auth.departments());
    let all = all_pages(|page| {
        let (store, depts) = (state.store.clone(), depts.clone());
        async move {
            store
                .list_candidates(scope, &depts, None, Some(employee), &page)
                .await
        }
    })
    .await?;
    let now = Timestamp::now();
    Ok(all
        .into_iter()
        .rev()
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
        })
        .collect())
}

async fn thumbnail(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<EventId>,
) -> Response {
    match api::candidate_thumbnail(State(state), viewer.auth, ApiPath(id)).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
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
    let (s, who, path) = (State(state.clone()), viewer.auth.clone(), ApiPath(id));
    let outcome = match action.as_str() {
        "approve" => api::approve_candidate(s, who, path).await.map(|c| {
            format!(
                "Approved: {} template(s) stored; kiosks receive them at their next roster pull.",
                c.0.templates
            )
        }),
        "reject" => api::reject_candidate(
            s,
            who,
            path,
            ApiJson(RejectCandidate {
                reason: form.reason,
            }),
        )
        .await
        .map(|_| "Enrolment rejected with your reason.".to_owned()),
        _ => Err(Error::NotFound),
    };
    // Back to the person the candidate belongs to.
    let back = state
        .store
        .get_candidate(viewer.auth.scope(), &viewer.auth.departments(), id)
        .await
        .map_or_else(
            |_| "/dashboard/people".to_owned(),
            |c| format!("/dashboard/people/{}", c.employee_id),
        );
    done(&back, outcome)
}

/// The photo form: the CSRF field comes first (browsers send fields in page order), and is
/// checked before any photo is read.
async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<EmployeeId>,
    mut form: Multipart,
) -> Response {
    let back = format!("/dashboard/people/{id}");
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
    // Only someone who may see the person and review enrolments may enrol them.
    if let Err(e) = state.people.get_employee(&viewer.caller, id).await {
        return done(&back, Err(e));
    }
    if let Err(e) = viewer.auth.require(STAFF) {
        return done(&back, Err(e));
    }
    let (verdicts, candidate) = match state.faces.enrol(id, photos).await {
        Ok(result) => result,
        Err(e @ (PhotoError::NotConfigured | PhotoError::Count)) => {
            return done(&back, Err(Error::field("photos", e.to_string())));
        }
        Err(e) => return done(&back, Err(Error::Internal(anyhow::anyhow!(e)))),
    };
    let report = verdicts
        .iter()
        .map(|v| {
            if v.accepted {
                format!("{}: passed", v.name)
            } else {
                format!("{}: {}", v.name, v.problems.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    let outcome = match candidate {
        Err(e) => Err(Error::field("photos", format!("{e}. {report}"))),
        Ok(candidate) => {
            let n = candidate.templates.len();
            state
                .store
                .add_uploaded_candidate(&viewer.auth.audit(), viewer.auth.scope(), &viewer.auth.departments(), candidate)
                .await
                .map(|_| format!("{n} of {} photos passed the quality checks ({report}). Review the new enrolment below.", verdicts.len()))
                .map_err(Error::from)
        }
    };
    done(&back, outcome)
}
