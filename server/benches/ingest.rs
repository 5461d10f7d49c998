//! Ingest benchmark: signed batches of 500 punches through the real HTTP API, compared in the
//! same run with raw batched SQLite inserts of the same rows. It prints numbers and whether the
//! targets (API ≥ 20,000 events/s and ≥ 50% of raw) were met; it never asserts on timings, so a
//! slow or busy machine cannot fail a build. `ATTEND_BENCH_QUICK=1` runs a few batches for CI;
//! `ATTEND_BENCH_BATCHES=n` sets the batches per round.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use attend_protocol::ack::{AckStatus, SyncPushResponse};
use attend_protocol::events::{Event, EventBody, Punch, PunchMethod, PunchType, SyncPush};
use attend_protocol::ids::{EmployeeId, EventId};
use attend_protocol::provision::{ProvisionRequest, ProvisionResponse};
use attend_protocol::signing::{self, DeviceSecret, SignedRequest};
use attend_server::auth::tokens::{human_code, normalise_code, token_hash};
use attend_server::storage::sqlite::{migrate, sync::INSERT_EVENT_SQL};
use attend_server::storage::{AuditCtx, DepartmentFilter, NewDevice, Page, Scope, SharedStore};
use attend_server::{Application, Settings, demo};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};
use uuid::Uuid;

const BATCH: usize = 500;
const EVENTS_PATH: &str = "/api/v1/device/events";
const TARGET_RATE: f64 = 20_000.0;
const TARGET_RATIO: f64 = 0.5;

/// One provisioned device talking to the server over HTTP, as a kiosk's sync loop does.
struct Kiosk {
    client: reqwest::Client,
    base: String,
    device_id: String,
    org_id: String,
    secret: DeviceSecret,
    next_seq: u64,
}

impl Kiosk {
    async fn provision(base: &str, code: String) -> anyhow::Result<Self> {
        // One client (one keep-alive connection) per device, like separate kiosks.
        let client = reqwest::Client::new();
        let body = ProvisionRequest {
            code,
            attendd_version: Some("bench".into()),
        };
        let res = client
            .post(format!("{base}/api/v1/device/provision"))
            .json(&body)
            .send()
            .await?;
        ensure!(
            res.status().is_success(),
            "provisioning failed: {}",
            res.text().await?
        );
        let p: ProvisionResponse = res.json().await?;
        let secret = DeviceSecret::from_base64(&p.device_secret)?;
        let (device_id, org_id) = (p.device_id.to_string(), p.org_id.to_string());
        Ok(Self {
            client,
            base: base.to_owned(),
            device_id,
            org_id,
            secret,
            next_seq: 1,
        })
    }

    /// `n` batches of valid face punches with fresh UUIDv7 ids and increasing `seq`.
    fn batches(&mut self, employees: &[EmployeeId], n: usize) -> Vec<Vec<Event>> {
        let mut punch = |i: usize| {
            let seq = self.next_seq;
            self.next_seq += 1;
            let punch_type = if seq % 2 == 1 {
                PunchType::In
            } else {
                PunchType::Out
            };
            Event {
                event_id: EventId(Uuid::now_v7()),
                seq,
                captured_at: Timestamp::now(),
                clock_suspect: false,
                body: EventBody::Punch(Punch {
                    employee_id: employees[i % employees.len()],
                    punch_type,
                    method: PunchMethod::Face,
                    score: Some(0.4),
                    threshold: Some(0.6),
                    model_id: Some("dlib-resnet-v1".into()),
                }),
            }
        };
        (0..n)
            .map(|_| (0..BATCH).map(&mut punch).collect())
            .collect()
    }

    /// Signs and sends one pre-serialised batch; every event must come back `accepted`.
    async fn push(&self, body: Vec<u8>) -> anyhow::Result<()> {
        let timestamp = Timestamp::now().as_second();
        let nonce = Uuid::now_v7().simple().to_string();
        let (method, path, query) = ("POST", EVENTS_PATH, "");
        let req = SignedRequest {
            method,
            path,
            query,
            timestamp,
            nonce: &nonce,
            body: &body,
        };
        let signature = signing::sign(&self.secret, &req);
        let res = (self.client.post(format!("{}{EVENTS_PATH}", self.base)))
            .header("content-type", "application/json")
            .header(signing::HEADER_DEVICE, &self.device_id)
            .header(signing::HEADER_TIMESTAMP, timestamp.to_string())
            .header(signing::HEADER_NONCE, nonce)
            .header(signing::HEADER_SIGNATURE, signature)
            .body(body)
            .send()
            .await?;
        let status = res.status();
        if !status.is_success() {
            bail!("sync push answered {status}: {}", res.text().await?);
        }
        let acks = res.json::<SyncPushResponse>().await?.acks;
        ensure!(
            acks.len() == BATCH,
            "expected {BATCH} acks, got {}",
            acks.len()
        );
        if let Some(bad) = acks.iter().find(|a| a.status != AckStatus::Accepted) {
            bail!(
                "event {} was {:?}, not accepted: {:?}",
                bad.event_id,
                bad.status,
                bad.reason
            );
        }
        Ok(())
    }

