//! The whole HTTP surface: each feature's JSON routes and dashboard pages, the operations
//! endpoints, and the middleware stack (outermost first): request id → client address → tracing
//! → metrics → deadline → body limit → rate limits (general on the API and the dashboard, heavy on
//! expensive routes; the signed kiosk routes are refused here only for an address blocked for
//! bad signatures, and counted per device once their signature verifies).
//!
//! A JSON route is declared once, by its handler's `#[utoipa::path]` attribute, and collected
//! with `routes!` in its feature's `api.rs`; the OpenAPI document is what those routers hold.
//! A dashboard page is declared once too, with [`Pages`], which lists what it builds
//! ([`dashboard_pages`]).

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;

use super::AppState;
use crate::dashboard::pages::Pages;
use crate::features::{
    attendance, audit, auth, blocks, corrections, devices, enrolment, equipment, leave,
    notifications, orgs, people, reports, roster, timesheets,
};
use crate::platform::{
    client, contract, deadline, error, extract, headers, metrics, openapi, rate_limit, request_id,
};

async fn not_found() -> error::Error {
    error::Error::NotFound
}

/// The JSON routes in the general tier.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(auth::api::routes())
        .merge(auth::totp_api::routes())
        .merge(blocks::api::routes())
        .merge(orgs::api::routes())
        .merge(people::api::routes())
        .merge(devices::api::routes())
        .merge(devices::held_api::routes())
        .merge(devices::flagged_api::routes())
        .merge(attendance::api::routes())
        .merge(timesheets::api::routes())
        .merge(timesheets::attachments_api::routes())
        .merge(leave::api::routes())
        .merge(corrections::api::routes())
        .merge(equipment::api::routes())
        .merge(enrolment::api::routes())
        .merge(reports::api::routes())
        .merge(notifications::api::routes())
}

/// The JSON routes that are expensive to answer (reports, exports, logs): the heavy tier too.
fn heavy_api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(audit::api::heavy_routes())
        .merge(devices::api::heavy_routes())
        .merge(equipment::api::heavy_routes())
        .merge(attendance::api::heavy_routes())
        .merge(reports::api::heavy_routes())
        .merge(notifications::api::heavy_routes())
}

/// The signed kiosk routes: their own tier and body limit instead of the general ones.
fn sync_api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(devices::api::sync_routes())
        .merge(roster::api::sync_routes())
}

/// The dashboard's pages, the shell's own and each feature's: the general ones, and the
/// expensive ones that are in the heavy tier too.
fn pages() -> (Pages, Pages) {
    use crate::dashboard::{home, session, stylesheet};
    let general = Pages::new()
        .get("/dashboard", home)
        .get("/dashboard/assets/dashboard.css", stylesheet)
        .get("/dashboard/login", session::login_form)
        .post("/dashboard/login", session::login)
        .post("/dashboard/login/totp", session::login_totp)
        .post("/dashboard/logout", session::logout)
        .merge(auth::totp_pages::routes())
        .merge(auth::pages::routes())
        .merge(attendance::live_board::routes())
        .merge(timesheets::pages::routes())
        .merge(leave::pages::routes())
        .merge(equipment::pages::routes())
        .merge(devices::pages::routes())
        .merge(devices::flagged_pages::routes())
        .merge(people::pages::routes())
        .merge(enrolment::pages::routes());
    let heavy = Pages::new()
        .merge(attendance::pages::routes())
        .merge(reports::pages::routes());
    (general, heavy)
}

/// Every dashboard page as (method, path): the declaration the dashboard's router is built from.
pub fn dashboard_pages() -> Vec<(Method, &'static str)> {
    let (general, heavy) = pages();
    general.merge(heavy).declared().to_vec()
}

/// The dashboard's router.
fn dashboard(state: &AppState) -> Router<AppState> {
    let (general, heavy) = pages();
    let heavy = heavy
        .into_router()
        .route_layer(from_fn_with_state(state.limits.clone(), rate_limit::heavy));
    general
        .into_router()
        .merge(heavy)
        // Every page is in the general tier (per session cookie, else per address).
        .layer(from_fn_with_state(
            state.limits.clone(),
            rate_limit::general,
        ))
}

/// CORS: off (no headers, so browsers refuse cross-origin calls) unless
/// `http.cors_origins` names origins; the values were checked when the state was built.
fn cors(origins: &[String]) -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderValue, header};
    let allowed: Vec<HeaderValue> = origins.iter().filter_map(|o| o.parse().ok()).collect();
    tower_http::cors::CorsLayer::new()
        .allow_origin(allowed)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_mins(10))
}

pub fn router(state: AppState) -> Router {
    let limits = state.limits.clone();
    let (general, mut documented) = api().split_for_parts();
    let (heavy, heavy_doc) = heavy_api().split_for_parts();
    let (sync, sync_doc) = sync_api().split_for_parts();
    let (ops, ops_doc) = super::ops::routes().split_for_parts();
    for doc in [heavy_doc, sync_doc, ops_doc] {
        documented.merge(doc);
    }
    let document = contract::Document(Arc::new(openapi::document_with(documented)));
    let api = general
        .merge(heavy.route_layer(from_fn_with_state(limits.clone(), rate_limit::heavy)))
        .layer(DefaultBodyLimit::max(extract::DEFAULT_BODY_LIMIT))
        .layer(from_fn_with_state(limits.clone(), rate_limit::general));
    // The signed-body extractor enforces the sync body limit itself, and counts a request
    // against its device's budget once the signature verifies.
    let sync = sync
        .layer(DefaultBodyLimit::disable())
        .layer(from_fn_with_state(limits, rate_limit::sync_address));

    Router::new()
        .route(
            "/metrics",
            get(metrics::endpoint).with_state((state.metrics.clone(), state.ping.clone())),
        )
        .route(
            "/api/openapi.json",
            get(openapi::document).with_state(document.clone()),
        )
        .route("/api/docs", get(openapi::docs_page))
        .route("/api/docs.js", get(openapi::docs_script))
        .route("/api/docs.css", get(openapi::docs_style))
        .merge(ops)
        .merge(api)
        .merge(sync)
        .merge(dashboard(&state))
        .fallback(not_found)
        .method_not_allowed_fallback(|| async { error::Error::MethodNotAllowed })
        // The extractors enforce the document's limits (see platform::contract).
        .layer(axum::Extension(document))
        // Outside the routes, so a preflight (OPTIONS) is answered before method routing.
        .layer(cors(&state.settings.http.cors_origins))
        .layer(from_fn_with_state(
            std::time::Duration::from_secs(state.settings.http.request_timeout_s),
            deadline::middleware,
        ))
        .layer(from_fn_with_state(state.metrics.clone(), metrics::track))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(from_fn_with_state(
            headers::Hsts(state.settings.public_url.starts_with("https://")),
            headers::middleware,
        ))
        .layer(from_fn_with_state(state.proxies.clone(), client::resolve))
        .layer(axum::middleware::from_fn(request_id::middleware))
        .with_state(state)
}
