//! The HTTP API (axum).
//!
//! - [`router`] wires routes to handlers and the middleware stack (outermost first): request id →
//!   tracing → metrics → body limit → rate limits (general on `/api`, heavy on expensive routes,
//!   sync on the signed device routes).
//! - [`error`]: the one error type; [`extract`]: strict JSON/query/path extractors;
//!   [`session`]: bearer-token callers; [`signed`]: HMAC-signed device requests;
//!   [`rate_limit`], [`metrics`], [`request_id`], [`openapi`]; [`routes`]: the handlers.

pub mod error;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod rate_limit;
pub mod request_id;
pub mod routes;
pub mod session;
pub mod signed;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, post};

use crate::auth::tokens::JwtKeys;
use crate::config::Settings;
use crate::storage::SharedStore;
use routes::{
    attachments, attendance, auth, corrections, devices, enrolment, equipment, health, leave,
    onboarding, orgs, password_reset, people, qualifications, records, reports, sync, timesheets,
};

/// Everything a handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: SharedStore,
    /// Where attachment bytes live.
    pub blobs: Arc<dyn crate::attachments::BlobStore>,
    pub settings: Arc<Settings>,
    pub jwt: Arc<JwtKeys>,
    pub limiter: Arc<rate_limit::Limiter>,
    pub metrics: Arc<metrics::Metrics>,
    /// Tells open live boards that an organisation's attendance changed.
    pub live: crate::live::LiveFeed,
    /// The face pipeline for enrolment from uploaded photos (loaded on first use).
    pub faces: Arc<crate::photo_enrolment::Faces>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

async fn not_found() -> error::Error {
    error::Error::NotFound
}

