//! A provisioned attendd without hardware: its outbox, roster cache and running sync worker,
//! talking to a [`Server`](crate::Server).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use attend_device::outbox::Outbox;
use attend_device::roster::{RosterCache, TemplateKey};
use attend_device::sync::{SyncClient, SyncConfig, SyncStatus, SyncWorker, client};
use attend_protocol::events::Versions;
use tokio::sync::{Notify, oneshot, watch};

use crate::Server;

/// A provisioned attendd: its outbox, roster cache and running sync worker.
#[derive(Debug)]
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
