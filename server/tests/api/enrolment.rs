//! Enrolment review: a candidate pushed by a kiosk is listed with its thumbnail, approved into
//! templates that the next roster pull carries (replacing the old ones), or rejected; every
//! decision is audited and happens once.

use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Device, SignOpts, TestApp, provisioned_device, spawn_app, world};

/// The smallest JPEG header the server accepts as a thumbnail (SOI + APP0 marker).
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0];

fn candidate(employee: &str, seq: u64, fill: f32) -> Value {
    json!({
        "event_id": uuid::Uuid::now_v7(),
        "seq": seq,
        "captured_at": jiff::Timestamp::now(),
        "body": {
            "kind": "enrolment_candidate", "employee_id": employee, "model_id": "dlib-resnet-v1",
            "templates": [{"vector": vec![fill; 128], "quality": 0.7}, {"vector": vec![fill; 128], "quality": 0.9}],
            "thumbnail_jpeg_base64": base64::engine::general_purpose::STANDARD.encode(JPEG),
        }
    })
}

/// Pushes a candidate and returns its id as the review list shows it.
async fn push_candidate(
    app: &TestApp,
    device: &Device,
    employee: &str,
    seq: u64,
    fill: f32,
) -> String {
    let event = candidate(employee, seq, fill);
    let r = app.push(device, &json!([event])).await;
    assert_eq!(r.body["acks"][0]["status"], "accepted", "{}", r.body);
    event["event_id"].as_str().expect("id").to_owned()
}

/// The contract's string limits refused a kiosk's real thumbnails (tens of KiB of base64) with
/// the whole batch, since the document gave them the 1,000-character default.
#[tokio::test]
async fn a_kiosk_candidate_with_a_full_size_thumbnail_is_stored() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let mut event = candidate(&w.a.employee, 1, 0.1);
    let mut jpeg = JPEG.to_vec();
    jpeg.resize(40 * 1024, 0x55);
    event["body"]["thumbnail_jpeg_base64"] =
        json!(base64::engine::general_purpose::STANDARD.encode(&jpeg));
    let r = app.push(&device, &json!([event])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["acks"][0]["status"], "accepted", "{}", r.body);
}

