//! The employee pages: the list (consent, PIN, status) and one person's page with biometric
//! consent, deletion and enrolment. Withdrawing consent or deleting a person erases their face
//! data in the same transaction, and every kiosk gets tombstones at its next roster pull.

use attend_protocol::ids::EmployeeId;
use attend_protocol::roster::ConsentState;
use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::consent_as_str;
use super::service::PatchEmployee;
use crate::app::state::AppState;
use crate::dashboard::fmt::v;
use crate::dashboard::pages::Pages;
use crate::dashboard::session::{Posted, Viewer};
use crate::dashboard::{done, or_error_page, show};
use crate::features::enrolment;
use crate::platform::error::Error;

pub fn routes() -> Pages {
    Pages::new()
        .get("/dashboard/people", list)
        .get("/dashboard/people/{id}", person)
        .post("/dashboard/people/{id}/consent", consent)
        .post("/dashboard/people/{id}/delete", delete)
}

#[derive(Serialize)]
struct Row {
    id: String,
    number: String,
    name: String,
    department: String,
    status: &'static str,
    consent: &'static str,
    pin: bool,
}

async fn list(State(app): State<AppState>, viewer: Viewer) -> Response {
    let who = &viewer.caller;
    let (people, depts) = match (
        app.people.all_employees(who).await,
        app.orgs.all_departments(who).await,
    ) {
        (Ok(p), Ok(d)) => (p, d),
        (Err(e), _) | (_, Err(e)) => return or_error_page(&viewer, "people", e),
    };
    let names: std::collections::HashMap<_, _> =
        depts.into_iter().map(|d| (d.id, d.name)).collect();
    let rows: Vec<Row> = people
        .into_iter()
        .map(|e| Row {
            id: e.id.to_string(),
            number: e.employee_number,
            name: e.display_name,
            department: e
                .department_id
                .and_then(|d| names.get(&d).cloned())
                .unwrap_or_default(),
            status: e.status.as_str(),
            consent: consent_as_str(e.consent),
            pin: e.has_pin,
        })
        .collect();
    show(
        &viewer,
        "people.html",
        "people",
        context! { rows => v(&rows) },
    )
}

async fn person(
    State(app): State<AppState>,
    viewer: Viewer,
    Path(id): Path<EmployeeId>,
) -> Response {
    let found = app.people.get_employee(&viewer.caller, id).await;
    // Only reviewers see a person's enrolments; for anyone else the list is empty.
    let candidates = match app.enrolment.of_employee(&viewer.caller, id).await {
        Err(Error::Forbidden) => Ok(Vec::new()),
        listed => listed.map(enrolment::pages::rows),
    };
    let (person, candidates) = match (found, candidates) {
        (Ok(p), Ok(c)) => (p, c),
        (Err(e), _) | (_, Err(e)) => return or_error_page(&viewer, "people", e),
    };
    show(
        &viewer,
        "person.html",
        "people",
        context! {
            id => person.id.to_string(),
            name => person.display_name,
            number => person.employee_number,
            consent => consent_as_str(person.consent),
            candidates => v(&candidates),
            photo_enrolment => app.enrolment.photos_configured(),
            min_photos => enrolment::photos::MIN_ACCEPTED,
            max_photos => enrolment::photos::MAX_PHOTOS,
        },
    )
}

#[derive(Debug, Deserialize)]
struct ConsentForm {
    consent: ConsentState,
}

async fn consent(
    State(app): State<AppState>,
    Path(id): Path<EmployeeId>,
    Posted(viewer, form): Posted<ConsentForm>,
) -> Response {
    let patch = PatchEmployee {
        consent: Some(form.consent),
        ..PatchEmployee::default()
    };
    let outcome = app
        .people
        .update_employee(&viewer.caller, id, patch)
        .await
        .map(|e| match e.consent {
            ConsentState::Granted => format!("{} granted biometric consent.", e.display_name),
            _ => format!(
                "Consent withdrawn: {}'s face data is erased, and every kiosk drops it at its next roster pull.",
                e.display_name
            ),
        });
    done(&format!("/dashboard/people/{id}"), outcome)
}

#[derive(Debug, Deserialize)]
struct DeleteForm {
    #[serde(default)]
    confirm: Option<String>,
}

async fn delete(
    State(app): State<AppState>,
    Path(id): Path<EmployeeId>,
    Posted(viewer, form): Posted<DeleteForm>,
) -> Response {
    if form.confirm.as_deref() != Some("yes") {
        return done(
            &format!("/dashboard/people/{id}"),
            Err(Error::field(
                "confirm",
                "tick the box to confirm the deletion",
            )),
        );
    }
    match app.people.delete_employee(&viewer.caller, id).await {
        Ok(()) => done(
            "/dashboard/people",
            Ok("Employee deleted; their face templates are removed from every kiosk.".into()),
        ),
        Err(e) => done(&format!("/dashboard/people/{id}"), Err(e)),
    }
}
