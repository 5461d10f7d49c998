//! HTTP to attend-server: provisioning, and signed push and roster pull. Every response's
//! `Date` (or the push answer's `server_time`) updates the clock-offset estimate, and requests
//! are signed with the *server-corrected* time, so a kiosk whose clock drifted still gets
//! through the signature's skew window while its events are flagged. Every signed response's
//! `x-attend-server` header is kept as the server's version, which decides when set-aside
//! events are tried again.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use attend_protocol::ack::SyncPushResponse;
use attend_protocol::error::ErrorBody;
use attend_protocol::events::{Event, SyncPush};
use attend_protocol::provision::{ProvisionRequest, ProvisionResponse};
use attend_protocol::roster::RosterDelta;
use attend_protocol::signing::{self, DeviceSecret, SignedRequest};
use jiff::Timestamp;
use reqwest::StatusCode;

use super::credentials::Credentials;
use super::state::ServerVersion;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("server unreachable: {0}")]
    Network(String),
    #[error("server answered {status}: {message}")]
    Refused {
        status: u16,
        code: String,
        /// The message, followed by each named field's problem.
        message: String,
    },
    #[error("server answer could not be read: {0}")]
    Decode(String),
    #[error("device secret is invalid: re-provision this kiosk")]
    BadSecret,
    #[error("server URL {url}: {problem}")]
    ServerUrl { url: String, problem: String },
    #[error("the HTTP client could not be built: {0}")]
    Setup(String),
}

impl ClientError {
    /// Whether trying again later can succeed (network trouble, overload, server errors).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Network(_) => true,
            Self::Refused { status, .. } => *status == 429 || *status >= 500 || *status == 401,
            Self::Decode(_) | Self::BadSecret | Self::ServerUrl { .. } | Self::Setup(_) => false,
        }
    }

    /// For a push the server refused whole for what the batch holds (413 too large, 422
    /// unreadable), the status and the reason to keep with the event; `None` for every other
    /// failure, which is retried as it is after a backoff.
    pub fn refused_whole(&self) -> Option<(u16, String)> {
        match self {
            Self::Refused {
                status: status @ (413 | 422),
                message,
                ..
            } => Some((*status, message.clone())),
            _ => None,
        }
    }
}

/// Longest reason kept from a refusal: it is stored with the event and sent in heartbeats.
const MAX_REASON_CHARS: usize = 500;

fn http() -> Result<reqwest::Client, ClientError> {
    // rustls with ring; installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // No silent fallback to a default client: that one has no timeout, and a sync stuck on a
    // dead connection would hold the outbox forever.
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| ClientError::Setup(e.to_string()))
}

/// Whether a kiosk may talk to `server`: provisioning hands over the device secret, and every
/// roster carries PIN hashes and face templates, so only `https://` is accepted, or `http://`
/// to this machine itself (a reverse proxy on the kiosk, the demo, tests). Plain HTTP to
/// another machine needs `allow_plain_http`: the installer's explicit choice for a closed
/// network.
pub fn check_server_url(server: &str, allow_plain_http: bool) -> Result<(), ClientError> {
    let problem = |problem: &str| ClientError::ServerUrl {
        url: server.to_owned(),
        problem: problem.to_owned(),
    };
    let url = reqwest::Url::parse(server).map_err(|e| problem(&format!("not a URL ({e})")))?;
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = url.host_str().is_some_and(|host| {
                host.eq_ignore_ascii_case("localhost")
                    || host
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            });
            if loopback || allow_plain_http {
                Ok(())
            } else {
                Err(problem(
                    "plain http to another machine would send the device secret and the roster \
                     (PIN hashes, face templates) unencrypted: use https://, or pass \
                     --allow-plain-http on a closed network",
                ))
            }
        }
        other => Err(problem(&format!("scheme {other}: use https://"))),
    }
}

async fn refused(resp: reqwest::Response) -> ClientError {
    let status = resp.status().as_u16();
    match resp.json::<ErrorBody>().await {
        Ok(body) => {
            let mut message = body.error.message;
            for f in &body.error.details {
                let _ = write!(message, "; {}: {}", f.field, f.message);
            }
            ClientError::Refused {
                status,
                code: body.error.code,
                message: message.chars().take(MAX_REASON_CHARS).collect(),
            }
        }
        Err(_) => ClientError::Refused {
            status,
            code: String::new(),
            message: "no error body".into(),
        },
    }
}

/// Exchanges a one-time code for credentials.
pub async fn provision(
    server: &str,
    code: &str,
    version: &str,
    allow_plain_http: bool,
) -> Result<Credentials, ClientError> {
    check_server_url(server, allow_plain_http)?;
    let url = format!("{}/api/v1/device/provision", server.trim_end_matches('/'));
    let body = ProvisionRequest {
        code: code.to_owned(),
        attendd_version: Some(version.to_owned()),
    };
    let resp = http()?
        .post(url)
        .json(&body)
        .send()
        .await
        .map_err(|e| ClientError::Network(e.to_string()))?;
    if resp.status() != StatusCode::OK {
        return Err(refused(resp).await);
    }
    let p: ProvisionResponse = resp
        .json()
        .await
        .map_err(|e| ClientError::Decode(e.to_string()))?;
    Ok(Credentials {
        server: server.trim_end_matches('/').to_owned(),
        device_id: p.device_id,
        device_secret: p.device_secret,
    })
}

