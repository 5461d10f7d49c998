//! `attendd`: provision the kiosk once, then run it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use attend_device::config::Config;
use attend_device::outbox::Outbox;
use attend_device::roster::{RosterCache, TemplateKey};
use attend_device::sync::{Credentials, SyncClient, SyncStatus, SyncWorker, client};
use attend_protocol::events::Versions;
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "attendd", version, about = "Attend kiosk daemon")]
struct Cli {
    /// TOML config file (values can be overridden by ATTENDD_* variables).
    #[arg(long, global = true, env = "ATTENDD_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Exchange a one-time provisioning code for this kiosk's credentials.
    Provision {
        #[arg(long)]
        server: String,
        #[arg(long)]
        code: String,
    },
    /// Run the kiosk. Today: the offline outbox and the sync worker (hardware, recognition
    /// and the kiosk screen are not built yet).
    Run,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref())
        .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    std::fs::create_dir_all(&config.state_dir)
        .with_context(|| format!("creating state directory {}", config.state_dir.display()))?;
    match cli.command {
        Command::Provision { server, code } => {
            let creds = client::provision(&server, &code, env!("CARGO_PKG_VERSION"))
                .await
                .context("provisioning failed")?;
            creds.save(&config.credentials_path())?;
            println!(
                "provisioned as device {} of {}",
                creds.device_id, creds.server
            );
            Ok(())
        }
        Command::Run => run(config).await,
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    let creds = Credentials::load(&config.credentials_path())?;
    let outbox = Arc::new(Mutex::new(Outbox::open(&config.state_db())?));
    let key = TemplateKey::load_or_create(&config.template_key())?;
    let roster = Arc::new(Mutex::new(RosterCache::open(&config.state_db(), key)?));
    let worker = SyncWorker {
        outbox,
        roster,
        client: Arc::new(SyncClient::new(creds)?),
        config: config.sync_config(),
        heartbeat_every: config.heartbeat_every(),
        wake: Arc::new(tokio::sync::Notify::new()),
        versions: Versions {
            attendd: env!("CARGO_PKG_VERSION").into(),
            vision: None,
            models: vec![],
            os: None,
        },
    };
    let (status_tx, mut status) = tokio::sync::watch::channel(SyncStatus::default());
    tokio::spawn(async move {
        while status.changed().await.is_ok() {
            let s = status.borrow_and_update().clone();
            tracing::info!(online = ?s.online, queue_depth = s.queue_depth, clock_offset_ms = ?s.clock_offset_ms, "sync status");
        }
    });
    tracing::info!(state_dir = %config.state_dir.display(), "attendd running");
    worker
        .run(status_tx, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    tracing::info!("attendd stopped");
    Ok(())
}
