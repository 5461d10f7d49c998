//! Face punches end to end, on the real models and real photos from `../shared/faces`:
//! `attendd enroll` captures Ana from three photos, the candidate syncs to the server, a
//! manager approves it, the kiosk pulls the templates, and then the camera, replaying other
//! photos of Ana followed by a stranger's (an empty frame as each walks off), clocks Ana in by face (once: the repeat window
//! holds) while the stranger is answered "unknown" and punches nobody in.

use std::path::{Path, PathBuf};

use attend_device::config::Config;
use attend_device::daemon::Daemon;
use attend_device::hw::{CameraConfig, CameraSpec, DirSpec, KeypadConfig, OutputsConfig};
use attend_device::sync::client;
use attend_e2e::{RunningDaemon, Server, demo_server, events, http_get};
use attend_protocol::ids::{EmployeeId, EventId};
use attend_server::app::Stores;
use attend_server::db::{AuditCtx, DepartmentFilter, Page, Scope};
use attend_server::demo::DemoSeed;
use attend_server::features::approvals::{Recorded, Stage, State, Step};
use attend_server::features::enrolment::{Candidate, CandidateStatus};
use attend_testkit::{eventually, face_set, models_dir};
use base64::Engine as _;

/// deepface-dev photos of one person (`person_00` in its identities.csv) and of another.
const ENROL: &[&str] = &["img1.jpg", "img2.jpg", "img4.jpg"];
const PROBE: &[&str] = &["img5.jpg", "img6.jpg", "img7.jpg", "img10.jpg", "img11.jpg"];
const STRANGER: &[&str] = &["img3.jpg", "img12.jpg", "img53.jpg", "img54.jpg"];

/// A folder the `dir:` camera replays in name order: `prefix_NN_<photo>` for each photo, and
/// after each group an empty grey frame, as when one person walks away before the next comes.
pub(crate) fn stage(into: &Path, groups: &[(&str, &[&str])]) {
    std::fs::create_dir_all(into).expect("dir");
    let src = face_set("deepface-dev");
    let grey = attend_vision::image::RgbImage::new(160, 120, vec![128; 160 * 120 * 3])
        .expect("image")
        .to_jpeg(80)
        .expect("jpeg");
    for (prefix, photos) in groups {
        for (i, photo) in photos.iter().enumerate() {
            std::fs::copy(
                src.join(photo),
                into.join(format!("{prefix}_{i:02}_{photo}")),
            )
            .expect("photo copied");
        }
        std::fs::write(into.join(format!("{prefix}_99_nobody.jpg")), &grey).expect("written");
    }
}

