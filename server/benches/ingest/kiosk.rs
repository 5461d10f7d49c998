//! The benchmark's kiosks: provisioned devices signing and pushing pre-serialised batches over
//! HTTP, as attendd's sync loop does; and the small helpers the rounds share.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use attend_protocol::ack::{AckStatus, SyncPushResponse};
use attend_protocol::events::{Event, EventBody, Punch, PunchMethod, PunchType, SyncPush};
use attend_protocol::ids::{EmployeeId, EventId};
use attend_protocol::provision::ProvisionResponse;
use attend_protocol::signing::{self, DeviceSecret, SignedRequest};
use attend_server::app::Stores;
use attend_server::db::{AuditCtx, Page, Scope};
use attend_server::features::devices::NewDevice;
use attend_server::platform::tokens::{human_code, normalise_code, token_hash};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use super::{BATCH, EVENTS_PATH};

/// One provisioned device talking to the server over HTTP, as a kiosk's sync loop does.
pub struct Kiosk {
    client: reqwest::Client,
    events_url: String,
    pub device_id: String,
    pub org_id: String,
    secret: DeviceSecret,
    next_seq: u64,
}

impl Kiosk {
    pub async fn provision(base: &str, code: &str) -> anyhow::Result<Self> {
        // One client (one keep-alive connection) per device, like separate kiosks.
        // A workspace build may give reqwest rustls without a provider (attendd's choice).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::new();
        let url = format!("{base}/api/v1/device/provision");
        let res = client.post(url).json(&serde_json::json!({ "code": code }));
        let p: ProvisionResponse = success(res.send().await?).await?.json().await?;
        Ok(Self {
            client,
            events_url: format!("{base}{EVENTS_PATH}"),
            device_id: p.device_id.to_string(),
            org_id: p.org_id.to_string(),
            secret: DeviceSecret::from_base64(&p.device_secret)?,
            next_seq: 1,
        })
    }

    /// `n` valid face punches with fresh UUIDv7 ids and increasing `seq`.
    pub fn punches(&mut self, employees: &[EmployeeId], n: usize) -> Vec<Event> {
        let mut punch = |i: usize| {
            self.next_seq += 1;
            Event {
                event_id: EventId(Uuid::now_v7()),
                seq: self.next_seq - 1,
                captured_at: Timestamp::now(),
                clock_suspect: false,
                body: EventBody::Punch(Punch {
                    employee_id: employees[i % employees.len()],
                    punch_type: PunchType::In,
                    method: PunchMethod::Face,
                    score: Some(0.4),
                    threshold: Some(0.6),
                    model_id: Some("dlib-resnet-v1".into()),
                    liveness: None,
                }),
            }
        };
        (0..n).map(&mut punch).collect()
    }

    /// Signs and sends one pre-serialised batch; every event must come back `accepted`.
    async fn push(&self, body: Vec<u8>) -> anyhow::Result<()> {
        let timestamp = Timestamp::now().as_second();
        let nonce = Uuid::now_v7().simple().to_string();
        let req = SignedRequest {
            method: "POST",
            path: EVENTS_PATH,
            query: "",
            timestamp,
            nonce: &nonce,
            body: &body,
        };
        let signature = signing::sign(&self.secret, &req);
        let res = (self.client.post(&self.events_url))
            .header("content-type", "application/json")
            .header(signing::HEADER_DEVICE, &self.device_id)
            .header(signing::HEADER_TIMESTAMP, timestamp.to_string())
            .header(signing::HEADER_NONCE, nonce)
            .header(signing::HEADER_SIGNATURE, signature)
            .body(body)
            .send()
            .await?;
        let acks = success(res).await?.json::<SyncPushResponse>().await?.acks;
        ensure!(acks.len() == BATCH, "{} acks for a batch", acks.len());
        if let Some(bad) = acks.iter().find(|a| a.status != AckStatus::Accepted) {
            bail!("event not accepted: {bad:?}");
        }
        Ok(())
    }

    /// Sends batches one after another (what one kiosk does); returns the elapsed time.
    pub async fn push_all(&self, bodies: Vec<Vec<u8>>) -> anyhow::Result<Duration> {
        let start = Instant::now();
        for body in bodies {
            self.push(body).await?;
        }
        Ok(start.elapsed())
    }
}

/// The response if it is a success, else an error carrying the server's JSON error body.
pub async fn success(res: reqwest::Response) -> anyhow::Result<reqwest::Response> {
    let (status, path) = (res.status(), res.url().path().to_owned());
    if !status.is_success() {
        bail!("{path} answered {status}: {}", res.text().await?);
    }
    Ok(res)
}

/// Serialised outside the timed part: a kiosk builds its body before talking to the server.
pub fn bodies(events: &[Event]) -> anyhow::Result<Vec<Vec<u8>>> {
    let body = |b: &[Event]| serde_json::to_vec(&SyncPush { events: b.to_vec() });
    Ok(events.chunks(BATCH).map(body).collect::<Result<_, _>>()?)
}

/// A second device for the concurrent run; `demo::seed` creates only one.
pub async fn second_device_code(stores: &Stores) -> anyhow::Result<String> {
    let sites = stores.orgs.list_sites(Scope::All, &Page::default()).await?;
    let site = sites.items.first().context("no site")?;
    let code = human_code();
    let new = NewDevice {
        org_id: site.org_id,
        site_id: site.id,
        name: "Bench kiosk 2".into(),
        provisioning_code_hash: token_hash(&normalise_code(&code)),
        provisioning_expires_at: Timestamp::now() + SignedDuration::from_hours(1),
        // Like the demo's kiosk: the bench measures counted punches, not held ones.
        confirm_on_provisioning: true,
    };
    stores
        .devices
        .create_device(&AuditCtx::system(), new)
        .await?;
    Ok(code)
}

pub fn rate(events: usize, elapsed: Duration) -> f64 {
    events as f64 / elapsed.as_secs_f64()
}

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
