//! A photo waved in front of the kiosk camera, end to end on the real models: frames made by
//! turning, tilting and moving one photo of Ana as a plane (one homography per frame) are
//! recognised as Ana, the site's rules ask for a head turn, and the photo fails it. With failures
//! flagged, the punch reaches the review queue with its evidence, scores and picture; with failures
//! refused, the kiosk refuses and offers the PIN.

use std::path::Path;

use attend_device::daemon::Daemon;
use attend_e2e::{RunningDaemon, demo_server};
use attend_protocol::face_policy::{
    ChallengeOutcome, LivenessMode, LivenessPolicy, OnLivenessFailure,
};
use attend_server::app::Stores;
use attend_server::db::{AuditCtx, DepartmentFilter, Page, Scope};
use attend_server::features::devices::flagged::{FlagFilter, FlagReview};
use attend_testkit::waved::{render, wave};
use attend_testkit::{eventually, face_set};
use attend_vision::image::{self, RgbImage};

use crate::face::{
    ana, approve, camera, enrol, face_kiosk, face_punches, screen_message, synced_candidate,
};

/// A photo of Ana (deepface-dev `person_00`) not used for her enrolment.
const PHOTO: &str = "img5.jpg";

/// The camera's folder: the photo facing the camera, then waved, then nobody; in name order.
fn stage_waved(into: &Path) {
    std::fs::create_dir_all(into).expect("dir");
    let photo = image::load(&face_set("deepface-dev").join(PHOTO)).expect("photo");
    // Her face is about 57% of the photo's width: at this scale it is about 150 px wide in a
    // 640 px frame, as at a kiosk (the framing gate wants at most 30% of the width).
    let scale = 150.0 / (0.57 * f64::from(photo.width));
    let (w, h) = (640, 480);
    for (i, pose) in wave(scale, 6, 24, 25.0).iter().enumerate() {
        let rgb = render(&photo.data, photo.width, photo.height, w, h, pose);
        let jpeg = RgbImage::new(w, h, rgb)
            .expect("frame")
            .to_jpeg(90)
            .expect("jpeg");
        std::fs::write(into.join(format!("f{i:03}.jpg")), jpeg).expect("written");
    }
    let grey = RgbImage::new(w, h, vec![128; (w * h * 3) as usize])
        .expect("frame")
        .to_jpeg(80)
        .expect("jpeg");
    for i in 0..2 {
        std::fs::write(into.join(format!("g{i:03}.jpg")), &grey).expect("written");
    }
}

/// Sets every site's liveness rules: the head turn always, failures handled `on_failure`.
async fn challenge_everywhere(stores: &Stores, on_failure: OnLivenessFailure) {
    let sites = stores
        .orgs
        .list_sites(Scope::All, &Page::default())
        .await
        .expect("sites")
        .items;
    for site in sites {
        let rules = LivenessPolicy {
            mode: LivenessMode::Challenge,
            // Any scored frame passes the passive part: the turn is what is tested here.
            pass_score: 0.0,
            challenge_below: 0.0,
            on_failure,
            challenge_timeout_s: 3,
            evidence_thumbnails: true,
        };
        stores
            .orgs
            .set_site_liveness(&AuditCtx::system(), Scope::All, site.id, rules)
            .await
            .expect("rules set");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waved_photo_fails_the_head_turn_and_is_flagged_or_refused_as_the_site_says() {
    let (_server_dir, server, seed) = demo_server().await;
    challenge_everywhere(&server.stores, OnLivenessFailure::Flag).await;
    let ana = ana(&server.stores).await;

    let kiosk = tempfile::tempdir().expect("dir");
    let mut config = face_kiosk(&server, &seed, kiosk.path()).await;
    enrol(&config, kiosk.path(), ana).await;
    let waved = kiosk.path().join("waved");
    stage_waved(&waved);
    config.camera = camera(waved);
    let daemon = Daemon::build(config).await.expect("daemon builds");
    let screen = format!("http://{}/status", daemon.screen_addr());
    let running = RunningDaemon::start(daemon);

    approve(&server.stores, synced_candidate(&server.stores).await.id).await;

    // The photo is recognised as Ana, the kiosk asks her to turn, the photo fails the turn,
    // and the punch reaches the server flagged for review, with its evidence.
    eventually("a flagged face punch reaches the server", async || {
        !face_punches(&server.stores).await.is_empty()
    })
    .await;
    let punch = face_punches(&server.stores).await.remove(0);
    assert_eq!(punch["employee_id"], serde_json::json!(ana));
    let evidence = &punch["liveness"];
    assert_eq!(evidence["mode"], "challenge", "{punch}");
    assert_eq!(evidence["live"], false, "{punch}");
    assert_eq!(evidence["challenge"], "failed", "{punch}");
    assert!(
        evidence["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("head turn failed")),
        "{punch}"
    );
    let p_real = evidence["score"].as_f64().expect("the passive score");
    assert!((0.0..=1.0).contains(&p_real), "{punch}");
    assert_eq!(
        evidence["scores"].as_array().map(Vec::len),
        Some(2),
        "{punch}"
    );
    // It waits in the review queue with its evidence and scores.
    let queue = server
        .stores
        .devices
        .flagged_punches(
            Scope::All,
            &DepartmentFilter::Any,
            &FlagFilter::default(),
            &Page::default(),
        )
        .await
        .expect("the review queue")
        .items;
    assert_eq!(queue.len(), 1, "{queue:?}");
    let flagged = &queue[0];
    assert_eq!(flagged.employee_id, ana);
    assert_eq!(flagged.review, FlagReview::Pending);
    assert!(
        flagged.flag_reason.contains("head turn failed"),
        "{flagged:?}"
    );
    let evidence = flagged.liveness.as_ref().expect("its evidence");
    assert_eq!(evidence.scores.len(), 2, "{flagged:?}");
    assert_eq!(evidence.challenge, ChallengeOutcome::Failed);
    assert!(
        flagged.has_picture,
        "the site keeps evidence pictures: the face the kiosk decided on is kept"
    );

    // Failures refused from the next roster pull on: the next pass of the photo is refused
    // on screen with the PIN offered, and nothing more is punched.
    challenge_everywhere(&server.stores, OnLivenessFailure::Refuse).await;
    eventually("the photo is refused at the kiosk", async || {
        screen_message(&screen)
            .await
            .contains("could not confirm a live person (head turn failed")
    })
    .await;
    // (That message comes only from the refusal: a flagged punch says "Welcome", and a repeat
    // within the punch window says "already punched".)
    running.stop().await;
    server.stop().await;
}