pub(crate) fn camera(path: PathBuf) -> CameraConfig {
    CameraConfig {
        source: CameraSpec::Dir(DirSpec {
            path,
            fps: 5.0,
            looping: true,
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolled_face_clocks_in_and_a_stranger_is_refused() {
    let (_server_dir, server, seed) = demo_server().await;
    let ana = ana(&server.stores).await;

    let kiosk = tempfile::tempdir().expect("dir");
    let mut config = face_kiosk(&server, &seed, kiosk.path()).await;

    enrol(&config, kiosk.path(), ana).await;

    // The kiosk runs with the camera on Ana's other photos, then the stranger's.
    let probe_dir = kiosk.path().join("probe");
    stage(&probe_dir, &[("a", PROBE), ("b", STRANGER)]);
    config.camera = camera(probe_dir);
    let daemon = Daemon::build(config.clone()).await.expect("daemon builds");
    let screen = format!("http://{}/status", daemon.screen_addr());
    let message = async || screen_message(&screen).await;
    let running = RunningDaemon::start(daemon);

    // The candidate syncs; a manager looks at it and approves it.
    let enrolment = server.stores.enrolment.clone();
    let candidate = synced_candidate(&server.stores).await;
    assert_eq!((candidate.employee_id, candidate.templates), (ana, 3));
    assert!(
        candidate.has_thumbnail,
        "the candidate carries the best capture's face"
    );
    let thumbnail = enrolment
        .candidate_thumbnail(Scope::All, &DepartmentFilter::Any, candidate.id)
        .await
        .expect("thumbnail")
        .expect("present");
    let thumbnail = base64::engine::general_purpose::STANDARD
        .decode(thumbnail)
        .expect("base64");
    assert!(
        thumbnail.starts_with(&[0xFF, 0xD8, 0xFF]),
        "thumbnail is a JPEG"
    );
    assert_eq!(
        face_punches(&server.stores).await.len(),
        0,
        "nobody is clocked in by face before approval"
    );
    approve(&server.stores, candidate.id).await;

    // The templates reach the kiosk with the next roster pull; Ana's face clocks her in.
    eventually("Ana is clocked in by face", async || {
        !face_punches(&server.stores).await.is_empty()
    })
    .await;
    // The loop goes on to the stranger, who is refused, and back to Ana, whose repeat
    // punch the window suppresses: still exactly one punch, Ana's.
    eventually("the stranger is refused", async || {
        message().await == "Unknown face — use PIN"
    })
    .await;
    eventually("Ana's repeat is suppressed", async || {
        message().await.starts_with("Ana Silva: already punched")
    })
    .await;
    let punches = face_punches(&server.stores).await;
    assert_eq!(punches.len(), 1, "{punches:?}");
    let punch = &punches[0];
    assert_eq!(punch["employee_id"], serde_json::json!(ana));
    assert_eq!(punch["punch_type"], "in");
    let (score, threshold) = (
        punch["score"].as_f64().expect("score"),
        punch["threshold"].as_f64().expect("threshold"),
    );
    assert!(score.is_finite() && threshold > 0.0, "{punch}");
    // Identified under the site's face-match rules: a new site's, dlib at 0.45.
    assert!((threshold - 0.45).abs() < 1e-6, "{punch}");
    assert!(
        punch["model_id"]
            .as_str()
            .is_some_and(|m| m == candidate.model_id),
        "{punch}"
    );
    // The punch says how sure the kiosk was that Ana stood there: under a new site's rules
    // (adaptive), with the passive check of both liveness models, or why it gave no score.
    let evidence = &punch["liveness"];
    assert_eq!(evidence["mode"], "adaptive", "{punch}");
    assert!(evidence["live"].is_boolean(), "{punch}");
    match evidence["score"].as_f64() {
        Some(p) => {
            assert!((0.0..=1.0).contains(&p), "{punch}");
            assert_eq!(
                evidence["scores"].as_array().map(Vec::len),
                Some(2),
                "{punch}"
            );
        }
        None => assert!(evidence["reason"].is_string(), "{punch}"),
    }

    running.stop().await;
    server.stop().await;
}

/// Ana, the demo's employee 1001.
pub(crate) async fn ana(stores: &Stores) -> EmployeeId {
    stores
        .people
        .list_employees(Scope::All, &DepartmentFilter::Any, &Page::default())
        .await
        .expect("employees")
        .items
        .into_iter()
        .find(|e| e.employee_number == "1001")
        .expect("Ana is seeded")
        .id
}

/// The text on the kiosk's screen (`screen`: its `/status` address).
pub(crate) async fn screen_message(screen: &str) -> String {
    let status: serde_json::Value =
        serde_json::from_str(&http_get(screen).await).expect("status is JSON");
    status["message"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The kiosk's enrolment candidate, once it has synced to the server.
pub(crate) async fn synced_candidate(stores: &Stores) -> Candidate {
    let pending = async || {
        stores
            .enrolment
            .list_candidates(
                Scope::All,
                &DepartmentFilter::Any,
                Some(CandidateStatus::Pending),
                None,
                &Page::default(),
            )
            .await
            .expect("candidates")
            .items
    };
    eventually("the enrolment candidate reaches the server", async || {
        !pending().await.is_empty()
    })
    .await;
    pending().await.remove(0)
}

/// A kiosk provisioned on `server` with its state in `dir`: the real models, a socket keypad,
/// fake relays, the screen on a free port and quick syncs. The camera is the caller's.
pub(crate) async fn face_kiosk(server: &Server, seed: &DemoSeed, dir: &Path) -> Config {
    let mut config = Config {
        state_dir: dir.to_owned(),
        ..Config::default()
    };
    client::provision(
        &format!("http://{}", server.addr),
        &seed.provisioning_code,
        "test",
        false,
    )
    .await
    .expect("provisioned")
    .save(&config.credentials_path())
    .expect("credentials saved");
    config.recognition.models_dir = models_dir();
    config.recognition.threads = 1;
    config.keypad = KeypadConfig::Socket {
        path: dir.join("keypad.sock"),
    };
    config.outputs = OutputsConfig::Fake { relays: 1 };
    config.screen.listen = "127.0.0.1:0".parse().expect("addr");
    config.sync.idle_poll_ms = 100;
    config.sync.roster_interval_s = 1;
    config
}

/// `attendd enroll` with the camera pointed at three photos of Ana: her candidate is the
/// kiosk's first outbox event.
pub(crate) async fn enrol(config: &Config, dir: &Path, ana: EmployeeId) {
    let enrol_dir = dir.join("enrol");
    stage(&enrol_dir, &[("a", ENROL)]);
    let mut enrol_config = config.clone();
    enrol_config.camera = camera(enrol_dir);
    let seq = tokio::task::spawn_blocking(move || {
        attend_device::enroll::enroll_from_config(&enrol_config, ana, 3, |_| {})
    })
    .await
    .expect("joins")
    .expect("three frames pass the quality gates");
    assert_eq!(seq, 1, "the candidate is the outbox's first event");
}

/// A manager approves the enrolment candidate.
pub(crate) async fn approve(stores: &Stores, candidate: EventId) {
    let approve = Recorded {
        id: candidate,
        step: Step::Approve,
        before: State {
            stage: Stage::Pending,
            level: 1,
        },
        after: State {
            stage: Stage::Approved,
            level: 1,
        },
        reason: None,
        waived: None,
    };
    stores
        .enrolment
        .record_candidate_step(
            &AuditCtx::system(),
            Scope::All,
            &DepartmentFilter::Any,
            approve,
            false,
        )
        .await
        .expect("approved");
}

/// Face punch bodies stored by the server, oldest first.
pub(crate) async fn face_punches(stores: &Stores) -> Vec<serde_json::Value> {
    events(stores, "punch")
        .await
        .into_iter()
        .map(|e| e.payload["body"].clone())
        .filter(|b| b["method"] == "face")
        .collect()
}
