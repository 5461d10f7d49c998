//! Ingest benchmark, on SQLite and on PostgreSQL in one run: signed batches of 500 punches
//! through the real HTTP API, against the same rows inserted directly by the server's own
//! set-based statement (`insert_events_sql`), one transaction per 500 rows, with durability on
//! both sides (SQLite `synchronous = FULL`; PostgreSQL's defaults, `fsync` and
//! `synchronous_commit = on`). On PostgreSQL, `COPY` of the same rows is a ceiling for
//! reference, and a run through two server instances on the one database checks that it works
//! (throughput on a 2-core machine says little). It prints numbers and whether the targets
//! (API ≥ 20,000 events/s and ≥ 50% of direct) were met; it never asserts on timings.
//! `ATTEND_BENCH_QUICK=1` runs a few batches for CI; `ATTEND_BENCH_BATCHES=n` sets the batches
//! per round; `ATTEND_BENCH_BACKENDS=sqlite` or `postgres` runs one;
//! `ATTEND_BENCH_SQLITE_SYNCHRONOUS=normal` runs SQLite as the server does by default.
//!
//! - `kiosk`: provisioned devices pushing signed batches over HTTP.
//! - `direct`: the references, without the server.

#[path = "ingest/direct.rs"]
mod direct;
#[path = "ingest/kiosk.rs"]
mod kiosk;

use std::time::Instant;

use anyhow::{Context as _, ensure};
use attend_protocol::events::Event;
use attend_protocol::ids::EmployeeId;
use attend_server::app::Stores;
use attend_server::db::location::Database;
use attend_server::db::sqlite::Synchronous;
use attend_server::db::{DepartmentFilter, Page, Scope};
use attend_server::{Application, Settings, demo};
use attend_testkit::postgres::Cluster;

use kiosk::{Kiosk, bodies, median, rate, second_device_code};

const BATCH: usize = 500;
const EVENTS_PATH: &str = "/api/v1/device/events";
const TARGET_RATE: f64 = 20_000.0;
const TARGET_RATIO: f64 = 0.5;

/// A server on `database`, serving until the returned sender is dropped or fired.
async fn serve(
    database: Database,
    synchronous: Synchronous,
) -> anyhow::Result<(
    String,
    Stores,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
)> {
    let mut settings = Settings {
        listen: "127.0.0.1:0".parse()?,
        database,
        synchronous,
        ..Settings::default()
    };
    // The default 100 requests/min per device would throttle the benchmark after 100 batches.
    settings.rate_limit.per_minute = 1_000_000;
    settings.rate_limit.sync_per_minute = 1_000_000;
    let app = Application::build(settings, true).await?;
    let base = format!("http://{}", app.local_addr());
    let stores = app.stores();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_with_shutdown(async move {
        let _ = stopped.await;
    }));
    Ok((base, stores, stop, server))
}

/// The demo seed on a fresh server, and two kiosks of it: the employees and the kiosks.
async fn seeded(base: &str, stores: &Stores) -> anyhow::Result<(Vec<EmployeeId>, Kiosk, Kiosk)> {
    let seed = demo::seed(stores).await?.context("database not empty")?;
    let code2 = second_device_code(stores).await?;
    let employees = employees(stores).await?;
    let k1 = Kiosk::provision(base, &seed.provisioning_code).await?;
    let k2 = Kiosk::provision(base, &code2).await?;
    Ok((employees, k1, k2))
}

async fn employees(stores: &Stores) -> anyhow::Result<Vec<EmployeeId>> {
    let (any, page) = (DepartmentFilter::Any, Page::default());
    let people = stores
        .people
        .list_employees(Scope::All, &any, &page)
        .await?;
    let ids: Vec<EmployeeId> = people.items.iter().map(|e| e.id).collect();
    ensure!(!ids.is_empty(), "the demo seed created no employees");
    Ok(ids)
}

