//! attendd beside a [`Server`](crate::Server): a provisioned sync worker without hardware, or the
//! whole daemon running in the background; and the punch the tests queue.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use attend_device::daemon::Daemon;
use attend_device::outbox::Outbox;
use attend_device::roster::{RosterCache, TemplateKey};
use attend_device::sync::{SyncClient, SyncConfig, SyncStatus, SyncWorker, client};
use attend_protocol::events::{EventBody, Punch, PunchMethod, PunchType, Versions};
use attend_protocol::ids::EmployeeId;
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
        Self::provision_at(&format!("http://{}", server.addr), code).await
    }

    /// A kiosk of the server at `base` (`http://host:port`: a load balancer, say).
    pub async fn provision_at(base: &str, code: &str) -> Kiosk {
        let dir = tempfile::tempdir().expect("dir");
        let creds = client::provision(base, code, "test", false)
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

    /// Employees in the kiosk's roster cache (0 until the first pull lands).
    pub fn employee_count(&self) -> usize {
        self.roster
            .lock()
            .expect("lock")
            .employee_count()
            .unwrap_or(0)
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// A whole attendd ([`Daemon`]) running in the background until [`RunningDaemon::stop`].
#[derive(Debug)]
pub struct RunningDaemon {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningDaemon {
    pub fn start(daemon: Daemon) -> RunningDaemon {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(daemon.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        RunningDaemon { stop, task }
    }

    /// Asks the daemon to stop and checks that it stops cleanly, within a bound.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("daemon stops")
            .expect("joins")
            .expect("clean stop");
    }
}

/// A PIN clock-in by `employee`, the event the sync tests queue.
pub fn pin_punch(employee: EmployeeId) -> EventBody {
    EventBody::Punch(Punch {
        employee_id: employee,
        punch_type: PunchType::In,
        method: PunchMethod::Pin,
        score: None,
        threshold: None,
        model_id: None,
        liveness: None,
    })
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
