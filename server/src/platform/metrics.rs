//! Prometheus metrics (`GET /metrics`). A registry per app instance, so tests that start many
//! servers in one process do not share counters. The database gauges (backend, pool, queued
//! jobs) are read at each scrape, from the same round trip as `/readyz`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};

use crate::db::{DatabaseStatus, Ping};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AckLabels {
    pub status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BackendLabels {
    pub backend: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PoolLabels {
    /// `max`, `open`, `idle` or `waiting`.
    pub state: &'static str,
}

/// What the database said at the last scrape.
#[derive(Debug, Default)]
struct DatabaseGauges {
    /// 1 for the backend in use, labelled by name; 0 for all while the database does not answer.
    up: Family<BackendLabels, Gauge>,
    /// PostgreSQL's pool: connections it may open, has open, has idle, and calls waiting.
    pool: Family<PoolLabels, Gauge>,
    /// Mail and notification jobs waiting.
    queued_jobs: Gauge,
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub requests: Family<HttpLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram>,
    pub sync_events: Family<AckLabels, Counter>,
    database: DatabaseGauges,
}

impl Metrics {
    pub fn new() -> Arc<Self> {
        let mut registry = Registry::with_prefix("attend");
        let requests = Family::<HttpLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_5, 2.0, 16))
        });
        let sync_events = Family::<AckLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        registry.register(
            "sync_events",
            "Synced events by acknowledgement",
            sync_events.clone(),
        );
        let database = DatabaseGauges::default();
        registry.register(
            "database_up",
            "1 while the database answers, labelled by backend (sqlite or postgres)",
            database.up.clone(),
        );
        registry.register(
            "database_pool_connections",
            "PostgreSQL's connection pool: max, open, idle, and calls waiting for one",
            database.pool.clone(),
        );
        registry.register(
            "queued_jobs",
            "Mail and notification jobs waiting to run",
            database.queued_jobs.clone(),
        );
        Arc::new(Self {
            registry,
            requests,
            latency,
            sync_events,
            database,
        })
    }

    /// Records what the database said (or that it did not answer).
    pub fn observe_database(&self, status: Option<&DatabaseStatus>) {
        for backend in ["sqlite", "postgres"] {
            let up = status.is_some_and(|s| s.backend == backend);
            self.database
                .up
                .get_or_create(&BackendLabels { backend })
                .set(i64::from(up));
        }
        let Some(status) = status else { return };
        self.database.queued_jobs.set(status.queued_jobs);
        if let Some(pool) = &status.pool {
            for (state, value) in [
                ("max", pool.max),
                ("open", pool.open),
                ("idle", pool.idle),
                ("waiting", pool.waiting),
            ] {
                self.database
                    .pool
                    .get_or_create(&PoolLabels { state })
                    .set(i64::try_from(value).unwrap_or(i64::MAX));
            }
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics
        .latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&HttpLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

pub async fn endpoint(
    State((metrics, ping)): State<(Arc<Metrics>, Arc<dyn Ping>)>,
) -> impl IntoResponse {
    let status = ping.ping().await;
    if let Err(error) = &status {
        tracing::warn!(%error, "metrics: the database does not answer");
    }
    metrics.observe_database(status.as_ref().ok());
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        metrics.render(),
    )
}
