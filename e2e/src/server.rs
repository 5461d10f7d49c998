//! A real attend-server in this process, on a temporary database, and what it stored.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;

use attend_server::app::Stores;
use attend_server::db::{DepartmentFilter, Scope, all_pages};
use attend_server::demo::DemoSeed;
use attend_server::features::devices::{EventFilter, StoredEvent};
use attend_server::{Application, Settings};
use tokio::sync::oneshot;

/// A running server: its address and stores, stopped by [`Server::stop`].
pub struct Server {
    pub addr: SocketAddr,
    pub stores: Stores,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// A server on `db` listening on `listen` (port 0 for any), with the default settings.
pub async fn start_server(db: &Path, listen: SocketAddr) -> Server {
    start_server_with(db, listen, |_| {}).await
}

/// [`start_server`] with the settings changed by `tweak` first.
pub async fn start_server_with(
    db: &Path,
    listen: SocketAddr,
    tweak: impl FnOnce(&mut Settings),
) -> Server {
    let mut settings = Settings {
        listen,
        database: db.to_owned().into(),
        ..Settings::default()
    };
    tweak(&mut settings);
    let app = Application::build(settings, true)
        .await
        .expect("server builds");
    let (addr, stores) = (app.local_addr(), app.stores());
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(app.run_with_shutdown(async move {
        let _ = stopped.await;
    }));
    Server {
        addr,
        stores,
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
pub async fn demo_server() -> (tempfile::TempDir, Server, DemoSeed) {
    demo_server_with(|_| {}).await
}

/// [`demo_server`] with the settings changed by `tweak` first.
pub async fn demo_server_with(
    tweak: impl FnOnce(&mut Settings),
) -> (tempfile::TempDir, Server, DemoSeed) {
    let dir = tempfile::tempdir().expect("dir");
    let server = start_server_with(
        &dir.path().join("attend.db"),
        "127.0.0.1:0".parse().expect("addr"),
        tweak,
    )
    .await;
    let seed = attend_server::demo::seed(&server.stores)
        .await
        .expect("seed")
        .expect("empty database");
    (dir, server, seed)
}

/// Every stored event of `kind` (e.g. `punch`), oldest first, over all pages.
pub async fn events(stores: &Stores, kind: &str) -> Vec<StoredEvent> {
    let filter = EventFilter {
        kind: Some(kind.into()),
        ..EventFilter::default()
    };
    all_pages(async |page| {
        stores
            .devices
            .list_events(Scope::All, &DepartmentFilter::Any, &filter, &page)
            .await
    })
    .await
    .expect("events listed")
}

/// Punch events stored by the server, and whether any event id is stored twice.
pub async fn punches(stores: &Stores) -> (usize, bool) {
    let all = events(stores, "punch").await;
    let distinct: HashSet<_> = all.iter().map(|e| e.event_id).collect();
    (all.len(), distinct.len() != all.len())
}
