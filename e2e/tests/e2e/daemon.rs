//! The whole attendd (`Daemon`: sync, hardware, recognition on the real models, station and
//! screen) against a real attend-server: faces replayed from `../shared/faces` that nobody
//! enrolled are answered "unknown", a PIN typed on the (socket) keypad reaches the server, and
//! the demo lathe starts and stops from the keypad with both events synced, and the screen's
//! `/status` shows the result, the boxes and the sync state.

use attend_device::config::Config;
use attend_device::daemon::Daemon;
use attend_device::hw::{
    CameraConfig, CameraSpec, DirSpec, KeypadConfig, OutputsConfig, SocketKeypad,
};
use attend_device::roster::{RosterCache, TemplateKey};
use attend_device::sync::client;
use attend_e2e::{RunningDaemon, demo_server, events, http_get, punches};
use attend_testkit::{demo_photos, eventually, models_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_refuses_unknown_faces_and_syncs_a_pin_punch() {
    let photos = demo_photos();
    let models = models_dir();

    let (_server_dir, server, seed) = demo_server().await;

    let kiosk = tempfile::tempdir().expect("dir");
    let mut config = Config {
        state_dir: kiosk.path().to_owned(),
        ..Config::default()
    };
    let creds = client::provision(
        &format!("http://{}", server.addr),
        &seed.provisioning_code,
        "test",
        false,
    )
    .await
    .expect("provisioned");
    creds
        .save(&config.credentials_path())
        .expect("credentials saved");
    let socket = kiosk.path().join("keypad.sock");
    config.camera = CameraConfig {
        source: CameraSpec::Dir(DirSpec {
            path: photos,
            fps: 5.0,
            looping: true,
        }),
    };
    config.keypad = KeypadConfig::Socket {
        path: socket.clone(),
    };
    config.outputs = OutputsConfig::Fake { relays: 2 };
    config.recognition.models_dir = models;
    config.recognition.threads = 1;
    config.screen.listen = "127.0.0.1:0".parse().expect("addr");
    config.sync.idle_poll_ms = 100;
    config.sync.roster_interval_s = 1;

    let daemon = Daemon::build(config.clone()).await.expect("daemon builds");
    let relays = daemon.output_log().expect("fake outputs keep a record");
    let screen = format!("http://{}", daemon.screen_addr());
    let running = RunningDaemon::start(daemon);
    let status = || async {
        let body = http_get(&format!("{screen}/status")).await;
        serde_json::from_str::<serde_json::Value>(&body).expect("status is JSON")
    };

    // The roster arrives (read through a second handle on the same state file).
    let roster = RosterCache::open(
        &config.state_db(),
        TemplateKey::load_or_create(&config.template_key()).expect("key"),
    )
    .expect("roster");
    eventually("the roster reaches the kiosk", async || {
        roster.employee_count().unwrap_or(0) == 4
    })
    .await;

    // Nobody is enrolled, so the replayed faces are refused, with boxes on the preview.
    eventually("an unknown face is answered", async || {
        status().await["message"]["text"] == "Unknown face — use PIN"
    })
    .await;
    let s = status().await;
    assert!(s["faces"].as_array().is_some_and(|f| !f.is_empty()), "{s}");
    assert!(s["frame_size"].is_array());

    // The PIN typed on the keypad becomes a punch on the server.
    SocketKeypad::send(&socket, "1001# 1234#").expect("keys sent");
    eventually("the PIN punch reaches the server", async || {
        punches(&server.stores).await.0 == 1
    })
    .await;
    // The demo lathe (code 4711) starts for the identified worker, then the stop key stops it.
    SocketKeypad::send(&socket, "4711#").expect("keys sent");
    eventually("the lathe starts", async || {
        status().await["message"]["text"] == "Lathe started"
    })
    .await;
    assert_eq!(
        relays.relay_history(0).last(),
        Some(&true),
        "the lathe's relay (0) is on"
    );
    SocketKeypad::send(&socket, "D").expect("keys sent");
    eventually("the lathe stops", async || {
        status().await["message"]["text"] == "Machine stopped"
    })
    .await;
    assert_eq!(
        relays.relay_history(0).last(),
        Some(&false),
        "relay 0 is off again"
    );
    assert!(
        relays.relay_history(1).iter().all(|on| !on),
        "the other relay never switched on"
    );
    eventually("both equipment events reach the server", async || {
        equipment_events(&server.stores).await.len() == 2
    })
    .await;
    let events = equipment_events(&server.stores).await;
    assert_eq!(events[0]["action"], "start");
    assert_eq!(
        (
            events[1]["action"].as_str(),
            events[1]["stop_reason"].as_str()
        ),
        (Some("stop"), Some("stop_key"))
    );

    eventually("the screen shows online with nothing queued", async || {
        let s = status().await;
        s["online"] == true && s["queue_depth"] == 0
    })
    .await;

    running.stop().await;
    server.stop().await;
}

/// Equipment event bodies stored by the server, oldest first.
async fn equipment_events(stores: &attend_server::app::Stores) -> Vec<serde_json::Value> {
    events(stores, "equipment")
        .await
        .into_iter()
        .map(|e| e.payload["body"].clone())
        .collect()
}
