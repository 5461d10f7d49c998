use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{SignOpts, provisioned_device, punch, spawn_app, spawn_app_with, world};

fn heartbeat(body: Value) -> Value {
    let mut beat = json!({"kind": "heartbeat", "versions": {"attendd": "0.1.0"}, "queue_depth": 0, "clock_offset_ms": 0});
    beat.as_object_mut()
        .expect("object")
        .extend(body.as_object().expect("object").clone());
    json!({"event_id": uuid::Uuid::now_v7(), "seq": 1, "captured_at": jiff::Timestamp::now(), "body": beat})
}

#[tokio::test]
async fn a_provisioning_code_works_exactly_once() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = crate::helpers::registered_device(&app, &w.a.admin, &w.a.site, "Door").await;
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

#[tokio::test]
async fn a_kiosk_s_set_aside_events_and_latest_refusal_show_in_the_devices_api() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let path = format!("/api/v1/devices/{}", device.id);
    assert_eq!(
        app.get(&path, &w.a.admin).await.body["set_aside"],
        Value::Null
    );

    let reason = "422: the body does not match; events[0].body.kind: unknown variant `door_opened`";
    let beat = heartbeat(json!({"set_aside": 2, "set_aside_reason": reason}));
    let r = app.push(&device, &json!([beat])).await;
    assert_eq!(r.body["acks"][0]["status"], "accepted", "{}", r.body);
    let one = app.get(&path, &w.a.manager).await;
    assert_eq!(
        (&one.body["set_aside"], &one.body["set_aside_reason"]),
        (&json!(2), &json!(reason))
    );
    let list = app.get("/api/v1/devices", &w.a.admin).await;
    let listed = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|d| d["id"] == device.id.as_str())
        .expect("the kiosk is listed");
    assert_eq!(listed["set_aside"], 2, "{}", list.body);

    // A heartbeat from a kiosk that holds nothing aside, or from an older one, clears it.
    let r = app.push(&device, &json!([heartbeat(json!({}))])).await;
    assert_eq!(r.body["acks"][0]["status"], "accepted", "{}", r.body);
    let one = app.get(&path, &w.a.admin).await;
    assert_eq!(
        (&one.body["set_aside"], &one.body["set_aside_reason"]),
        (&json!(0), &Value::Null)
    );
}

#[tokio::test]
async fn every_signed_answer_names_the_server_version_refusals_included() {
    let app = spawn_app_with(|s| s.sync.max_body_bytes = 1024).await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let version = env!("CARGO_PKG_VERSION");
    let named = |r: &crate::helpers::Reply| {
        r.headers
            .get(attend_protocol::HEADER_SERVER_VERSION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let ok = app.push(&device, &json!([punch(&w.a.employee, 1)])).await;
    assert_eq!(ok.status, StatusCode::OK);
    let roster = app
        .signed(
            &device,
            Method::GET,
            "/api/v1/device/roster?since=0",
            Vec::new(),
            SignOpts::default(),
        )
        .await;
    assert_eq!(roster.status, StatusCode::OK);
    let big: Vec<Value> = (1..=20).map(|i| punch(&w.a.employee, i)).collect();
    let too_large = app.push(&device, &Value::Array(big)).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    let mut odd = punch(&w.a.employee, 2);
    odd["body"]["kind"] = json!("door_opened");
    let unreadable = app.push(&device, &json!([odd])).await;
    assert_eq!(unreadable.status, StatusCode::UNPROCESSABLE_ENTITY);
    for r in [&ok, &roster, &too_large, &unreadable] {
        assert_eq!(
            named(r).as_deref(),
            Some(version),
            "{} {}",
            r.status,
            r.body
        );
    }
    // Routes for people are not stamped: only kiosks act on it.
    assert_eq!(named(&app.get("/api/v1/devices", &w.a.admin).await), None);
}

/// Security review L5: a heartbeat's queue depth past i64 was stored wrapped and then failed
/// every read of the organisation's devices (500).
#[tokio::test]
async fn a_huge_queue_depth_cannot_break_the_devices_list() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let r = app
        .push(
            &device,
            &json!([heartbeat(json!({"queue_depth": u64::MAX}))]),
        )
        .await;
    assert_eq!(r.body["acks"][0]["status"], "accepted", "{}", r.body);
    let r = app.get("/api/v1/devices", &w.a.admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (_, page) = crate::dash_client::dash(&app, "admin@a.example")
        .await
        .get("/dashboard/devices")
        .await;
    assert!(page.contains("Kiosk"), "the devices page renders");
}
