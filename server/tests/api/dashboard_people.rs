//! Enrolment and consent on the dashboard, in a real headless Chromium with the real face
//! models and photos from `../shared/faces`: a manager uploads photos of Ana, the server's
//! face pipeline checks each one, the manager approves the templates and a kiosk's next roster
//! pull carries them; withdrawing consent then sends that kiosk tombstones for every one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::Locator;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::browser::{browser, click_to_next_page, shown, sign_in};
use crate::helpers::{Device, SignOpts, TestApp, provisioned_device, spawn_app_with, world};

fn models() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cache/models");
    assert!(
        dir.is_dir(),
        "face models missing in {}: run `bash scripts/setup-models.sh`",
        dir.display()
    );
    dir
}

fn photo(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/faces/deepface-dev")
        .join(name);
    assert!(
        path.is_file(),
        "labelled photo missing: {} (../shared beside the repository)",
        path.display()
    );
    path.canonicalize().expect("absolute path")
}

async fn roster(app: &TestApp, device: &Device, since: u64) -> Value {
    let r = app
        .signed(
            device,
            Method::GET,
            &format!("/api/v1/device/roster?since={since}"),
            Vec::new(),
            SignOpts::default(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploaded_photos_become_approved_templates_that_kiosks_pull_and_lose_on_withdrawal() {
    let models = models();
    let app = spawn_app_with(|s| {
        s.vision = Some(attend_server::config::VisionSettings {
            models_dir: models,
            ort_library: None,
            embedder: None,
        });
    })
    .await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let before = roster(&app, &device, 0).await;
    assert_eq!(before["templates"], serde_json::json!([]));

    // Three photos of one person (deepface-dev's person_00) and a picture with no face.
    let blank = tempfile::tempdir().expect("dir");
    let grey = blank.path().join("wall.jpg");
    let img = attend_vision::image::RgbImage::new(320, 240, vec![128; 320 * 240 * 3])
        .expect("image")
        .to_jpeg(80)
        .expect("jpeg");
    std::fs::write(&grey, img).expect("written");
    let files: Vec<String> = ["img1.jpg", "img2.jpg", "img4.jpg"]
        .iter()
        .map(|p| photo(p).display().to_string())
        .chain([grey.display().to_string()])
        .collect();

    let (_driver, c) = browser().await;
    sign_in(&c, &app.base, "manager@a.example").await;
    c.goto(&format!("{}/dashboard/people/{}", app.base, w.a.employee))
        .await
        .expect("loads");
    shown(&c, Locator::Id("photos"))
        .await
        .send_keys(&files.join("\n"))
        .await
        .expect("files chosen");
    c.find(Locator::Css("#photo-form button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("clicked");
    let flash = c
        .wait()
        .at_most(Duration::from_mins(2))
        .for_element(Locator::Id("flash"))
        .await
        .expect("the upload is answered");
    let text = flash.text().await.expect("text");
    assert!(
        text.starts_with("3 of 4 photos passed the quality checks (img1.jpg: passed; img2.jpg: passed; img4.jpg: passed; wall.jpg: "),
        "{text}"
    );
    assert_eq!(
        flash.attr("class").await.expect("class").as_deref(),
        Some("success")
    );
    let row = c
        .find(Locator::Css("#candidates tbody tr"))
        .await
        .expect("candidate row")
        .text()
        .await
        .expect("text");
    assert!(
        row.contains("uploaded photos") && row.contains(" 3 "),
        "{row}"
    );
    // The thumbnail is the aligned face, served to the signed-in manager only.
    let width = c
        .execute(
            "const i = document.querySelector('#candidates img'); return i && i.complete ? i.naturalWidth : 0;",
            vec![],
        )
        .await
        .expect("read");
    assert!(width.as_u64().unwrap_or(0) > 0, "thumbnail loaded: {width}");

    // Four eyes: the manager who uploaded the photos does not approve them; the admin does.
    click_to_next_page(&c, Locator::Css(".approve-enrolment")).await;
    let refused = shown(&c, Locator::Id("flash"))
        .await
        .text()
        .await
        .expect("text");
    assert!(
        refused.to_lowercase().contains("you uploaded these photos"),
        "{refused}"
    );
    let (_admin_driver, admin) = browser().await;
    sign_in(&admin, &app.base, "admin@a.example").await;
    admin
        .goto(&format!("{}/dashboard/people/{}", app.base, w.a.employee))
        .await
        .expect("loads");
    click_to_next_page(&admin, Locator::Css(".approve-enrolment")).await;
    let approved = shown(&admin, Locator::Id("flash"))
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(
        approved,
        "Approved: 3 template(s) stored; kiosks receive them at their next roster pull."
    );
    admin.close().await.expect("closed");
    let pulled = roster(&app, &device, 0).await;
    let templates = pulled["templates"].as_array().expect("templates").clone();
    assert_eq!(templates.len(), 3, "{pulled}");
    assert!(
        templates
            .iter()
            .all(|t| t["employee_id"] == serde_json::json!(w.a.employee))
    );
    assert!(templates.iter().all(|t| t["model_id"] == "dlib-resnet-v1"));
    assert!(
        templates
            .iter()
            .all(|t| t["vector"].as_array().map(Vec::len) == Some(128))
    );
    let cursor = pulled["cursor"].as_u64().expect("cursor");

    // Withdrawing consent erases the face data: the kiosk's next pull drops all three.
    click_to_next_page(&c, Locator::Id("withdraw-consent")).await;
    let withdrawn = shown(&c, Locator::Id("flash"))
        .await
        .text()
        .await
        .expect("text");
    assert!(withdrawn.starts_with("Consent withdrawn"), "{withdrawn}");
    let delta = roster(&app, &device, cursor).await;
    let mut gone: Vec<&str> = delta["tombstones"]
        .as_array()
        .expect("tombstones")
        .iter()
        .filter(|t| t["entity"] == "template")
        .filter_map(|t| t["id"].as_str())
        .collect();
    let mut had: Vec<&str> = templates.iter().filter_map(|t| t["id"].as_str()).collect();
    gone.sort_unstable();
    had.sort_unstable();
    assert_eq!(gone, had, "{delta}");
    assert_eq!(
        c.find(Locator::Id("consent"))
            .await
            .expect("consent")
            .text()
            .await
            .expect("text"),
        "withdrawn"
    );
    c.close().await.expect("closed");
}
