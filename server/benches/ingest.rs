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
use attend_protocol::provision::ProvisionResponse;
use attend_protocol::signing::{self, DeviceSecret, SignedRequest};
use attend_server::app::Stores;
use attend_server::db::sql::INSERT_EVENT_SQL;
use attend_server::db::sqlite::migrate;
use attend_server::db::{AuditCtx, DepartmentFilter, Page, Scope};
use attend_server::features::devices::NewDevice;
use attend_server::platform::tokens::{human_code, normalise_code, token_hash};
use attend_server::{Application, Settings, demo};
use jiff::{SignedDuration, Timestamp};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params_from_iter};
use uuid::Uuid;

const BATCH: usize = 500;
const EVENTS_PATH: &str = "/api/v1/device/events";
const TARGET_RATE: f64 = 20_000.0;
const TARGET_RATIO: f64 = 0.5;

/// One provisioned device talking to the server over HTTP, as a kiosk's sync loop does.
struct Kiosk {
    client: reqwest::Client,
    events_url: String,
    device_id: String,
    org_id: String,
    secret: DeviceSecret,
    next_seq: u64,
}

impl Kiosk {
    async fn provision(base: &str, code: &str) -> anyhow::Result<Self> {
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
    fn punches(&mut self, employees: &[EmployeeId], n: usize) -> Vec<Event> {
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
    async fn push_all(&self, bodies: Vec<Vec<u8>>) -> anyhow::Result<Duration> {
        let start = Instant::now();
        for body in bodies {
            self.push(body).await?;
        }
        Ok(start.elapsed())
    }
}

/// The response if it is a success, else an error carrying the server's JSON error body.
async fn success(res: reqwest::Response) -> anyhow::Result<reqwest::Response> {
    let (status, path) = (res.status(), res.url().path().to_owned());
    if !status.is_success() {
        bail!("{path} answered {status}: {}", res.text().await?);
    }
    Ok(res)
}

/// Serialised outside the timed part: a kiosk builds its body before talking to the server.
fn bodies(events: &[Event]) -> anyhow::Result<Vec<Vec<u8>>> {
    let body = |b: &[Event]| serde_json::to_vec(&SyncPush { events: b.to_vec() });
    Ok(events.chunks(BATCH).map(body).collect::<Result<_, _>>()?)
}

/// The same encoding as the server's `ts()`: fixed-width RFC 3339, so text order is time order.
fn ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The twelve `device_events` values of every event, encoded exactly as the server's ingest
/// binds them (org and device of `kiosk`, one receive time per call, like one request).
fn raw_rows(kiosk: &Kiosk, events: &[Event]) -> anyhow::Result<Vec<Vec<Vec<Value>>>> {
    let received = ts(Timestamp::now());
    let row = |e: &Event| -> anyhow::Result<Vec<Value>> {
        Ok(vec![
            e.event_id.to_string().into(),
            kiosk.org_id.clone().into(),
            kiosk.device_id.clone().into(),
            e.body.kind().to_owned().into(),
            e.body.employee_id().map(|id| id.to_string()).into(),
            i64::try_from(e.seq)?.into(),
            ts(e.captured_at).into(),
            received.clone().into(),
            e.clock_suspect.into(),
            serde_json::to_string(e)?.into(),
            Value::Null,
            Value::Null,
        ])
    };
    let batch = |b: &[Event]| b.iter().map(row).collect();
    events.chunks(BATCH).map(batch).collect()
}

/// Opens a fresh database the way the server does: migrations, then the same flags and
/// pragmas as `open_connection` in db/sqlite/pool.rs (WAL, synchronous = NORMAL).
fn open_raw(path: &Path) -> anyhow::Result<Connection> {
    migrate(path).context("migrating the raw database")?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;",
    )?;
    Ok(conn)
}

/// The baseline: one IMMEDIATE transaction per batch of 500 with a cached statement, as the
/// server's ingest does, minus HTTP, signing, validation and (de)serialisation.
fn insert_raw(db: &mut Connection, batches: &[Vec<Vec<Value>>]) -> anyhow::Result<f64> {
    let start = Instant::now();
    for rows in batches {
        let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut stmt = tx.prepare_cached(INSERT_EVENT_SQL)?;
        for row in rows {
            let stored = stmt.execute(params_from_iter(row))?;
            ensure!(stored == 1, "raw insert stored nothing");
        }
        drop(stmt);
        tx.commit()?;
    }
    Ok(rate(batches.len() * BATCH, start.elapsed()))
}

/// A second device for the concurrent run; `demo::seed` creates only one.
async fn second_device_code(stores: &Stores) -> anyhow::Result<String> {
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

fn rate(events: usize, elapsed: Duration) -> f64 {
    events as f64 / elapsed.as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

async fn run(batches: usize, rounds: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = Settings {
        listen: "127.0.0.1:0".parse()?,
        database: dir.path().join("api.db").into(),
        ..Settings::default()
    };
    // The default 100 requests/min per device would throttle the benchmark after 100 batches.
    settings.rate_limit.per_minute = 1_000_000;
    println!("setup: rate_limit.per_minute raised to 1000000 (the default 100 would throttle)");
    let app = Application::build(settings, true).await?;
    let base = format!("http://{}", app.local_addr());
    let stores = app.stores();
    let seed = demo::seed(&stores).await?.context("database not empty")?;
    let code2 = second_device_code(&stores).await?;
    let (any, page) = (DepartmentFilter::Any, Page::default());
    let people = stores
        .people
        .list_employees(Scope::All, &any, &page)
        .await?
        .items;
    let employees: Vec<EmployeeId> = people.iter().map(|e| e.id).collect();
    ensure!(!employees.is_empty(), "the demo seed created no employees");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_with_shutdown(async move {
        let _ = stopped.await;
    }));
    let mut k1 = Kiosk::provision(&base, &seed.provisioning_code).await?;
    let mut k2 = Kiosk::provision(&base, &code2).await?;

    // Every event is made up front so that the baseline and the API store the same rows;
    // medians over rounds damp one-off stalls (WAL checkpoints, other processes).
    let events = batches * BATCH;
    let all = k1.punches(&employees, (rounds * batches + 1) * BATCH);
    let (warm, timed) = all.split_at(BATCH);

    // Raw baseline first, its connection closed before any API traffic: bundled SQLite (built
    // with SQLITE_ENABLE_MEMORY_MANAGEMENT) shares one page-cache LRU across the process, and
    // run after API rounds the baseline missed its own hot pages and ran ~35% slower.
    let mut raw_db = open_raw(&dir.path().join("raw.db"))?;
    insert_raw(&mut raw_db, &raw_rows(&k1, warm)?)?;
    let mut raw_rates = Vec::new();
    for (i, round_events) in (1..).zip(timed.chunks(events)) {
        let rows = raw_rows(&k1, round_events)?;
        // The server is idle; blocking this thread for the inserts stalls nothing.
        let raw = tokio::task::block_in_place(|| insert_raw(&mut raw_db, &rows))?;
        println!("raw round {i}: {raw:.0} events/s ({events} events)");
        raw_rates.push(raw);
    }
    drop(raw_db);

    // The API on the same rows, warm-up batch first; one kiosk sends batch after batch.
    k1.push_all(bodies(warm)?).await?;
    let mut api_rates = Vec::new();
    for (i, round_events) in (1..).zip(timed.chunks(events)) {
        let api = rate(events, k1.push_all(bodies(round_events)?).await?);
        println!("api round {i}: {api:.0} events/s ({events} events)");
        api_rates.push(api);
    }

    // Two kiosks at once, half the batches each, so as many events are stored as in a round.
    let half = batches.div_ceil(2);
    let b1 = bodies(&k1.punches(&employees, half * BATCH))?;
    let b2 = bodies(&k2.punches(&employees, half * BATCH))?;
    let start = Instant::now();
    tokio::try_join!(k1.push_all(b1), k2.push_all(b2))?;
    let concurrent = rate(2 * half * BATCH, start.elapsed());
    let _ = stop.send(());
    server.await??;

    let (api, raw) = (median(api_rates), median(raw_rates));
    let ratio = api / raw;
    let of = format!("median of {rounds} x {events} events");
    println!("api_ingest (1 device, sequential): {api:.0} events/s ({of})");
    println!("api_ingest (2 devices, concurrent): {concurrent:.0} events/s (2 x {half} batches)");
    println!("raw_sqlite: {raw:.0} events/s ({of})");
    println!("ratio (api sequential / raw): {ratio:.2}");
    let verdict = |met| if met { "met" } else { "NOT met" };
    let (rate_ok, ratio_ok) = (verdict(api >= TARGET_RATE), verdict(ratio >= TARGET_RATIO));
    println!("target api>={TARGET_RATE:.0}: {rate_ok}");
    println!("target ratio>={TARGET_RATIO}: {ratio_ok}");
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
    if quick {
        println!("quick smoke run: too short to judge the targets");
    }
    // Multi-thread runtime with one worker per core, like the server binary's #[tokio::main].
    tokio::runtime::Runtime::new()?.block_on(run(batches, rounds))
}
