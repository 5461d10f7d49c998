//! Issue 13 item 5: a face punch's evidence picture is kept only where the site's rules keep
//! them, is served on its own to those who review flagged punches (never in a list), and goes
//! with the person's face data when consent is withdrawn. One over its size is refused, naming
//! the field.

use base64::Engine as _;
use jiff::Timestamp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::flagged_punches::{punch, push};
use crate::helpers::{Device, TestApp, World, provisioned_device, spawn_app, world};

/// The start of a JPEG (what matters here is that the bytes come back as they went).
const PICTURE: [u8; 8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46];

async fn keep_pictures(app: &TestApp, w: &World, keep: bool) {
    let r = app
        .call(
            Method::PUT,
            &format!("/api/v1/sites/{}/liveness", w.a.site),
            Some(&w.a.admin),
            Some(
                json!({"mode": "passive", "pass_score": 0.5, "challenge_below": 0.9,
                        "on_failure": "flag", "challenge_timeout_s": 10,
                        "evidence_thumbnails": keep}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// Ana's face punch that failed its liveness check, with `picture` (base64) as its evidence.
async fn pictured_punch(
    app: &TestApp,
    w: &World,
    device: &Device,
    seq: u64,
    picture: &str,
) -> String {
    let mut p = punch(&w.a.employee, seq, Timestamp::now(), "in", Some(false));
    p["body"]["liveness"]["picture_jpeg_base64"] = json!(picture);
    push(app, device, json!([p])).await;
    p["event_id"].as_str().expect("id").to_owned()
}

async fn picture(app: &TestApp, token: &str, id: &str) -> (StatusCode, Vec<u8>) {
    let r = app
        .client
        .get(format!("{}/api/v1/flagged-punches/{id}/picture", app.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    let status = r.status();
    (status, r.bytes().await.expect("body").to_vec())
}

async fn flagged(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app.get("/api/v1/flagged-punches", token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn a_kept_picture_is_served_alone_to_reviewers_and_erased_with_the_face_data() {
    let app = spawn_app().await;
    let w = world(&app).await;
    keep_pictures(&app, &w, true).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let encoded = base64::engine::general_purpose::STANDARD.encode(PICTURE);
    let id = pictured_punch(&app, &w, &device, 1, &encoded).await;

    let queue = flagged(&app, &w.a.manager).await;
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["has_picture"], true);
    assert!(
        queue[0]["liveness"].get("picture_jpeg_base64").is_none(),
        "never in a list: {}",
        queue[0]
    );
    let events = app
        .get("/api/v1/device-events?kind=punch", &w.a.manager)
        .await;
    assert_eq!(events.status, StatusCode::OK, "{}", events.body);
    assert!(
        !events.body.to_string().contains(&encoded),
        "the event list leaves it out: {}",
        events.body
    );
    assert_eq!(
        picture(&app, &w.a.manager, &id).await,
        (StatusCode::OK, PICTURE.to_vec())
    );
    // The employee cannot see the queue's pictures, nor can another organisation.
    assert_eq!(
        picture(&app, &w.a.employee_token, &id).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        picture(&app, &w.b.admin, &id).await.0,
        StatusCode::NOT_FOUND
    );

    // Consent withdrawn: the picture goes with the face data; the punch and its scores stay.
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/employees/{}", w.a.employee),
            Some(&w.a.admin),
            Some(json!({"consent": "withdrawn"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        picture(&app, &w.a.manager, &id).await.0,
        StatusCode::NOT_FOUND
    );
    let queue = flagged(&app, &w.a.manager).await;
    assert_eq!(queue[0]["has_picture"], false);
    assert_eq!(
        queue[0]["liveness"]["scores"].as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn a_site_that_keeps_no_pictures_stores_none_and_an_oversized_one_is_refused() {
    let app = spawn_app().await;
    let w = world(&app).await;
    keep_pictures(&app, &w, false).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    // A kiosk still on older rules sends one: the server does not keep it.
    let encoded = base64::engine::general_purpose::STANDARD.encode(PICTURE);
    let id = pictured_punch(&app, &w, &device, 1, &encoded).await;
    assert_eq!(flagged(&app, &w.a.manager).await[0]["has_picture"], false);
    assert_eq!(
        picture(&app, &w.a.manager, &id).await.0,
        StatusCode::NOT_FOUND
    );

    let limit = attend_protocol::validate::MAX_EVIDENCE_PICTURE_BASE64;
    let mut p = punch(&w.a.employee, 2, Timestamp::now(), "out", Some(false));
    p["body"]["liveness"]["picture_jpeg_base64"] = json!("A".repeat(limit + 4));
    let r = app.push(&device, &json!([p])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        r.body["error"]["details"][0]["field"], "events[0].body.liveness.picture_jpeg_base64",
        "{}",
        r.body
    );
}
