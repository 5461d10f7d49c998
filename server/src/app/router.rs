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
    enrolment,
};

async fn not_found() -> error::Error {
    error::Error::NotFound
}

pub fn router(state: AppState) -> Router {

    let api = Router::new()
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
        .fallback(not_found)
        .layer(from_fn_with_state(state.limits.clone(), rate_limit::general));

    // Features declare their routes once (path, method, handler, OpenAPI) in `api::routes()`.
    use crate::features::{
        attendance, audit, auth, corrections, devices, equipment, leave, notifications, orgs,
        people, reports, roster, timesheets,
    };
    let (heavy_features, heavy_doc) = OpenApiRouter::new()
        .merge(audit::api::heavy_routes())
        .merge(attendance::api::heavy_routes())
        .merge(reports::api::heavy_routes())
        .merge(notifications::api::heavy_routes())
        .merge(devices::api::heavy_routes())
        .split_for_parts();
    let (general, general_doc) = OpenApiRouter::new()
        .merge(orgs::api::routes())
        .merge(people::api::routes())
        .merge(auth::api::routes())
        .merge(devices::api::routes())
        .merge(leave::api::routes())
        .merge(attendance::api::routes())
        .merge(timesheets::api::routes())
        .merge(timesheets::attachments_api::routes())
        .merge(reports::api::routes())
        .merge(corrections::api::routes())
        .merge(equipment::api::routes())
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
    let (ops, ops_doc) = super::ops::routes().split_for_parts();
    let mut documented = general_doc;
    documented.merge(ops_doc);
    documented.merge(heavy_doc);
    documented.merge(sync_doc);
    let document = Arc::new(openapi::document_with(documented));

    Router::new()
        .route("/metrics", get(metrics::endpoint).with_state(state.metrics.clone()))
        .route("/api/openapi.json", get(openapi::document).with_state(document))
        .route("/api/docs", get(openapi::docs_page))
        .nest("/api/v1", api)
        .merge(ops)
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