pub fn router(state: AppState) -> Router {
    let heavy = Router::new()
        .route("/audit", get(records::list_audit))
        .route("/device-events", get(records::list_events))
        .route("/notification-jobs", get(records::list_notification_jobs))
        .route(
            "/employees/{id}/attendance",
            get(attendance::get_attendance),
        )
        .route("/reports/payroll", get(reports::payroll_json))
        .route("/reports/payroll.csv", get(reports::payroll_download))
        .route("/reports/labour-cost", get(reports::labour_cost))
        .route_layer(from_fn_with_state(state.clone(), rate_limit::heavy));

    let sync_routes = Router::new()
        .route("/device/events", post(sync::push_events))
        .route("/device/roster", get(sync::pull_roster))
        // The signed-body extractor enforces the sync limit itself.
        .layer(DefaultBodyLimit::disable())
        .layer(from_fn_with_state(state.clone(), rate_limit::sync));

    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/password", post(auth::change_password))
        .route("/auth/password-reset", post(password_reset::request_reset))
        .route(
            "/auth/password-reset/confirm",
            post(password_reset::confirm_reset),
        )
        .route("/auth/register", post(onboarding::register))
        .route("/auth/accept-invite", post(onboarding::accept_invite))
        .route("/me", get(auth::me))
        .route(
            "/organisations",
            post(orgs::create_org).get(orgs::list_orgs),
        )
        .route("/organisations/{id}", get(orgs::get_org))
        .route(
            "/organisations/{id}/join-code",
            get(orgs::get_join_code).post(orgs::rotate_join_code),
        )
        .route("/organisations/{id}/invites", post(orgs::create_invite))
        .route("/sites", post(orgs::create_site).get(orgs::list_sites))
        .route("/sites/{id}", get(orgs::get_site))
        .route(
            "/departments",
            post(orgs::create_department).get(orgs::list_departments),
        )
        .route("/departments/{id}", get(orgs::get_department))
        .route(
            "/employees",
            post(people::create_employee).get(people::list_employees),
        )
        .route(
            "/employees/{id}",
            get(people::get_employee)
                .patch(people::update_employee)
                .delete(people::delete_employee),
        )
        .route("/employees/{id}/approve", post(people::approve_employee))
        .route("/users", post(people::create_user).get(people::list_users))
        .route("/users/{id}", get(people::get_user))
        .route(
            "/devices",
            post(devices::create_device).get(devices::list_devices),
        )
        .route("/devices/{id}", get(devices::get_device))
        .route("/devices/{id}/disable", post(devices::disable_device))
        .route("/devices/{id}/enable", post(devices::enable_device))
        .route("/device/provision", post(devices::provision))
        .route(
            "/sites/{id}/policy",
            get(attendance::get_policy).put(attendance::set_policy),
        )
        .route(
            "/shifts",
            post(attendance::create_shift).get(attendance::list_shifts),
        )
        .route("/shifts/{id}", delete(attendance::delete_shift))
        .route(
            "/employees/{id}/schedule",
            get(attendance::get_schedule).put(attendance::set_schedule),
        )
        .route(
            "/employees/{id}/timesheets/{date}",
            get(timesheets::get_timesheet),
        )
        .route(
            "/employees/{id}/timesheets/{date}/submit",
            post(timesheets::submit),
        )
        .route(
            "/employees/{id}/timesheets/{date}/approve",
            post(timesheets::approve),
        )
        .route(
            "/employees/{id}/timesheets/{date}/reject",
            post(timesheets::reject),
        )
        .route("/timesheets", get(timesheets::list_timesheets))
        .route(
            "/employees/{id}/timesheets/{date}/attachments",
            post(attachments::upload)
                .get(attachments::list)
                .layer(DefaultBodyLimit::max(attachments::MAX_ATTACHMENT_BYTES)),
        )
        .route("/attachments/{id}", get(attachments::download))
        .route(
            "/organisations/{id}/pay-calendar",
            get(timesheets::get_pay_calendar).put(timesheets::set_pay_calendar),
        )
        .route(
            "/equipment",
            post(equipment::create_equipment).get(equipment::list_equipment),
        )
        .route("/equipment/board", get(equipment::board))
        .route(
            "/equipment/{id}",
            get(equipment::get_equipment)
                .patch(equipment::update_equipment)
                .delete(equipment::delete_equipment),
        )
        .route("/equipment/{id}/code", post(equipment::rotate_code))
        .route(
            "/equipment/{id}/lockout",
            post(equipment::lock_out).delete(equipment::lift_lockout),
        )
        .route(
            "/equipment/{id}/out-of-service",
            post(equipment::out_of_service).delete(equipment::back_in_service),
        )
        .route("/equipment/{id}/sessions", get(equipment::usage))
        .route(
            "/qualifications",
            post(qualifications::create_qualification).get(qualifications::list_qualifications),
        )
        .route(
            "/employees/{id}/qualifications",
            get(qualifications::employee_qualifications),
        )
        .route(
            "/employees/{id}/qualifications/{qualification_id}",
            axum::routing::put(qualifications::grant_qualification)
                .delete(qualifications::revoke_qualification),
        )
        .route(
            "/leave-types",
            post(leave::create_leave_type).get(leave::list_leave_types),
        )
        .route(
            "/employees/{id}/leave",
            post(leave::request_leave).get(leave::employee_leave),
        )
        .route("/leave", get(leave::list_leave))
        .route(
            "/employees/{id}/corrections",
            post(corrections::request_correction).get(corrections::employee_corrections),
        )
        .route("/corrections", get(corrections::list_corrections))
        .route("/corrections/{id}/approve", post(corrections::approve))
        .route("/corrections/{id}/reject", post(corrections::reject))
        .route("/corrections/{id}/escalate", post(corrections::escalate))
        .route("/corrections/{id}/cancel", post(corrections::cancel))
        .route(
            "/employees/{id}/pay-rates",
            get(reports::pay_rates).put(reports::set_pay_rate),
        )
        .route("/leave/{id}/approve", post(leave::approve))
        .route("/leave/{id}/reject", post(leave::reject))
        .route("/leave/{id}/escalate", post(leave::escalate))
        .route("/leave/{id}/cancel", post(leave::cancel))
        .route("/enrolment-candidates", get(enrolment::list_candidates))
        .route("/enrolment-candidates/{id}", get(enrolment::get_candidate))
        .route(
            "/enrolment-candidates/{id}/thumbnail",
            get(enrolment::candidate_thumbnail),
        )
        .route(
            "/enrolment-candidates/{id}/approve",
            post(enrolment::approve_candidate),
        )
        .route(
            "/enrolment-candidates/{id}/reject",
            post(enrolment::reject_candidate),
        )
        .layer(DefaultBodyLimit::max(extract::DEFAULT_BODY_LIMIT))
        .merge(heavy)
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), rate_limit::general));
    // The sync routes sit outside the general tier: they have their own.
    let api = sync_routes.merge(api);

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::endpoint))
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/docs", get(openapi::docs_page))
        .nest("/api/v1", api)
        .merge(crate::dashboard::router(&state))
        .fallback(not_found)
        .method_not_allowed_fallback(|| async { error::Error::MethodNotAllowed })
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(request_id::middleware))
        .with_state(state)
}
