//! Per-client rate limits (governor's keyed GCRA limiters): a general tier on every API route,
//! a heavy tier on expensive ones, and a sync tier (instead of the general one) on the signed
//! device routes, sized for a kiosk draining a backlog. Clients are keyed by device id (signed requests), by
//! user id (bearer tokens, signature-checked without a database trip), else by address.
//! A client that keeps hammering past its limit is blocked outright for a cooldown.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use attend_protocol::signing::HEADER_DEVICE;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::Error;
use super::tokens::JwtKeys;
use crate::config::RateLimitSettings;

/// What the rate-limit middleware needs: the limiter, and the JWT keys that tell a signed-in
/// user apart without a database trip.
#[derive(Clone, Debug)]
pub struct RateLimits {
    pub limiter: Arc<Limiter>,
    pub jwt: Arc<JwtKeys>,
}

#[derive(Debug)]
pub struct Limiter {
    settings: RateLimitSettings,
    general: DefaultKeyedRateLimiter<String>,
    heavy: DefaultKeyedRateLimiter<String>,
    sync: DefaultKeyedRateLimiter<String>,
    strikes: Mutex<HashMap<String, Strikes>>,
}

#[derive(Debug)]
struct Strikes {
    window_start: Instant,
    count: u32,
    blocked_until: Option<Instant>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    General,
    Heavy,
    Sync,
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl Limiter {
    pub fn new(settings: RateLimitSettings) -> Arc<Self> {
        Arc::new(Self {
            general: RateLimiter::keyed(quota(settings.per_minute)),
            heavy: RateLimiter::keyed(quota(settings.heavy_per_minute)),
            sync: RateLimiter::keyed(quota(settings.sync_per_minute)),
            settings,
            strikes: Mutex::new(HashMap::new()),
        })
    }

    /// `Ok` to go ahead, or the 429 to answer.
    pub fn check(&self, tier: Tier, key: &str) -> Result<(), Error> {
        if !self.settings.enabled {
            return Ok(());
        }
        let now = Instant::now();
        let mut strikes = self
            .strikes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(until) = strikes
            .get(key)
            .and_then(|s| s.blocked_until)
            .filter(|u| *u > now)
        {
            return Err(Error::TooManyRequests {
                code: "blocked",
                message: "too many requests over the limit: blocked for a cooldown",
                retry_after_s: until.duration_since(now).as_secs() + 1,
            });
        }
        let limiter = match tier {
            Tier::General => &self.general,
            Tier::Heavy => &self.heavy,
            Tier::Sync => &self.sync,
        };
        let Err(not_until) = limiter.check_key(&key.to_owned()) else {
            return Ok(());
        };
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let entry = strikes.entry(key.to_owned()).or_insert(Strikes {
            window_start: now,
            count: 0,
            blocked_until: None,
        });
        if now.duration_since(entry.window_start) > Duration::from_mins(1) {
            *entry = Strikes {
                window_start: now,
                count: 0,
                blocked_until: None,
            };
        }
        entry.count += 1;
        if entry.count >= self.settings.block_after_rejections {
            entry.blocked_until = Some(now + Duration::from_secs(self.settings.cooldown_s));
        }
        Err(Error::TooManyRequests {
            code: "rate_limited",
            message: "too many requests: slow down",
            retry_after_s: wait.as_secs() + 1,
        })
    }

    /// Drops idle state so memory stays bounded by recently active clients.
    pub fn forget_idle(&self) {
        self.general.retain_recent();
        self.heavy.retain_recent();
        self.sync.retain_recent();
        let now = Instant::now();
        self.strikes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|_, s| {
                s.blocked_until.is_some_and(|u| u > now)
                    || now.duration_since(s.window_start) < Duration::from_mins(1)
            });
    }
}

fn client_key(state: &RateLimits, request: &Request) -> String {
    let headers = request.headers();
    if let Some(device) = headers
        .get(HEADER_DEVICE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<uuid::Uuid>().ok())
    {
        return format!("device:{device}");
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        });
    if let Some(claims) = bearer.and_then(|t| state.jwt.verify(t.trim())) {
        return format!("user:{}", claims.sub);
    }
    // A dashboard browser: its session cookie (hashed; the token itself is a secret).
    if let Some(session) =
        axum_extra::extract::cookie::CookieJar::from_headers(headers).get(super::SESSION_COOKIE)
    {
        let hash = super::tokens::token_hash(session.value());
        return format!("web:{}", &hash[..hash.len().min(16)]);
    }
    let ip = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
    format!("ip:{ip}")
}

async fn limit(state: &RateLimits, tier: Tier, request: Request, next: Next) -> Response {
    let key = client_key(state, &request);
    match state.limiter.check(tier, &key) {
        Ok(()) => next.run(request).await,
        Err(e) => {
            tracing::warn!(client = %key, ?tier, "rate limited");
            e.into_response()
        }
    }
}

pub async fn general(State(state): State<RateLimits>, request: Request, next: Next) -> Response {
    limit(&state, Tier::General, request, next).await
}

pub async fn heavy(State(state): State<RateLimits>, request: Request, next: Next) -> Response {
    limit(&state, Tier::Heavy, request, next).await
}

pub async fn sync(State(state): State<RateLimits>, request: Request, next: Next) -> Response {
    limit(&state, Tier::Sync, request, next).await
}