#[derive(Debug)]
pub struct SyncClient {
    http: reqwest::Client,
    creds: Credentials,
    secret: DeviceSecret,
    /// Device clock minus server clock, in ms, as last measured.
    offset_ms: Mutex<Option<i64>>,
    /// The last signed answer's server version: `None` before any answer.
    server_version: Mutex<Option<ServerVersion>>,
}

impl SyncClient {
    pub fn new(creds: Credentials) -> Result<Self, ClientError> {
        let secret =
            DeviceSecret::from_base64(&creds.device_secret).map_err(|_| ClientError::BadSecret)?;
        Ok(Self {
            http: http()?,
            creds,
            secret,
            offset_ms: Mutex::new(None),
            server_version: Mutex::new(None),
        })
    }

    pub fn credentials(&self) -> &Credentials {
        &self.creds
    }

    /// Device clock minus server clock, in milliseconds, if measured.
    pub fn clock_offset_ms(&self) -> Option<i64> {
        *self
            .offset_ms
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The server version the last signed answer named; `None` before any answer since start.
    pub fn server_version(&self) -> Option<ServerVersion> {
        self.server_version
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn note_offset(&self, server: Timestamp, sent: Timestamp, rtt: Duration) {
        let local_mid = sent.as_millisecond() + (rtt.as_millis() as i64) / 2;
        *self
            .offset_ms
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(local_mid - server.as_millisecond());
    }

    async fn signed(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &str,
        body: Vec<u8>,
    ) -> Result<reqwest::Response, ClientError> {
        let now = Timestamp::now();
        let corrected = now.as_second() - self.clock_offset_ms().unwrap_or(0) / 1000;
        let mut random = [0u8; 16];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random)
            .map_err(|_| ClientError::BadSecret)?;
        let nonce = hex_lower(&random);
        let signature = signing::sign(
            &self.secret,
            &SignedRequest {
                method: method.as_str(),
                path,
                query,
                timestamp: corrected,
                nonce: &nonce,
                body: &body,
            },
        );
        let url = if query.is_empty() {
            format!("{}{path}", self.creds.server)
        } else {
            format!("{}{path}?{query}", self.creds.server)
        };
        let started = Instant::now();
        let resp = self
            .http
            .request(method, url)
            .header("content-type", "application/json")
            .header(signing::HEADER_DEVICE, self.creds.device_id.to_string())
            .header(signing::HEADER_TIMESTAMP, corrected.to_string())
            .header(signing::HEADER_NONCE, nonce)
            .header(signing::HEADER_SIGNATURE, signature)
            .body(body)
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        let version = resp
            .headers()
            .get(attend_protocol::HEADER_SERVER_VERSION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // An answer without the header is an older server only when it is a success: a proxy's
        // 502 page names no version either, and must not count as a server change.
        if version.is_some() || resp.status() == StatusCode::OK {
            *self
                .server_version
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(ServerVersion(version));
        }
        // The Date header (1 s resolution) keeps the estimate alive even when a request is refused,
        // which is how a kiosk recovers from a clock so far off that its signatures go stale.
        if let Some(date) = resp
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|d| d.to_str().ok())
            && let Ok(server) = jiff::fmt::rfc2822::parse(date).map(|z| z.timestamp())
            && self.clock_offset_ms().is_none_or(|o| {
                (o - (now.as_millisecond() - server.as_millisecond())).abs() > 2_000
            })
        {
            self.note_offset(server, now, started.elapsed());
        }
        Ok(resp)
    }

    /// Sends one batch; returns the server's per-event acks.
    pub async fn push(&self, events: &[Event]) -> Result<SyncPushResponse, ClientError> {
        let body = serde_json::to_vec(&SyncPush {
            events: events.to_vec(),
        })
        .map_err(|e| ClientError::Decode(e.to_string()))?;
        let sent = Timestamp::now();
        let started = Instant::now();
        let resp = self
            .signed(reqwest::Method::POST, "/api/v1/device/events", "", body)
            .await?;
        if resp.status() != StatusCode::OK {
            return Err(refused(resp).await);
        }
        let answer: SyncPushResponse = resp
            .json()
            .await
            .map_err(|e| ClientError::Decode(e.to_string()))?;
        self.note_offset(answer.server_time, sent, started.elapsed());
        Ok(answer)
    }

    /// One page of roster changes after `since`.
    pub async fn roster(&self, since: u64) -> Result<RosterDelta, ClientError> {
        let resp = self
            .signed(
                reqwest::Method::GET,
                "/api/v1/device/roster",
                &format!("since={since}"),
                Vec::new(),
            )
            .await?;
        if resp.status() != StatusCode::OK {
            return Err(refused(resp).await);
        }
        resp.json()
            .await
            .map_err(|e| ClientError::Decode(e.to_string()))
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| {
            [
                DIGITS[usize::from(b >> 4)] as char,
                DIGITS[usize::from(b & 15)] as char,
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::check_server_url;

    /// Security review L11: the kiosk accepted any `http://` server, so the device secret and
    /// the roster could cross a network in cleartext.
    #[test]
    fn plain_http_is_refused_unless_it_stays_on_this_machine_or_is_allowed() {
        for ok in [
            "https://attend.example.com",
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
        ] {
            assert!(check_server_url(ok, false).is_ok(), "{ok}");
        }
        let refused = check_server_url("http://10.0.0.5:8080", false).expect_err("refused");
        assert!(
            refused.to_string().contains("--allow-plain-http"),
            "{refused}"
        );
        assert!(check_server_url("http://10.0.0.5:8080", true).is_ok());
        for bad in ["ftp://attend.example.com", "attend.example.com", ""] {
            assert!(check_server_url(bad, true).is_err(), "{bad}");
        }
    }
}