/// The API's rounds: one kiosk sending batch after batch, as many events a round as the
/// references stored; the medians damp one-off stalls.
async fn api_rounds(
    kiosk: &Kiosk,
    warm: &[Event],
    timed: &[Event],
    events: usize,
) -> anyhow::Result<f64> {
    kiosk.push_all(bodies(warm)?).await?;
    let mut rates = Vec::new();
    for (i, round) in (1..).zip(timed.chunks(events)) {
        let api = rate(events, kiosk.push_all(bodies(round)?).await?);
        println!("  api round {i}: {api:.0} events/s ({events} events)");
        rates.push(api);
    }
    Ok(median(rates))
}

/// Two kiosks at once (half the batches each), through `base_1` and `base_2`: events/s.
async fn concurrent(
    k1: &mut Kiosk,
    k2: &mut Kiosk,
    employees: &[EmployeeId],
    batches: usize,
) -> anyhow::Result<f64> {
    let half = batches.div_ceil(2);
    let b1 = bodies(&k1.punches(employees, half * BATCH))?;
    let b2 = bodies(&k2.punches(employees, half * BATCH))?;
    let start = Instant::now();
    tokio::try_join!(k1.push_all(b1), k2.push_all(b2))?;
    Ok(rate(2 * half * BATCH, start.elapsed()))
}

fn report(backend: &str, api: f64, direct: f64, rounds: usize, events: usize) {
    let ratio = api / direct;
    let verdict = |met| if met { "met" } else { "NOT met" };
    println!(
        "{backend} api_ingest (1 device, sequential): {api:.0} events/s (median of {rounds} x {events})"
    );
    println!(
        "{backend} direct (the same statement): {direct:.0} events/s (median of {rounds} x {events})"
    );
    println!("{backend} ratio (api / direct): {ratio:.2}");
    println!(
        "{backend} target api>={TARGET_RATE:.0}: {}; target ratio>={TARGET_RATIO}: {}",
        verdict(api >= TARGET_RATE),
        verdict(ratio >= TARGET_RATIO)
    );
}

async fn sqlite(batches: usize, rounds: usize) -> anyhow::Result<()> {
    // FULL: durable across a power cut, as PostgreSQL's synchronous_commit; NORMAL (the
    // server's default) only across a crash of the process.
    let full = std::env::var("ATTEND_BENCH_SQLITE_SYNCHRONOUS").map_or(true, |v| v != "normal");
    let (synchronous, pragma) = if full {
        (Synchronous::Full, "FULL")
    } else {
        (Synchronous::Normal, "NORMAL")
    };
    println!("SQLite (WAL, synchronous = {pragma} on both sides)");
    let dir = tempfile::tempdir()?;
    let (base, stores, stop, server) = serve(dir.path().join("api.db").into(), synchronous).await?;
    let (employees, mut k1, mut k2) = seeded(&base, &stores).await?;
    let events = batches * BATCH;
    let all = k1.punches(&employees, (rounds * batches + 1) * BATCH);
    let (warm, timed) = all.split_at(BATCH);

    // The reference first, its connection closed before any API traffic: bundled SQLite shares
    // one page-cache LRU across the process, and run after the API rounds it missed its own hot
    // pages and ran ~35% slower.
    let mut db = direct::open_sqlite(&dir.path().join("direct.db"), pragma)?;
    direct::insert_sqlite(&mut db, &direct::batches(&k1, warm)?)?;
    let mut rates = Vec::new();
    for (i, round) in (1..).zip(timed.chunks(events)) {
        let rows = direct::batches(&k1, round)?;
        let r = tokio::task::block_in_place(|| direct::insert_sqlite(&mut db, &rows))?;
        println!("  direct round {i}: {r:.0} events/s ({events} events)");
        rates.push(r);
    }
    drop(db);
    let api = api_rounds(&k1, warm, timed, events).await?;
    let both = concurrent(&mut k1, &mut k2, &employees, batches).await?;
    let _ = stop.send(());
    server.await??;
    report("sqlite", api, median(rates), rounds, events);
    println!("sqlite api_ingest (2 devices, concurrent, one server): {both:.0} events/s");
    Ok(())
}