async fn roster(app: &TestApp, device: &Device) -> Value {
    let r = app
        .signed(
            device,
            Method::GET,
            "/api/v1/device/roster?since=0",
            Vec::new(),
            SignOpts::default(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

#[tokio::test]
async fn an_approved_candidate_reaches_kiosks_and_replaces_earlier_templates() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let first = push_candidate(&app, &device, &w.a.employee, 1, 0.1).await;

    let list = app
        .get("/api/v1/enrolment-candidates?status=pending", &w.a.manager)
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let item = &list.body["items"][0];
    assert_eq!(item["id"], json!(first));
    assert_eq!(
        (item["templates"].as_u64(), item["has_thumbnail"].as_bool()),
        (Some(2), Some(true))
    );
    assert!((item["best_quality"].as_f64().expect("quality") - 0.9).abs() < 1e-6);
    assert!(
        roster(&app, &device).await["templates"]
            .as_array()
            .expect("templates")
            .is_empty()
    );

    let thumb = app
        .client
        .get(format!(
            "{}/api/v1/enrolment-candidates/{first}/thumbnail",
            app.base
        ))
        .bearer_auth(&w.a.manager)
        .send()
        .await
        .expect("sent");
    assert_eq!(thumb.status(), StatusCode::OK);
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    assert_eq!(thumb.headers()["cache-control"], "private, no-store");
    assert_eq!(thumb.bytes().await.expect("bytes").as_ref(), JPEG);

    let r = app
        .post(
            &format!("/api/v1/enrolment-candidates/{first}/approve"),
            Some(&w.a.manager),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "approved");
    assert!(r.body["decided_by"].is_string() && r.body["decided_at"].is_string());
    let templates = roster(&app, &device).await["templates"].clone();
    assert_eq!(templates.as_array().map(Vec::len), Some(2), "{templates}");
    assert_eq!(templates[0]["employee_id"], json!(w.a.employee));
    assert_eq!(templates[0]["model_id"], "dlib-resnet-v1");

    // A re-enrolment replaces the two old templates: two tombstones, two new templates.
    let cursor = roster(&app, &device).await["cursor"]
        .as_u64()
        .expect("cursor");
    let second = push_candidate(&app, &device, &w.a.employee, 2, 0.2).await;
    let r = app
        .post(
            &format!("/api/v1/enrolment-candidates/{second}/approve"),
            Some(&w.a.admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let delta = app
        .signed(
            &device,
            Method::GET,
            &format!("/api/v1/device/roster?since={cursor}"),
            Vec::new(),
            SignOpts::default(),
        )
        .await
        .body;
    let new: Vec<f64> = delta["templates"]
        .as_array()
        .expect("templates")
        .iter()
        .map(|t| t["vector"][0].as_f64().unwrap_or(0.0))
        .collect();
    assert_eq!(new.len(), 2);
    assert!(new.iter().all(|v| (v - 0.2).abs() < 1e-6), "{new:?}");
    assert_eq!(
        delta["tombstones"].as_array().map(Vec::len),
        Some(2),
        "{delta}"
    );

    let audit = app.get("/api/v1/audit", &w.a.admin).await;
    let approvals = audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == "approve" && e["entity"] == "enrolment_candidate")
        .count();
    assert_eq!(approvals, 2);
    assert!(
        !audit.body.to_string().contains("0.2,0.2"),
        "template vectors leaked into the audit log"
    );
}

#[tokio::test]
async fn a_candidate_is_decided_once_and_rejection_needs_a_reason() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let id = push_candidate(&app, &device, &w.a.employee, 1, 0.1).await;
    let reject = format!("/api/v1/enrolment-candidates/{id}/reject");

    let r = app
        .post(&reject, Some(&w.a.manager), json!({"reason": "  "}))
        .await;
    assert_eq!(
        (r.status, r.body["error"]["details"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")),
        "{}",
        r.body
    );
    let r = app
        .post(
            &reject,
            Some(&w.a.manager),
            json!({"reason": "eyes closed"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["status"].as_str(), r.body["reason"].as_str()),
        (Some("rejected"), Some("eyes closed"))
    );

    let r = app
        .post(
            &format!("/api/v1/enrolment-candidates/{id}/approve"),
            Some(&w.a.manager),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("already rejected")),
        "{}",
        r.body
    );
    assert!(
        roster(&app, &device).await["templates"]
            .as_array()
            .expect("templates")
            .is_empty(),
        "a rejected candidate reached a kiosk"
    );
}

/// Security review M9: a kiosk capture of someone who never granted consent used to be stored,
/// face vectors and thumbnail included, and shown to managers.
#[tokio::test]
async fn a_kiosk_capture_without_biometric_consent_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    // Bruno (other department) never granted consent.
    let event = candidate(&w.a.other_employee, 1, 0.1);
    let r = app.push(&device, &json!([event])).await;
    assert_eq!(r.body["acks"][0]["status"], "rejected", "{}", r.body);
    assert!(
        r.body["acks"][0]["reason"]
            .as_str()
            .is_some_and(|m| m.contains("biometric consent")),
        "{}",
        r.body
    );
    let listed = app.get("/api/v1/enrolment-candidates", &w.a.admin).await;
    assert_eq!(listed.body["items"], json!([]), "{}", listed.body);
    assert_eq!(app.stored_events(&w.a.admin).await, 0);
}

#[tokio::test]
async fn reviewers_see_only_their_own_candidates() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let ana = push_candidate(&app, &device, &w.a.employee, 1, 0.1).await;
    let consent = app
        .call(
            Method::PATCH,
            &format!("/api/v1/employees/{}", w.a.other_employee),
            Some(&w.a.admin),
            Some(json!({"consent": "granted"})),
        )
        .await;
    assert_eq!(consent.status, StatusCode::OK, "{}", consent.body);
    let bruno = push_candidate(&app, &device, &w.a.other_employee, 2, 0.1).await;

    // The manager of Ana's department does not see Bruno's; another organisation sees none.
    let mine = app.get("/api/v1/enrolment-candidates", &w.a.manager).await;
    let ids: Vec<&str> = mine.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, vec![ana.as_str()]);
    for (token, id) in [
        (&w.a.manager, &bruno),
        (&w.b.admin, &ana),
        (&w.b.manager, &ana),
    ] {
        let r = app
            .post(
                &format!("/api/v1/enrolment-candidates/{id}/approve"),
                Some(token),
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    }
    let r = app
        .get("/api/v1/enrolment-candidates", &w.a.employee_token)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .get("/api/v1/enrolment-candidates?status=maybe", &w.a.admin)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        app.get(&format!("/api/v1/enrolment-candidates/{ana}"), &w.a.admin)
            .await
            .body["status"],
        "pending"
    );
}

#[tokio::test]
async fn withdrawing_consent_erases_face_data_and_removes_it_from_every_kiosk() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let approved = push_candidate(&app, &device, &w.a.employee, 1, 0.1).await;
    let r = app
        .post(
            &format!("/api/v1/enrolment-candidates/{approved}/approve"),
            Some(&w.a.manager),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let pending = push_candidate(&app, &device, &w.a.employee, 2, 0.3).await;
    let full = roster(&app, &device).await;
    let templates: Vec<String> = full["templates"]
        .as_array()
        .expect("templates")
        .iter()
        .filter_map(|t| t["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(templates.len(), 2);
    let cursor = full["cursor"].as_u64().expect("cursor");

    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/employees/{}", w.a.employee),
            Some(&w.a.admin),
            Some(json!({"consent": "withdrawn"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Kiosks get a tombstone for each template.
    let delta = app
        .signed(
            &device,
            Method::GET,
            &format!("/api/v1/device/roster?since={cursor}"),
            Vec::new(),
            SignOpts::default(),
        )
        .await
        .body;
    let tombstoned: Vec<String> = delta["tombstones"]
        .as_array()
        .expect("tombstones")
        .iter()
        .filter(|t| t["entity"] == "template")
        .filter_map(|t| t["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(tombstoned.len(), 2, "{delta}");
    assert!(templates.iter().all(|t| tombstoned.contains(t)));
    // The pending capture is rejected, and no vector or thumbnail is left on the server.
    let c = app
        .get(
            &format!("/api/v1/enrolment-candidates/{pending}"),
            &w.a.admin,
        )
        .await;
    assert_eq!(
        (
            c.body["status"].as_str(),
            c.body["templates"].as_u64(),
            c.body["has_thumbnail"].as_bool()
        ),
        (Some("rejected"), Some(0), Some(false)),
        "{}",
        c.body
    );
    let events = app
        .get("/api/v1/device-events?kind=enrolment_candidate", &w.a.admin)
        .await;
    for e in events.body["items"].as_array().expect("items") {
        assert_eq!(e["payload"]["body"]["templates"], json!([]), "{e}");
        assert!(
            e["payload"]["body"].get("thumbnail_jpeg_base64").is_none(),
            "{e}"
        );
    }
    // Granting consent again does not bring old faces back: a new enrolment is needed.
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/employees/{}", w.a.employee),
            Some(&w.a.admin),
            Some(json!({"consent": "granted"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        roster(&app, &device).await["templates"]
            .as_array()
            .expect("templates")
            .is_empty()
    );
}

#[tokio::test]
async fn nobody_approves_a_candidate_of_their_own_face() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    // A manager of Ana's department whose account is Ana's own employee record (an employee
    // record belongs to one account: her worker account lets go of it first).
    let worker = app.get("/api/v1/me", &w.a.employee_token).await.id();
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{worker}"),
            Some(&w.a.admin),
            Some(json!({"employee_id": null})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post(
            "/api/v1/users",
            Some(&w.root),
            json!({"org_id": w.a.id, "email": "ana.manager@a.example", "display_name": "Ana",
                   "password": crate::helpers::PASSWORD, "role": "manager",
                   "departments": [w.a.dept], "employee_id": w.a.employee}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let ana = app.token("ana.manager@a.example").await;
    let id = push_candidate(&app, &device, &w.a.employee, 1, 0.1).await;

    let r = app
        .post(
            &format!("/api/v1/enrolment-candidates/{id}/approve"),
            Some(&ana),
            json!({}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["message"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("only a reviewer may approve a candidate, and never their own")
        ),
        "{}",
        r.body
    );
    assert_eq!(
        app.get(&format!("/api/v1/enrolment-candidates/{id}"), &w.a.admin)
            .await
            .body["status"],
        "pending"
    );
    // Another reviewer of the department approves it.
    let r = app
        .post(
            &format!("/api/v1/enrolment-candidates/{id}/approve"),
            Some(&w.a.manager),
            json!({}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{}",
        r.body
    );
}
