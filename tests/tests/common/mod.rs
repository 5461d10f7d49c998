//! Shared pieces of the end-to-end tests: a real server on a temporary database, a real
//! attendd (outbox, roster cache, sync worker) on its own, and a bounded wait.

#![allow(dead_code)] // each test binary uses a different subset

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use attend_device::outbox::{Outbox, SyncConfig};
use attend_device::roster::{RosterCache, TemplateKey};
use attend_device::sync::{SyncClient, SyncStatus, SyncWorker, client};
use attend_protocol::events::Versions;
use attend_server::storage::{DepartmentFilter, EventFilter, Page, Scope, SharedStore};
use attend_server::{Application, Settings};
use tokio::sync::{Notify, oneshot, watch};

pub struct Server {
    pub addr: SocketAddr,
    pub store: SharedStore,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<anyhow::Result<()>>,
}

pub async fn start_server(db: &std::path::Path, listen: SocketAddr) -> Server {
    let settings = Settings {
        listen,
        database: db.to_owned(),
        ..Settings::default()
    };
    let app = Application::build(settings, true)
        .await
        .expect("server builds");
    let (addr, store) = (app.local_addr(), app.store());
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(app.run_with_shutdown(async move {
        let _ = stopped.await;
    }));
    Server {
        addr,
        store,
        stop,
        done,
    }
}

impl Server {
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.done.await;
    }
}

/// A seeded demo server on port 0 with its own temporary database (kept alive by the `TempDir`).
pub async fn demo_server() -> (tempfile::TempDir, Server, attend_server::demo::DemoSeed) {
    let dir = tempfile::tempdir().expect("dir");
    let server = start_server(
        &dir.path().join("attend.db"),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await;
    let seed = attend_server::demo::seed(&server.store)
        .await
        .expect("seed")
        .expect("empty database");
    (dir, server, seed)
}

/// Punch events stored by the server, and whether any event id is stored twice.
pub async fn punches(store: &SharedStore) -> (usize, bool) {
    let filter = EventFilter {
        kind: Some("punch".into()),
        ..EventFilter::default()
    };
    let mut ids = HashSet::new();
    let mut total = 0;
    let mut page = Page {
        limit: 100,
        after: None,
    };
    loop {
        let p = store
            .list_events(Scope::All, &DepartmentFilter::Any, &filter, &page)
            .await
            .expect("list");
        total += p.items.len();
        ids.extend(p.items.iter().map(|e| e.event_id));
        match p.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    (total, ids.len() != total)
}

/// Waits (bounded) until `check` holds; the deadline only guards against a hang.
pub async fn eventually<F: AsyncFnMut() -> bool>(what: &str, mut check: F) {
    for _ in 0..600 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

/// A provisioned attendd: its outbox, roster cache and running sync worker.
pub struct Kiosk {
    pub dir: tempfile::TempDir,
    pub outbox: Arc<Mutex<Outbox>>,
    pub roster: Arc<Mutex<RosterCache>>,
    pub wake: Arc<Notify>,
    pub status: watch::Receiver<SyncStatus>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Kiosk {
    pub async fn provision(server: &Server, code: &str) -> Kiosk {
        let dir = tempfile::tempdir().expect("dir");
        let creds = client::provision(&format!("http://{}", server.addr), code, "test")
            .await
            .expect("provisioned");
        let state_db = dir.path().join("state.db");
        let outbox = Arc::new(Mutex::new(Outbox::open(&state_db).expect("outbox")));
        let key = TemplateKey::load_or_create(&dir.path().join("template.key")).expect("key");
        let roster = Arc::new(Mutex::new(
            RosterCache::open(&state_db, key).expect("roster"),
        ));
        let wake = Arc::new(Notify::new());
        let worker = SyncWorker {
            outbox: outbox.clone(),
            roster: roster.clone(),
            client: Arc::new(SyncClient::new(creds).expect("client")),
            config: SyncConfig {
                base_backoff_ms: 50,
                max_backoff_ms: 200,
                idle_poll_ms: 100,
                roster_interval_ms: 200,
                ..SyncConfig::default()
            },
            heartbeat_every: Duration::from_hours(1),
            wake: wake.clone(),
            versions: Versions {
                attendd: "test".into(),
                vision: None,
                models: vec![],
                os: None,
            },
        };
        let (status_tx, status) = watch::channel(SyncStatus::default());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(worker.run(status_tx, async move {
            let _ = stopped.await;
        }));
        Kiosk {
            dir,
            outbox,
            roster,
            wake,
            status,
            stop,
            task,
        }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// A tiny GET over a raw TCP connection (keeps this crate free of an HTTP client).
pub async fn http_get(url: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let rest = url.strip_prefix("http://").expect("http url");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .expect("screen reachable");
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .expect("request");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("response");
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}