    /// Sends batches one after another (what one kiosk does); returns the elapsed time.
    async fn push_all(&self, bodies: Vec<Vec<u8>>) -> anyhow::Result<Duration> {
        let start = Instant::now();
        for body in bodies {
            self.push(body).await?;
        }
        Ok(start.elapsed())
    }
}

/// Serialised outside the timed part: a kiosk builds its body before talking to the server.
fn bodies(batches: &[Vec<Event>]) -> anyhow::Result<Vec<Vec<u8>>> {
    let body = |events: &Vec<Event>| {
        serde_json::to_vec(&SyncPush {
            events: events.clone(),
        })
    };
    Ok(batches.iter().map(body).collect::<Result<_, _>>()?)
}

/// The same encoding as the server's `ts()`: fixed-width RFC 3339, so text order is time order.
fn ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The per-event columns of one `device_events` row, exactly as the server binds them.
type RawRow = (
    String,
    &'static str,
    Option<String>,
    i64,
    String,
    bool,
    String,
);

fn raw_rows(batches: &[Vec<Event>]) -> anyhow::Result<Vec<Vec<RawRow>>> {
    let row = |e: &Event| -> anyhow::Result<RawRow> {
        let employee = e.body.employee_id().map(|id| id.to_string());
        let payload = serde_json::to_string(e)?;
        let (id, kind, seq) = (e.event_id.to_string(), e.body.kind(), i64::try_from(e.seq)?);
        Ok((
            id,
            kind,
            employee,
            seq,
            ts(e.captured_at),
            e.clock_suspect,
            payload,
        ))
    };
    batches
        .iter()
        .map(|b| b.iter().map(row).collect())
        .collect()
}

/// Opens a fresh database the way the server does: migrations, then the same pragmas as
/// `open_connection` in storage/sqlite/mod.rs (WAL, synchronous = NORMAL).
fn open_raw(path: &Path) -> anyhow::Result<Connection> {
    migrate(path).context("migrating the raw database")?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )?;
    Ok(conn)
}

/// The baseline: one IMMEDIATE transaction per batch of 500 with a cached statement, as the
/// server's ingest does, minus HTTP, signing, validation and (de)serialisation.
fn insert_raw(
    conn: &mut Connection,
    kiosk: &Kiosk,
    batches: &[Vec<RawRow>],
) -> anyhow::Result<Duration> {
    let (org, device, received) = (&kiosk.org_id, &kiosk.device_id, ts(Timestamp::now()));
    let start = Instant::now();
    for rows in batches {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut stmt = tx.prepare_cached(INSERT_EVENT_SQL)?;
        for (id, kind, employee, seq, captured, suspect, payload) in rows {
            let p = params![
                id, org, device, kind, employee, seq, captured, received, suspect, payload
            ];
            ensure!(stmt.execute(p)? == 1, "raw insert of {id} stored nothing");
        }
        drop(stmt);
        tx.commit()?;
    }
    Ok(start.elapsed())
}

/// A second device for the concurrent run; `demo::seed` creates only one.
async fn second_device_code(store: &SharedStore) -> anyhow::Result<String> {
    let page = Page {
        limit: 1,
        after: None,
    };
    let site = store
        .list_sites(Scope::All, &page)
        .await?
        .items
        .pop()
        .context("no site")?;
    let code = human_code();
    let new = NewDevice {
        org_id: site.org_id,
        site_id: site.id,
        name: "Bench kiosk 2".into(),
        provisioning_code_hash: token_hash(&normalise_code(&code)),
        provisioning_expires_at: Timestamp::now() + SignedDuration::from_hours(1),
    };
    store.create_device(&AuditCtx::system(), new).await?;
    Ok(code)
}