async fn postgres(batches: usize, rounds: usize) -> anyhow::Result<()> {
    println!("PostgreSQL 15 (fsync and synchronous_commit on)");
    let cluster = tokio::task::spawn_blocking(Cluster::start_durable).await?;
    for db in ["attend_api", "attend_direct"] {
        let made = cluster.client("createdb", &[db]);
        ensure!(made.status.success(), "createdb {db}");
    }
    let url = cluster.url("attend_api");
    let (base, stores, stop, server) = serve(
        Database::try_from(url.clone()).map_err(anyhow::Error::msg)?,
        Synchronous::Full,
    )
    .await?;
    let (employees, mut k1, mut k2) = seeded(&base, &stores).await?;
    let events = batches * BATCH;
    let all = k1.punches(&employees, (rounds * batches + 1) * BATCH);
    let (warm, timed) = all.split_at(BATCH);

    let direct_url = cluster.url("attend_direct");
    let direct_db = Database::try_from(direct_url.clone()).map_err(anyhow::Error::msg)?;
    let Database::Postgres(pg) = &direct_db else {
        anyhow::bail!("not PostgreSQL")
    };
    attend_server::db::postgres::migrate(pg).await?;
    let mut client = attend_server::db::postgres::connect(pg).await?;
    direct::insert_postgres(&mut client, &direct::batches(&k1, warm)?).await?;
    let (mut rates, mut copies) = (Vec::new(), Vec::new());
    for (i, round) in (1..).zip(timed.chunks(events)) {
        // The same rows twice would be duplicates: COPY gets the round's rows re-keyed.
        let rows = direct::batches(&k1, round)?;
        let r = direct::insert_postgres(&mut client, &rows).await?;
        let fresh = k2.punches(&employees, events);
        let copy_rows = direct::batches(&k1, &fresh)?;
        let c = direct::copy_postgres(&mut client, &copy_rows).await?;
        println!("  direct round {i}: {r:.0} events/s; COPY {c:.0} events/s ({events} events)");
        rates.push(r);
        copies.push(c);
    }
    let api = api_rounds(&k1, warm, timed, events).await?;
    let one_server = concurrent(&mut k1, &mut k2, &employees, batches).await?;

    // A second instance on the same database; the second kiosk pushes through it.
    let (base2, _stores2, stop2, server2) = serve(
        Database::try_from(url).map_err(anyhow::Error::msg)?,
        Synchronous::Full,
    )
    .await?;
    let code3 = second_device_code(&stores).await?;
    let mut k3 = Kiosk::provision(&base2, &code3).await?;
    let two_servers = concurrent(&mut k1, &mut k3, &employees, batches).await?;
    let _ = (stop.send(()), stop2.send(()));
    server.await??;
    server2.await??;
    report("postgres", api, median(rates), rounds, events);
    println!("postgres COPY ceiling: {:.0} events/s", median(copies));
    println!("postgres api_ingest (2 devices, concurrent, one server): {one_server:.0} events/s");
    println!(
        "postgres api_ingest (2 devices, concurrent, two servers on one database): {two_servers:.0} events/s"
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
    let backends =
        std::env::var("ATTEND_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    println!(
        "ingest bench: {rounds} round(s) of {batches} batches of {BATCH} events on {backends}"
    );
    if quick {
        println!("quick smoke run: too short to judge the targets");
    }
    // Multi-thread runtime with one worker per core, like the server binary's #[tokio::main].
    let rt = tokio::runtime::Runtime::new()?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    for backend in backends.split(',') {
        match backend.trim() {
            "sqlite" => rt.block_on(sqlite(batches, rounds))?,
            "postgres" => rt.block_on(postgres(batches, rounds))?,
            other => anyhow::bail!("ATTEND_BENCH_BACKENDS: unknown backend {other}"),
        }
    }
    Ok(())
}
