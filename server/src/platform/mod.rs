//! Cross-cutting pieces every feature uses, and which depend on no feature.
//!
//! - [`error`]: the one error type (HTTP status, uniform JSON body; internal errors logged and
//!   never sent).
//! - [`extract`]: strict JSON, query and path extractors that name the failing field; the
//!   client address.
//! - [`validate`]: [`validate::Check`], which collects every field problem of one request.
//! - [`headers`], [`assets`]: security headers (CSP, HSTS…) and the static scripts and styles.
//! - [`client`]: who the client is by address (`http.trusted_proxies`).
//! - [`deadline`]: every request answered within `http.request_timeout_s`.
//! - [`rate_limit`]: the general, heavy and sync tiers, with strikes and persisted blocks.
//! - [`metrics`], [`request_id`], [`telemetry`]: Prometheus metrics, request ids, JSON logs.
//! - [`openapi`]: the OpenAPI document and the self-contained docs page; [`contract`]: what
//!   every operation of a shape answers, added to it; [`limits`]: every text field's length
//!   limit, written into the document and enforced by the extractors.
//! - [`password`], [`tokens`]: argon2id hashes, JWTs and opaque random tokens (stored hashed).

pub mod assets;
pub mod client;
pub mod contract;
pub mod deadline;
pub mod error;
pub mod extract;
pub mod headers;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod password;
pub mod rate_limit;
pub mod request_id;
pub mod telemetry;
pub mod tokens;
pub mod validate;

/// The dashboard's session cookie. The rate limiter keys a browser by it, so it is named here,
/// below both.
pub const SESSION_COOKIE: &str = "attend_session";
