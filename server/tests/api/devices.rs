use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{provisioned_device, punch, spawn_app, world};

#[tokio::test]
async fn a_provisioning_code_works_exactly_once() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = app
        .post(
            "/api/v1/devices",
            Some(&w.a.admin),
            json!({"site_id": w.a.site, "name": "Door"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let code = r.body["provisioning_code"]
        .as_str()
        .expect("code")
        .to_owned();
    let id = r.body["device"]["id"].as_str().expect("id").to_owned();
    assert_eq!(r.body["device"]["status"], "unprovisioned");

    // Codes are forgiving about case and separators, as people type them.
    let typed = code.replace('-', " ").to_lowercase();
    let r = app
        .post(
            "/api/v1/device/provision",
            None,
            json!({"code": typed, "attendd_version": "0.1.0"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["device_id"].as_str(), Some(id.as_str()));
    assert_eq!(r.body["site_timezone"], "Europe/Lisbon");
    assert_eq!(r.body["device_secret"].as_str().map(str::len), Some(43));

    let again = app
        .post("/api/v1/device/provision", None, json!({"code": code}))
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.body["error"]["details"][0]["field"], "code");

    let r = app.get(&format!("/api/v1/devices/{id}"), &w.a.admin).await;
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["attendd_version"], "0.1.0");
}

#[tokio::test]
async fn a_disabled_device_can_no_longer_sync() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    assert_eq!(
        app.push(&device, &json!([punch(&w.a.employee, 1)]))
            .await
            .status,
        StatusCode::OK
    );
    let r = app
        .post(
            &format!("/api/v1/devices/{}/disable", device.id),
            Some(&w.a.admin),
            json!({}),
        )
        .await;
    assert_eq!(r.body["status"], "disabled");
    let r = app.push(&device, &json!([punch(&w.a.employee, 2)])).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app
        .post(
            &format!("/api/v1/devices/{}/enable", device.id),
            Some(&w.a.admin),
            json!({}),
        )
        .await;
    assert_eq!(r.body["status"], "active");
    assert_eq!(
        app.push(&device, &json!([punch(&w.a.employee, 3)]))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn heartbeats_update_the_devices_page() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let heartbeat = json!({
        "event_id": uuid::Uuid::now_v7(), "seq": 1, "captured_at": jiff::Timestamp::now(),
        "body": {"kind": "heartbeat", "versions": {"attendd": "0.1.0", "models": ["yunet-2023mar"]}, "queue_depth": 17, "clock_offset_ms": -420}
    });
    let r = app.push(&device, &json!([heartbeat])).await;
    assert_eq!(r.body["acks"][0]["status"], "accepted", "{}", r.body);
    let r = app
        .get(&format!("/api/v1/devices/{}", device.id), &w.a.manager)
        .await;
    assert_eq!(r.body["queue_depth"], 17);
    assert_eq!(r.body["clock_offset_ms"], -420);
    assert_eq!(
        r.body["heartbeat"]["versions"]["models"][0],
        "yunet-2023mar"
    );
    assert!(r.body["last_seen_at"].is_string());
}
