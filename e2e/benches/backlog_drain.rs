//! Backlog drain (a measurement, not a test): a kiosk that was offline holds 100,000 committed
//! punches in its outbox; the real sync worker drains them to a real attend-server on this
//! machine (signed HTTP batches of 500, acks applied to the outbox). The reference, measured in
//! the same run, is the server's store ingesting the same number of events directly (no HTTP,
//! no kiosk): the ratio says how much of the server's ceiling the kiosk's sync path reaches.
//!
//! `cargo bench -p attend-e2e --bench backlog_drain`; `ATTEND_BENCH_EVENTS=n` sets the
//! backlog. Prints numbers and never fails on them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use attend_device::outbox::{EventDraft, Outbox};
use attend_device::roster::{RosterCache, TemplateKey};
use attend_device::sync::{SyncClient, SyncConfig, SyncStatus, SyncWorker, client};
use attend_e2e::{demo_server, pin_punch};
use attend_protocol::events::{Event, Versions};
use attend_protocol::ids::{EmployeeId, EventId};
use attend_server::app::Stores;
use attend_server::db::{DepartmentFilter, Page, Scope};
use attend_server::features::devices::ReceivedEvent;
use attend_server::features::devices::store::NonceUse;
use tokio::sync::{Notify, oneshot, watch};

const BATCH: usize = 500;
/// The target for the ratio is informal; this is the level we hold ourselves to.
const TARGET_RATIO: f64 = 0.25;

async fn employees(stores: &Stores) -> Vec<EmployeeId> {
    let page = stores
        .people
        .list_employees(Scope::All, &DepartmentFilter::Any, &Page::default())
        .await;
    page.expect("employees")
        .items
        .iter()
        .map(|e| e.id)
        .collect()
}

/// Times the kiosk's path: outbox → signed HTTP batches → acks applied, until the queue is empty.
async fn drain(n: usize) -> (Duration, Duration) {
    let (_dir, server, seed) = demo_server().await;
    let people = employees(&server.stores).await;
    let kiosk = tempfile::tempdir().expect("dir");
    let creds = client::provision(
        &format!("http://{}", server.addr),
        &seed.provisioning_code,
        "bench",
        false,
    )
    .await
    .expect("provisioned");
    let state = kiosk.path().join("state.db");
    let mut outbox = Outbox::open(&state).expect("outbox");
    let start = Instant::now();
    for i in 0..n {
        let draft = EventDraft::new(jiff::Timestamp::now(), pin_punch(people[i % people.len()]));
        outbox.enqueue(&draft).expect("enqueue");
    }
    let enqueue = start.elapsed();
    let outbox = Arc::new(Mutex::new(outbox));
    let key = TemplateKey::load_or_create(&kiosk.path().join("template.key")).expect("key");
    let worker = SyncWorker {
        outbox: outbox.clone(),
        roster: Arc::new(Mutex::new(RosterCache::open(&state, key).expect("roster"))),
        client: Arc::new(SyncClient::new(creds).expect("client")),
        config: SyncConfig {
            idle_poll_ms: 100,
            ..SyncConfig::default()
        },
        heartbeat_every: Duration::from_hours(1),
        wake: Arc::new(Notify::new()),
        versions: Versions {
            attendd: "bench".into(),
            vision: None,
            models: vec![],
            os: None,
        },
    };
    let (status_tx, _status) = watch::channel(SyncStatus::default());
    let (stop, stopped) = oneshot::channel::<()>();
    let start = Instant::now();
    let task = tokio::spawn(worker.run(status_tx, async move {
        let _ = stopped.await;
    }));
    while outbox.lock().expect("lock").depth().expect("depth") > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let drained = start.elapsed();
    let _ = stop.send(());
    let _ = task.await;
    server.stop().await;
    (enqueue, drained)
}

/// The reference: the same number of events straight into the server's store.
async fn direct_ingest(n: usize) -> Duration {
    let (_dir, server, seed) = demo_server().await;
    let people = employees(&server.stores).await;
    let creds = client::provision(
        &format!("http://{}", server.addr),
        &seed.provisioning_code,
        "bench",
        false,
    )
    .await
    .expect("provisioned");
    let nonce = |i: usize| NonceUse {
        nonce: format!("direct-ingest-batch-{i:08}"),
        ip: None,
        at: jiff::Timestamp::now(),
        window_s: 300,
    };
    let device = server
        .stores
        .devices
        .signer(creds.device_id, &nonce(0))
        .await
        .expect("auth")
        .expect("device")
        .device;
    let events: Vec<ReceivedEvent> = (0..n)
        .map(|i| {
            let event = Event {
                event_id: EventId(uuid::Uuid::now_v7()),
                seq: i as u64 + 1,
                captured_at: jiff::Timestamp::now(),
                clock_suspect: false,
                body: pin_punch(people[i % people.len()]),
            };
            let raw = serde_json::to_string(&event).expect("json");
            ReceivedEvent { event, raw }
        })
        .collect();
    let start = Instant::now();
    // Each batch spends a nonce in its transaction, as a signed push does.
    for (i, batch) in events.chunks(BATCH).enumerate() {
        let acks = server
            .stores
            .devices
            .ingest(
                &device,
                &nonce(i),
                batch.to_vec(),
                jiff::SignedDuration::from_mins(5),
            )
            .await
            .expect("ingest")
            .expect("a fresh nonce");
        assert_eq!(acks.len(), batch.len());
    }
    let took = start.elapsed();
    server.stop().await;
    took
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let n: usize = std::env::var("ATTEND_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let (enqueue, drained) = drain(n).await;
    let reference = direct_ingest(n).await;
    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    let ratio = rate(drained) / rate(reference);
    println!("backlog of {n} punches, batches of {BATCH}");
    println!(
        "  enqueue (one committed transaction each): {:.1} s, {:.0} events/s",
        enqueue.as_secs_f64(),
        rate(enqueue)
    );
    println!(
        "  kiosk drain over HTTP:                    {:.1} s, {:.0} events/s",
        drained.as_secs_f64(),
        rate(drained)
    );
    println!(
        "  reference, server store ingest directly:  {:.1} s, {:.0} events/s",
        reference.as_secs_f64(),
        rate(reference)
    );
    println!(
        "  ratio {ratio:.2} (target ≥ {TARGET_RATIO}): {}",
        if ratio >= TARGET_RATIO {
            "met"
        } else {
            "NOT met"
        }
    );
}
