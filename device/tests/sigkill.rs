//! An `attendd` process killed with SIGKILL in the middle of a sync restarts with nothing lost
//! and nothing stored twice: a real attend-server (in this process) and the real `attendd`
//! binary (a child process) over a backlog of queued punches.

use std::collections::HashSet;
use std::process::{Child, Command};
use std::time::Duration;

use attend_device::config::Config;
use attend_device::hw::{CameraConfig, CameraSpec, KeypadConfig, OutputsConfig};
use attend_device::outbox::{EventDraft, Outbox};
use attend_device::sync::client;
use attend_protocol::events::{EventBody, Punch, PunchMethod, PunchType};
use attend_server::storage::{DepartmentFilter, EventFilter, Page, Scope, SharedStore};
use attend_server::{Application, Settings};

const BACKLOG: usize = 3_000;

async fn stored(store: &SharedStore) -> (usize, usize) {
    let filter = EventFilter {
        kind: Some("punch".into()),
        ..EventFilter::default()
    };
    let (mut total, mut ids, mut page) = (
        0,
        HashSet::new(),
        Page {
            limit: 100,
            after: None,
        },
    );
    loop {
        let p = store
            .list_events(Scope::All, &DepartmentFilter::Any, &filter, &page)
            .await
            .expect("list");
        total += p.items.len();
        ids.extend(p.items.iter().map(|e| e.event_id));
        match p.next {
            Some(n) => page.after = Some(n),
            None => return (total, ids.len()),
        }
    }
}

/// The built binary as a command. In the aarch64 stage the tests run under qemu-user without
/// binfmt_misc, where a guest cannot exec an aarch64 binary but can exec the host's qemu:
/// `ATTEND_TEST_RUNNER` (set by scripts/cross.sh) names it.
fn binary(path: &str) -> Command {
    match std::env::var_os("ATTEND_TEST_RUNNER") {
        Some(runner) => {
            let mut c = Command::new(runner);
            c.arg(path);
            c
        }
        None => Command::new(path),
    }
}

fn spawn_attendd(config_file: &std::path::Path) -> Child {
    binary(env!("CARGO_BIN_EXE_attendd"))
        .args(["run", "--config"])
        .arg(config_file)
        .spawn()
        .expect("attendd starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attendd_killed_mid_sync_restarts_with_nothing_lost_or_duplicated() {
    let dir = tempfile::tempdir().expect("dir");
    let settings = Settings {
        listen: "127.0.0.1:0".parse().expect("addr"),
        database: dir.path().join("server.db"),
        // Many small batches make "in the middle of a sync" a wide window.
        rate_limit: attend_server::config::RateLimitSettings {
            per_minute: 1_000_000,
            ..Settings::default().rate_limit
        },
        ..Settings::default()
    };
    let app = Application::build(settings, true).await.expect("server");
    let (addr, store) = (app.local_addr(), app.store());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_with_shutdown(async move {
        let _ = stopped.await;
    }));
    let seed = attend_server::demo::seed(&store)
        .await
        .expect("seed")
        .expect("empty");
    let ana = store
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
    client::provision(&format!("http://{addr}"), &seed.provisioning_code, "test")
        .await
        .expect("provisioned")
        .save(&config.credentials_path())
        .expect("saved");
    {
        let mut outbox = Outbox::open(&config.state_db()).expect("outbox");
        for _ in 0..BACKLOG {
            let body = EventBody::Punch(Punch {
                employee_id: ana,
                punch_type: PunchType::In,
                method: PunchMethod::Pin,
                score: None,
                threshold: None,
                model_id: None,
            });
            outbox
                .enqueue(&EventDraft::new(jiff::Timestamp::now(), body))
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
    // Bounded generously: under qemu (the aarch64 stage) attendd starts far slower than natively.
    for _ in 0..12_000 {
        at_kill = stored(&store).await.0;
        if at_kill > 0 {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("attendd exited before syncing anything: {status}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    assert!(
        at_kill > 0 && at_kill < BACKLOG,
        "the kill did not land mid-sync ({at_kill} of {BACKLOG} stored)"
    );
    eprintln!("killed attendd with {at_kill} of {BACKLOG} punches stored");

    let mut child = spawn_attendd(&file);
    let outbox = Outbox::open(&config.state_db()).expect("outbox");
    for _ in 0..6_000 {
        if stored(&store).await.0 >= BACKLOG && outbox.depth().unwrap_or(1) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let (total, distinct) = stored(&store).await;
    assert_eq!(
        total, BACKLOG,
        "every queued punch arrived (killed at {at_kill})"
    );
    assert_eq!(distinct, total, "nothing was stored twice");
    assert_eq!(
        outbox.depth().expect("depth"),
        0,
        "the outbox drained (heartbeats included)"
    );
    let _ = stop.send(());
    let _ = server.await;
}
