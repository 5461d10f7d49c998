//! The whole HTTP surface: each feature's JSON routes and dashboard pages, the operations
//! endpoints, and the middleware stack (outermost first): request id → tracing → metrics →
//! body limit → rate limits (general on `/api` and the dashboard, heavy on expensive routes,
//! sync on the signed device routes).

use std::sync::Arc;

use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, post};

use super::AppState;
use crate::platform::{error, extract, metrics, openapi, rate_limit, request_id};
use crate::http::routes::{
    attachments, attendance, equipment, health,
    qualifications, records, reports, timesheets,
};

async fn not_found() -> error::Error {
    error::Error::NotFound
}

pub fn router(state: AppState) -> Router {
    let heavy = Router::new()
        .route("/notification-jobs", get(records::list_notification_jobs))
        .route(
            "/employees/{id}/attendance",
            get(attendance::get_attendance),
        )
        .route("/reports/payroll", get(reports::payroll_json))
        .route("/reports/payroll.csv", get(reports::payroll_download))
        .route("/reports/labour-cost", get(reports::labour_cost))
        .route_layer(from_fn_with_state(state.limits.clone(), rate_limit::heavy));


    let api = Router::new()
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
            "/employees/{id}/pay-rates",
            get(reports::pay_rates).put(reports::set_pay_rate),
        )
        .layer(DefaultBodyLimit::max(extract::DEFAULT_BODY_LIMIT))
        .merge(heavy)
        .fallback(not_found)
        .layer(from_fn_with_state(state.limits.clone(), rate_limit::general));

    // Features declare their routes once (path, method, handler, OpenAPI) in `api::routes()`.
    use crate::features::{audit, auth, corrections, devices, enrolment, leave, orgs, people, roster};
    let (heavy_features, heavy_doc) = OpenApiRouter::new()
        .merge(audit::api::heavy_routes())
        .merge(devices::api::heavy_routes())
        .split_for_parts();
    let (general, general_doc) = OpenApiRouter::new()
        .merge(orgs::api::routes())
        .merge(people::api::routes())
        .merge(auth::api::routes())
        .merge(devices::api::routes())
        .merge(leave::api::routes())
        .merge(corrections::api::routes())
        .merge(enrolment::api::routes())
        .split_for_parts();
    let (sync, sync_doc) = OpenApiRouter::new()
        .merge(devices::api::sync_routes())
        .merge(roster::api::sync_routes())
        .split_for_parts();
    let features = general
        .merge(heavy_features.route_layer(from_fn_with_state(state.limits.clone(), rate_limit::heavy)))
        .layer(DefaultBodyLimit::max(extract::DEFAULT_BODY_LIMIT))
        .layer(from_fn_with_state(state.limits.clone(), rate_limit::general));
    // The sync routes sit outside the general tier: they have their own. The signed-body
    // extractor enforces the sync body limit itself.
    let sync = sync
        .layer(DefaultBodyLimit::disable())
        .layer(from_fn_with_state(state.limits.clone(), rate_limit::sync));
    let mut documented = general_doc;
    documented.merge(heavy_doc);
    documented.merge(sync_doc);
    let document = Arc::new(openapi::document_with(documented));

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::endpoint).with_state(state.metrics.clone()))
        .route("/api/openapi.json", get(openapi::document).with_state(document))
        .route("/api/docs", get(openapi::docs_page))
        .nest("/api/v1", api)
        .merge(features)
        .merge(sync)
        .merge(crate::dashboard::router(&state))
        .fallback(not_found)
        .method_not_allowed_fallback(|| async { error::Error::MethodNotAllowed })
        .layer(from_fn_with_state(state.metrics.clone(), metrics::track))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(request_id::middleware))
        .with_state(state)
}