fn rate(events: usize, elapsed: Duration) -> f64 {
    events as f64 / elapsed.as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

async fn run(batches: usize, rounds: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::default();
    settings.listen = "127.0.0.1:0".parse()?;
    settings.database = dir.path().join("api.db");
    // The default 100 requests/min per device would throttle the benchmark after 100 batches.
    settings.rate_limit.per_minute = 1_000_000;
    println!("setup: rate_limit.per_minute raised to 1000000 (the default 100 would throttle)");
    let app = Application::build(settings, true).await?;
    let base = format!("http://{}", app.local_addr());
    let store = app.store();
    let seed = demo::seed(&store)
        .await?
        .context("fresh database was not empty")?;
    let code2 = second_device_code(&store).await?;
    let page = Page {
        limit: 100,
        after: None,
    };
    let employees = store
        .list_employees(Scope::All, &DepartmentFilter::Any, &page)
        .await?
        .items;
    let employees: Vec<EmployeeId> = employees.into_iter().map(|e| e.id).collect();
    ensure!(!employees.is_empty(), "the demo seed created no employees");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_with_shutdown(async move {
        let _ = stopped.await;
    }));
    let mut k1 = Kiosk::provision(&base, seed.provisioning_code).await?;
    let mut k2 = Kiosk::provision(&base, code2).await?;
    let mut raw_db = open_raw(&dir.path().join("raw.db"))?;

    // Warm-up, untimed: connections, statement caches, the first pages of both databases.
    let warm = k1.batches(&employees, 1);
    k1.push_all(bodies(&warm)?).await?;
    insert_raw(&mut raw_db, &k1, &raw_rows(&warm)?)?;

    // Rounds alternate API and raw so that drift on a shared machine hits both alike; each raw
    // round inserts exactly the rows the API round before it stored, into a database that has
    // grown the same way. Medians damp one-off stalls (WAL checkpoints, other processes).
    let events = batches * BATCH;
    let (mut api_rates, mut raw_rates) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        let batch_events = k1.batches(&employees, batches);
        let (bodies, rows) = (bodies(&batch_events)?, raw_rows(&batch_events)?);
        let api = rate(events, k1.push_all(bodies).await?);
        // The server is idle now; insert on this worker without handing it the connection.
        let raw_time = tokio::task::block_in_place(|| insert_raw(&mut raw_db, &k1, &rows))?;
        let raw = rate(events, raw_time);
        println!("round {round}: api {api:.0} events/s, raw {raw:.0} events/s ({events} events)");
        api_rates.push(api);
        raw_rates.push(raw);
    }

    // Two kiosks at once, half the batches each, so as many events are stored as in a round.
    let half = batches.div_ceil(2);
    let (b1, b2) = (
        bodies(&k1.batches(&employees, half))?,
        bodies(&k2.batches(&employees, half))?,
    );
    let start = Instant::now();
    tokio::try_join!(k1.push_all(b1), k2.push_all(b2))?;
    let concurrent = rate(2 * half * BATCH, start.elapsed());
    let _ = stop.send(());
    server.await??;

    let (api, raw) = (median(api_rates), median(raw_rates));
    let ratio = api / raw;
    println!(
        "api_ingest (1 device, sequential): {api:.0} events/s (median of {rounds} x {events} events)"
    );
    println!(
        "api_ingest (2 devices, concurrent): {concurrent:.0} events/s ({} events)",
        2 * half * BATCH
    );
    println!("raw_sqlite: {raw:.0} events/s (median of {rounds} x {events} events)");
    println!("ratio (api sequential / raw): {ratio:.2}");
    println!(
        "target api>={TARGET_RATE:.0}: {}",
        verdict(api >= TARGET_RATE)
    );
    println!(
        "target ratio>={TARGET_RATIO}: {}",
        verdict(ratio >= TARGET_RATIO)
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; there are no options, so arguments are ignored.
    let quick = std::env::var("ATTEND_BENCH_QUICK").is_ok_and(|v| v == "1");
    // 100 batches (50,000 events) per round keeps run-to-run noise low on a 2-core machine.
    let batches = match std::env::var("ATTEND_BENCH_BATCHES") {
        Ok(n) => n.parse().context("ATTEND_BENCH_BATCHES must be a number")?,
        Err(_) if quick => 6,
        Err(_) => 100,
    };
    ensure!(batches > 0, "need at least one batch");
    let rounds = if quick { 1 } else { 3 };
    println!("ingest bench: {rounds} round(s) of {batches} batches of {BATCH} events");
    // Multi-thread runtime with one worker per core, like the server binary's #[tokio::main].
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(batches, rounds))
}
