//! A real attend-server and a real attendd sync worker, each on its own temporary database:
//! provisioning, punches reaching the server, the roster reaching the kiosk, and events queued
//! while the server is down arriving exactly once after it comes back.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use attend_device::outbox::{EventDraft, Outbox, SyncConfig};
use attend_device::roster::{RosterCache, TemplateKey};
use attend_device::sync::{SyncClient, SyncStatus, SyncWorker, client};
use attend_protocol::events::{EventBody, Punch, PunchMethod, PunchType, Versions};
use attend_protocol::ids::EmployeeId;
use attend_server::storage::{DepartmentFilter, EventFilter, Page, Scope, SharedStore};
use attend_server::{Application, Settings};
use tokio::sync::{Notify, oneshot, watch};

struct Server {
    addr: SocketAddr,
    store: SharedStore,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn start_server(db: &std::path::Path, listen: SocketAddr) -> Server {
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
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.done.await;
    }
}

/// Punch events stored by the server, and whether any event id is stored twice.
async fn punches(store: &SharedStore) -> (usize, bool) {
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
async fn eventually<F: AsyncFnMut() -> bool>(what: &str, mut check: F) {
    for _ in 0..600 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

fn punch(employee: EmployeeId) -> EventDraft {
    EventDraft::new(
        jiff::Timestamp::now(),
        EventBody::Punch(Punch {
            employee_id: employee,
            punch_type: PunchType::In,
            method: PunchMethod::Pin,
            score: None,
            threshold: None,
            model_id: None,
        }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_queued_while_the_server_is_down_arrive_exactly_once() {
    let server_dir = tempfile::tempdir().expect("dir");
    let kiosk_dir = tempfile::tempdir().expect("dir");
    let server_db = server_dir.path().join("attend.db");
    let server = start_server(&server_db, "127.0.0.1:0".parse().expect("addr")).await;
    let seed = attend_server::demo::seed(&server.store)
        .await
        .expect("seed")
        .expect("empty database");
    let employees = server
        .store
        .list_employees(Scope::All, &DepartmentFilter::Any, &Page::default())
        .await
        .expect("employees");
    let ana = employees.items[0].id;

    // Provision exactly as `attendd provision` does.
    let base = format!("http://{}", server.addr);
    let creds = client::provision(&base, &seed.provisioning_code, "test")
        .await
        .expect("provisioned");
    let state_db = kiosk_dir.path().join("state.db");
    let outbox = Arc::new(Mutex::new(Outbox::open(&state_db).expect("outbox")));
    let key = TemplateKey::load_or_create(&kiosk_dir.path().join("template.key")).expect("key");
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
    let (status_tx, mut status) = watch::channel(SyncStatus::default());
    let (stop_worker, worker_stopped) = oneshot::channel::<()>();
    let worker_task = tokio::spawn(worker.run(status_tx, async move {
        let _ = worker_stopped.await;
    }));

    // Online: punches go out and the roster comes in.
    for _ in 0..3 {
        outbox
            .lock()
            .expect("lock")
            .enqueue(&punch(ana))
            .expect("enqueue");
        wake.notify_one();
    }
    eventually("3 punches reach the server", async || {
        punches(&server.store).await.0 == 3
    })
    .await;
    eventually("the roster reaches the kiosk", async || {
        roster.lock().expect("lock").employee_count().unwrap_or(0) == 4
    })
    .await;
    assert!(
        roster
            .lock()
            .expect("lock")
            .employee_by_number("1001")
            .expect("query")
            .is_some()
    );

    // Offline: the server goes away; punches queue locally.
    let addr = server.addr;
    server.stop().await;
    for _ in 0..5 {
        outbox
            .lock()
            .expect("lock")
            .enqueue(&punch(ana))
            .expect("enqueue");
        wake.notify_one();
    }
    eventually("the kiosk notices it is offline", async || {
        let s = status.borrow_and_update().clone();
        s.online == Some(false) && s.queue_depth >= 5
    })
    .await;

    // Back online on the same database and address: everything arrives, exactly once.
    let server = start_server(&server_db, addr).await;
    eventually("all 8 punches reach the server", async || {
        punches(&server.store).await.0 == 8
    })
    .await;
    eventually("the outbox drains", async || {
        outbox.lock().expect("lock").depth().unwrap_or(1) == 0
    })
    .await;
    let (total, duplicated) = punches(&server.store).await;
    assert_eq!(total, 8);
    assert!(!duplicated, "an event was stored twice");
    assert_eq!(status.borrow().online, Some(true));

    let _ = stop_worker.send(());
    let _ = worker_task.await;
    server.stop().await;
}
