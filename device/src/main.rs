//! `attendd`: provision the kiosk once, then run it.

use std::path::PathBuf;

use anyhow::Context as _;
use attend_device::config::Config;
use attend_device::daemon::Daemon;
use attend_device::sync::client;
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "attendd", version, about = "Attend kiosk daemon")]
struct Cli {
    /// TOML config file (values can be overridden by ATTENDD_* variables); by default
    /// /etc/attend/attendd.toml when it exists.
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
        /// Accept an `http://` server on another machine (a closed network only: the device
        /// secret and the roster then travel unencrypted).
        #[arg(long)]
        allow_plain_http: bool,
    },
    /// Run the kiosk: camera and recognition, keypad, relays, the outbox and sync, the screen.
    Run,
    /// Capture an employee's face (quality-gated) and queue the templates for a manager to
    /// approve. Uses the camera: run it while `attendd run` is stopped.
    Enroll {
        /// The employee's id (from the server).
        #[arg(long)]
        employee: String,
        /// Good frames to keep.
        #[arg(long, default_value_t = 3)]
        frames: usize,
    },
    /// Install ONNX Runtime and the face models where the configuration says, each checked
    /// against its sha256: copied from `--from DIR`, or downloaded from their official sources.
    Setup {
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// Calibrate the liveness check on site with this kiosk's camera and keypad (stop `attendd
    /// run` first): label attempts from the keypad (1 a live person, 2 a photo or screen held
    /// up, * take the last back, # end); prints one JSON line per attempt, then pass rates per
    /// class and the pass score that keeps live rejections within --frr.
    LivenessTrial {
        /// The pass score to count at (the site's `pass_score`).
        #[arg(long, default_value_t = 0.5)]
        threshold: f32,
        /// The largest share of live attempts the suggested pass score may reject.
        #[arg(long, default_value_t = 0.05)]
        frr: f64,
        /// Scored frames per attempt; by default as many as a face decision at the kiosk
        /// takes (`recognition.frames_needed`), so attempts are scored as faces are.
        #[arg(long)]
        frames: Option<usize>,
        /// Longest an attempt waits for them, in seconds.
        #[arg(long, default_value_t = 10)]
        attempt_s: u64,
    },
    /// Type keys on a running kiosk's socket keypad (demo and tests), e.g. `"1001# 1234#"`.
    SendKeys {
        #[arg(long)]
        socket: PathBuf,
        keys: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The package installs /etc/attend/attendd.toml: used when no other file is named.
    let installed = PathBuf::from("/etc/attend/attendd.toml");
    let file = cli
        .config
        .clone()
        .or_else(|| installed.is_file().then_some(installed));
    let config =
        Config::load(file.as_deref()).map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    std::fs::create_dir_all(&config.state_dir)
        .with_context(|| format!("creating state directory {}", config.state_dir.display()))?;
    match cli.command {
        Command::Provision {
            server,
            code,
            allow_plain_http,
        } => {
            let creds =
                client::provision(&server, &code, env!("CARGO_PKG_VERSION"), allow_plain_http)
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
        Command::Enroll { employee, frames } => enroll(&config, &employee, frames),
        Command::Setup { from } => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let needed = attend_device::setup::plan(&config)?;
            for line in attend_device::setup::run(&needed, from.as_deref(), None).await? {
                println!("{line}");
            }
            Ok(())
        }
        Command::LivenessTrial {
            threshold,
            frr,
            frames,
            attempt_s,
        } => {
            if !(0.0..=1.0).contains(&threshold) || !(0.0..=1.0).contains(&frr) {
                anyhow::bail!("--threshold ({threshold}) and --frr ({frr}) must be from 0 to 1");
            }
            let options = attend_device::trial::TrialOptions {
                rules: attend_device::kiosk::trial::TrialRules {
                    frames: frames
                        .unwrap_or(config.recognition.frames_needed as usize)
                        .max(1),
                    attempt_ms: attempt_s.max(1) * 1_000,
                },
                threshold,
                target_frr: frr,
            };
            attend_device::trial::run_trial(&config, &options, &mut std::io::stdout(), |s| {
                eprintln!("{s}");
            })?;
            Ok(())
        }
        Command::SendKeys { socket, keys } => {
            let n = attend_device::hw::SocketKeypad::send(&socket, &keys)?;
            println!("{n} keys sent");
            Ok(())
        }
    }
}

fn enroll(config: &Config, employee: &str, frames: usize) -> anyhow::Result<()> {
    let employee = employee
        .parse()
        .map_err(|_| anyhow::anyhow!("--employee `{employee}` is not an employee id (a UUID)"))?;
    let seq = attend_device::enroll::enroll_from_config(config, employee, frames, |r| {
        if r.passed() {
            println!(
                "frame accepted (sharpness {:.0}, yaw {:.2})",
                r.sharpness, r.yaw
            );
        } else {
            println!("frame refused: {}", r.problems.join("; "));
        }
    })?;
    println!(
        "enrolment candidate queued (outbox #{seq}); it syncs with the kiosk and waits for a manager's approval"
    );
    Ok(())
}

async fn run(config: Config) -> anyhow::Result<()> {
    let daemon = Daemon::build(config).await?;
    tracing::info!(screen = %daemon.screen_addr(), "kiosk screen listening");
    daemon.run_until_stopped(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
