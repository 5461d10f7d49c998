//! Building and running the server: `Application::build(settings, migrate)` opens the database, wires
//! every feature's service to its store, binds the listener (port 0 works;
//! [`Application::port`] tells the real one), and [`Application::run_with_shutdown`] serves until
//! a shutdown future resolves, then drains background work ([`Application::run_until_stopped`]
//! uses Ctrl-C / SIGTERM as that future; [`Application::run_with`] also takes the mail sender).
//! Mail goes out through SMTP when `[mail]` is set, else to the log (said once at start).
//!
//! - [`stores`]: [`Stores`], every feature's store on one backend.
//! - [`state`]: [`AppState`], the services every handler and page reaches, built on them.
//! - [`router`]: every route of the server and the middleware stack.
//! - [`serve`]: the accept loop, with hyper's header-read timeout.
//! - [`ops`]: the liveness and readiness probes.
//!
//! Features and the dashboard shell name [`state::AppState`] by its own path, never this module,
//! so the composition root (this module and [`router`]) sits above every feature and no import
//! runs in a circle (a test in `tests/api/architecture.rs` holds that).

pub mod ops;
pub mod router;
pub mod serve;
pub mod state;
pub mod stores;

pub use state::AppState;
pub use stores::Stores;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::config::Settings;
use crate::db::sql::SqlDb;
use crate::features::notifications::mail::{LoggingSender, MailSender, RetryPolicy};
use crate::features::notifications::smtp::SmtpSender;

pub struct Application {
    listener: TcpListener,
    db: SqlDb,
    state: AppState,
    stores: Stores,
    /// The configured sender, and the longest one of its sends may take.
    mailer: (Arc<dyn MailSender>, Duration),
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// The sender `[mail]` asks for; its mistakes are refused at start, by setting name.
fn mailer(settings: &Settings) -> anyhow::Result<(Arc<dyn MailSender>, Duration)> {
    let Some(mail) = &settings.mail else {
        tracing::warn!("no [mail] settings: mail is queued and written to the log, not sent");
        return Ok((Arc::new(LoggingSender), Duration::from_secs(1)));
    };
    let smtp = SmtpSender::new(mail).context("the [mail] settings")?;
    tracing::info!(host = %mail.host, port = ?mail.port, tls = ?mail.tls, "mail goes out over SMTP");
    let timeout = smtp.timeout();
    Ok((Arc::new(smtp), timeout))
}

impl Application {
    /// Opens the database (migrating first when `migrate` is set) and binds the listener.
    pub async fn build(settings: Settings, migrate: bool) -> anyhow::Result<Self> {
        settings.check_instances().map_err(anyhow::Error::msg)?;
        let db = SqlDb::open(
            &settings.database,
            settings.synchronous,
            settings.database_pool,
            migrate,
        )
        .await?;
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("binding {}", settings.listen))?;
        let mailer = mailer(&settings)?;
        let stores = Stores::on(&db);
        let state = AppState::build(&stores, settings).await?;
        Ok(Self {
            listener,
            db,
            state,
            stores,
            mailer,
        })
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The services (what tests and benchmarks drive directly).
    pub fn app_state(&self) -> AppState {
        self.state.clone()
    }

    /// Every feature's store (for set-up no service offers: tests, the demo seed).
    pub fn stores(&self) -> Stores {
        self.stores.clone()
    }

    /// Serves until Ctrl-C / SIGTERM.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_with_shutdown(shutdown_signal()).await
    }

    /// Serves until `shutdown` resolves, sending mail as `[mail]` says; in-flight requests
    /// finish first.
    pub async fn run_with_shutdown(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let mailer = self.mailer.0.clone();
        self.run_with(shutdown, mailer).await
    }

    /// Serves until `shutdown` resolves, delivering mail through `mailer` (tests pass a sender
    /// that records what it sends).
    pub async fn run_with(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
        mailer: Arc<dyn MailSender>,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let policy = RetryPolicy::new(&self.state.settings.notifications, self.mailer.1);
        let mail = tokio::spawn(crate::features::notifications::mail::run_worker(
            self.state.outbox.clone(),
            mailer,
            policy,
            stop_rx.clone(),
        ));
        let notify = tokio::spawn(self.state.notifications.clone().run_worker(stop_rx.clone()));
        if let Some(pool) = self.db.postgres_pool() {
            // Live notices reach the boards of every instance on this database.
            let live = self.state.live.clone();
            let deliver: crate::db::postgres::notify::Deliver =
                Arc::new(move |text| live.from_peer(text));
            let peers = crate::db::postgres::notify::spawn(pool.clone(), deliver, stop_rx.clone());
            self.state.live.relay_through(peers);
        }
        let limiter = self.state.limits.limiter.clone();
        let (prune, schedule) = (self.stores.prune.clone(), self.stores.schedule.clone());
        let stop_rx_for_watchdog = stop_rx.clone();
        let mut sweep_stop = stop_rx;
        // Every minute the limiter reloads blocks; every hour (on one instance of however many
        // share the database) expired bookkeeping rows go.
        let sweeper = tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_mins(1)) => limiter.refresh().await,
                    _ = sweep_stop.changed() => return,
                }
                let now = jiff::Timestamp::now();
                let next = now + jiff::SignedDuration::from_hours(1);
                if schedule
                    .claim_period("housekeeping", now, next)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!(error = %e, "claiming housekeeping failed");
                        false
                    })
                {
                    let grace = jiff::SignedDuration::from_hours(24);
                    match prune.prune(now, grace).await {
                        Ok(gone) => tracing::debug!(gone, "expired bookkeeping rows pruned"),
                        Err(e) => tracing::warn!(error = %e, "pruning failed"),
                    }
                }
            }
        });
        tracing::info!(addr = %self.local_addr(), "attend-server listening");
        // systemd (Type=notify): the listener is bound, so we are ready; ping the watchdog from
        // the runtime so a wedged server gets restarted.
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);
        let watchdog = sd_notify::watchdog_enabled().map(|every| {
            let mut stop = stop_rx_for_watchdog.clone();
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        () = tokio::time::sleep(every / 2) => { let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]); }
                        _ = stop.changed() => return,
                    }
                }
            })
        });
        let live = self.state.live.clone();
        let shutdown = async move {
            shutdown.await;
            live.stop();
        };
        let header_timeout = Duration::from_secs(self.state.settings.http.header_read_timeout_s);
        serve::serve(
            self.listener,
            router::router(self.state),
            header_timeout,
            shutdown,
        )
        .await;
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
        let _ = stop_tx.send(true);
        let _ = tokio::join!(mail, sweeper, notify);
        if let Some(w) = watchdog {
            let _ = w.await;
        }
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
