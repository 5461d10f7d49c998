//! An `attendd` process killed with SIGKILL in the middle of a sync restarts with nothing lost
//! and nothing stored twice: a real attend-server (in this process) and the real `attendd`
//! program (a child process; `e2e-attendd`, built from attendd's own main.rs) over a backlog of
//! queued punches.

use std::process::Child;
use std::time::Duration;

use attend_device::config::Config;
use attend_device::hw::{CameraConfig, CameraSpec, KeypadConfig, OutputsConfig};
use attend_device::outbox::{EventDraft, Outbox};
use attend_device::sync::client;
use attend_e2e::{demo_server_with, pin_punch, punches};
use attend_server::db::{DepartmentFilter, Page, Scope};
use attend_testkit::poll_until;

const BACKLOG: usize = 3_000;

fn spawn_attendd(config_file: &std::path::Path) -> Child {
    attend_testkit::command(env!("CARGO_BIN_EXE_e2e-attendd"))
        .args(["run", "--config"])
        .arg(config_file)
        .spawn()
        .expect("attendd starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attendd_killed_mid_sync_restarts_with_nothing_lost_or_duplicated() {
    // Many small batches make "in the middle of a sync" a wide window.
    let (dir, server, seed) = demo_server_with(|s| s.rate_limit.per_minute = 1_000_000).await;
    let (addr, stores) = (server.addr, server.stores.clone());
    let ana = stores
        .people
        .list_employees(Scope::All, &DepartmentFilter::Any, &Page::default())
        .await
        .expect("employees")
        .items[0]
        .id;

    let kiosk = dir.path().join("kiosk");
    let mut config = Config {
        state_dir: kiosk.clone(),
        ..Config::default()
    };
    std::fs::create_dir_all(&kiosk).expect("kiosk dir");
    client::provision(
        &format!("http://{addr}"),
        &seed.provisioning_code,
        "test",
        false,
    )
    .await
    .expect("provisioned")
    .save(&config.credentials_path())
    .expect("saved");
    {
        let mut outbox = Outbox::open(&config.state_db()).expect("outbox");
        for _ in 0..BACKLOG {
            outbox
                .enqueue(&EventDraft::new(jiff::Timestamp::now(), pin_punch(ana)))
                .expect("enqueue");
        }
    }
    config.camera = CameraConfig {
        source: "fake?size=64x48&fps=1"
            .parse::<CameraSpec>()
            .expect("camera spec"),
    };
    config.keypad = KeypadConfig::Stdin;
    config.outputs = OutputsConfig::Fake { relays: 1 };
    config.recognition.enabled = false;
    config.screen.listen = "127.0.0.1:0".parse().expect("addr");
    config.sync.batch_size = 20;
    config.sync.idle_poll_ms = 50;
    config.sync.base_backoff_ms = 50;
    let file = dir.path().join("attendd.toml");
    std::fs::write(&file, toml::to_string(&config).expect("config serialises"))
        .expect("config written");

    // Kill it as soon as the first batches have landed.
    let mut child = spawn_attendd(&file);
    let mut at_kill = 0;
    // Looked at often, so the kill lands early in the backlog; bounded generously for a loaded
    // machine, where attendd starts slowly.
    poll_until(
        "the first batches reach the server",
        Duration::from_millis(5),
        Duration::from_mins(1),
        async || {
            at_kill = punches(&stores).await.0;
            if at_kill == 0
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("attendd exited before syncing anything: {status}");
            }
            at_kill > 0
        },
    )
    .await;
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert!(
        at_kill > 0 && at_kill < BACKLOG,
        "the kill did not land mid-sync ({at_kill} of {BACKLOG} stored)"
    );
    eprintln!("killed attendd with {at_kill} of {BACKLOG} punches stored");

    let mut child = spawn_attendd(&file);
    let outbox = Outbox::open(&config.state_db()).expect("outbox");
    poll_until(
        "every queued punch reaches the server and the outbox drains",
        Duration::from_millis(50),
        Duration::from_mins(5),
        async || punches(&stores).await.0 >= BACKLOG && outbox.depth().unwrap_or(1) == 0,
    )
    .await;
    let _ = child.kill();
    let _ = child.wait();
    let (total, duplicated) = punches(&stores).await;
    assert_eq!(
        total, BACKLOG,
        "every queued punch arrived (killed at {at_kill})"
    );
    assert!(!duplicated, "nothing was stored twice");
    assert_eq!(
        outbox.depth().expect("depth"),
        0,
        "the outbox drained (heartbeats included)"
    );
    server.stop().await;
}
