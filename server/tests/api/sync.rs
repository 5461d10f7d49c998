use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{SignOpts, provisioned_device, punch, spawn_app, spawn_app_with, world};

#[tokio::test]
async fn a_valid_signed_batch_is_stored_and_acked_in_order() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let events = json!([punch(&w.a.employee, 1), punch(&w.a.other_employee, 2)]);
    let r = app.push(&device, &events).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let acks = r.body["acks"].as_array().expect("acks");
    assert_eq!(acks.len(), 2);
    for (ack, event) in acks.iter().zip(events.as_array().expect("events")) {
        assert_eq!(ack["event_id"], event["event_id"]);
        assert_eq!(ack["status"], "accepted");
    }
    let stored = app.get("/api/v1/device-events", &w.a.admin).await;
    let first = &stored.body["items"][0];
    assert_eq!(first["kind"], "punch");
    assert_eq!(first["device_id"].as_str(), Some(device.id.as_str()));
    assert_eq!(first["payload"]["body"]["method"], "pin");
    assert!(first["received_at"].is_string() && first["captured_at"].is_string());
}

#[tokio::test]
async fn the_same_batch_sent_twice_is_stored_once() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let events = json!([
        punch(&w.a.employee, 1),
        punch(&w.a.employee, 2),
        punch(&w.a.employee, 3)
    ]);
    assert_eq!(app.push(&device, &events).await.status, StatusCode::OK);
    let r = app.push(&device, &events).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body["acks"]
            .as_array()
            .expect("acks")
            .iter()
            .all(|a| a["status"] == "duplicate"),
        "{}",
        r.body
    );
    assert_eq!(app.stored_events(&w.a.admin).await, 3);

    // One batch holding an event twice, between a stored one and a new one: one statement
    // stores the batch, and the acks still say which copy was stored.
    let fresh = punch(&w.a.employee, 4);
    let events = json!([
        events[0].clone(),
        fresh.clone(),
        fresh,
        punch(&w.a.employee, 5)
    ]);
    let r = app.push(&device, &events).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let statuses: Vec<&str> = r.body["acks"]
        .as_array()
        .expect("acks")
        .iter()
        .filter_map(|a| a["status"].as_str())
        .collect();
    assert_eq!(statuses, ["duplicate", "accepted", "duplicate", "accepted"]);
    assert_eq!(app.stored_events(&w.a.admin).await, 5);
}

#[tokio::test]
async fn forged_replayed_stale_and_tampered_requests_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let body = serde_json::to_vec(&json!({"events": [punch(&w.a.employee, 1)]})).expect("json");
    let path = "/api/v1/device/events";

    let forged = SignOpts {
        secret: Some("A".repeat(43)),
        ..SignOpts::default()
    };
    let stale = SignOpts {
        timestamp: Some(jiff::Timestamp::now().as_second() - 3600),
        ..SignOpts::default()
    };
    let mut other = body.clone();
    other[10] ^= 1;
    let tampered = SignOpts {
        send_body: Some(other),
        ..SignOpts::default()
    };
    for (name, opts) in [("forged", forged), ("stale", stale), ("tampered", tampered)] {
        let r = app
            .signed(&device, Method::POST, path, body.clone(), opts)
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{name}: {}", r.body);
        assert_eq!(r.code(), "unauthorized");
    }
    assert_eq!(app.stored_events(&w.a.admin).await, 0);

    let nonce = SignOpts {
        nonce: Some("replay-me-0123456789".into()),
        ..SignOpts::default()
    };
    let r = app
        .signed(&device, Method::POST, path, body.clone(), nonce.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .signed(&device, Method::POST, path, body.clone(), nonce)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "replay: {}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("replay"))
    );

    let unknown = crate::helpers::Device {
        id: uuid::Uuid::now_v7().to_string(),
        secret: device.secret.clone(),
    };
    let r = app
        .signed(&unknown, Method::POST, path, body, SignOpts::default())
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.stored_events(&w.a.admin).await, 1);
}

#[tokio::test]
async fn bad_events_are_rejected_one_by_one_without_blocking_the_batch() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let mut face_without_score = punch(&w.a.employee, 2);
    face_without_score["body"]["method"] = json!("face");
    let events = json!([
        punch(&w.a.employee, 1),
        face_without_score,
        punch(&w.b.employee, 3),
        punch(&w.a.employee, 4)
    ]);
    let r = app.push(&device, &events).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let statuses: Vec<&str> = r.body["acks"]
        .as_array()
        .expect("acks")
        .iter()
        .map(|a| a["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(statuses, ["accepted", "rejected", "rejected", "accepted"]);
    assert!(
        r.body["acks"][1]["reason"]
            .as_str()
            .is_some_and(|m| m.contains("score"))
    );
    assert!(
        r.body["acks"][2]["reason"]
            .as_str()
            .is_some_and(|m| m.contains("employee_id")),
        "another org's employee"
    );
    assert_eq!(app.stored_events(&w.a.admin).await, 2);
}

async fn push_raw(
    app: &crate::helpers::TestApp,
    device: &crate::helpers::Device,
    body: Vec<u8>,
) -> crate::helpers::Reply {
    app.signed(
        device,
        Method::POST,
        "/api/v1/device/events",
        body,
        SignOpts::default(),
    )
    .await
}

#[tokio::test]
async fn malformed_wrong_typed_unknown_kind_and_oversized_batches_are_refused_whole() {
    let app = spawn_app_with(|s| s.sync.max_body_bytes = 64 * 1024).await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;

    let r = push_raw(&app, &device, b"{\"events\": [".to_vec()).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "malformed_json"),
        "{}",
        r.body
    );

    let mut wrong: Value = json!({"events": [punch(&w.a.employee, 1), punch(&w.a.employee, 2)]});
    wrong["events"][1]["seq"] = json!("two");
    let r = push_raw(&app, &device, serde_json::to_vec(&wrong).expect("json")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["error"]["details"][0]["field"], "events[1].seq");

    let mut unknown_kind: Value = json!({"events": [punch(&w.a.employee, 1)]});
    unknown_kind["events"][0]["body"]["kind"] = json!("door_opened");
    let r = push_raw(
        &app,
        &device,
        serde_json::to_vec(&unknown_kind).expect("json"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        r.body["error"]["details"][0]["field"],
        "events[0].body.kind"
    );

    let many: Vec<Value> = (1..=1001).map(|i| json!({"event_id": uuid::Uuid::now_v7(), "seq": i, "captured_at": "2026-01-01T00:00:00Z", "body": {"kind": "punch", "employee_id": w.a.employee, "punch_type": "in", "method": "pin"}})).collect();
    let big = serde_json::to_vec(&json!({"events": many})).expect("json");
    assert!(big.len() > 64 * 1024);
    let r = push_raw(&app, &device, big).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        "{}",
        r.body
    );

    assert_eq!(
        app.stored_events(&w.a.admin).await,
        0,
        "nothing partial was written"
    );
}

#[tokio::test]
async fn events_with_fields_this_server_does_not_know_are_stored_verbatim() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let mut batch: Value = json!({"events": [punch(&w.a.employee, 1)], "compression": "none"});
    batch["events"][0]["priority"] = json!("high");
    batch["events"][0]["body"]["colour"] = json!("red");
    let r = push_raw(&app, &device, serde_json::to_vec(&batch).expect("json")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["acks"][0]["status"], "accepted", "{}", r.body);
    let stored = app.get("/api/v1/device-events", &w.a.admin).await;
    let payload = &stored.body["items"][0]["payload"];
    assert_eq!(payload["priority"], "high", "{}", stored.body);
    assert_eq!(payload["body"]["colour"], "red", "{}", stored.body);
}

#[tokio::test]
async fn a_batch_over_a_thousand_events_is_refused() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let events: Vec<Value> = (1..=1001).map(|i| punch(&w.a.employee, i)).collect();
    let r = app.push(&device, &Value::Array(events)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["error"]["details"][0]["field"], "events");
    assert_eq!(app.stored_events(&w.a.admin).await, 0);
}

#[tokio::test]
async fn roster_pull_returns_changes_since_the_cursor_with_tombstones() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let pull = |since: u64| app.roster(&device, since);
    let full = pull(0).await;
    let ids: Vec<&str> = full["employees"]
        .as_array()
        .expect("employees")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert!(ids.contains(&w.a.employee.as_str()) && ids.contains(&w.a.other_employee.as_str()));
    assert!(
        !full.to_string().contains(&w.b.employee),
        "another organisation's roster leaked"
    );
    let ana = full["employees"]
        .as_array()
        .expect("employees")
        .iter()
        .find(|e| e["id"] == json!(w.a.employee))
        .expect("ana");
    assert!(
        ana["pin_hash"]
            .as_str()
            .is_some_and(|h| h.starts_with("$argon2id$"))
    );
    assert_eq!(ana["consent"], "granted");
    assert_eq!(full["config"]["timezone"], "Europe/Lisbon");
    let cursor = full["cursor"].as_u64().expect("cursor");
    assert!(cursor > 0);

    assert_eq!(
        pull(cursor).await["employees"].as_array().map(Vec::len),
        Some(0),
        "nothing changed since"
    );

    let patch = json!({"display_name": "Ana Maria"});
    app.call(
        Method::PATCH,
        &format!("/api/v1/employees/{}", w.a.employee),
        Some(&w.a.admin),
        Some(patch),
    )
    .await;
    app.call(
        Method::DELETE,
        &format!("/api/v1/employees/{}", w.a.other_employee),
        Some(&w.a.admin),
        None,
    )
    .await;
    let delta = pull(cursor).await;
    assert_eq!(delta["employees"].as_array().map(Vec::len), Some(1));
    assert_eq!(delta["employees"][0]["display_name"], "Ana Maria");
    assert_eq!(
        delta["tombstones"],
        json!([{"entity": "employee", "id": w.a.other_employee}])
    );
    assert!(delta["cursor"].as_u64().expect("cursor") > cursor);
}

#[tokio::test]
async fn roster_pages_say_when_more_remain() {
    let app = spawn_app_with(|s| s.sync.roster_page = 1).await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let mut since = 0;
    let mut seen = Vec::new();
    for _ in 0..10 {
        let r = app
            .signed(
                &device,
                Method::GET,
                &format!("/api/v1/device/roster?since={since}"),
                Vec::new(),
                SignOpts::default(),
            )
            .await;
        seen.extend(
            r.body["employees"]
                .as_array()
                .expect("employees")
                .iter()
                .filter_map(|e| e["id"].as_str().map(str::to_owned)),
        );
        since = r.body["cursor"].as_u64().expect("cursor");
        if r.body["more"] == json!(false) {
            break;
        }
    }
    assert!(
        seen.contains(&w.a.employee) && seen.contains(&w.a.other_employee),
        "{seen:?}"
    );
}

#[tokio::test]
async fn managers_see_only_events_about_their_departments() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let events = json!([punch(&w.a.employee, 1), punch(&w.a.other_employee, 2)]);
    assert_eq!(app.push(&device, &events).await.status, StatusCode::OK);
    assert_eq!(app.stored_events(&w.a.admin).await, 2);
    let r = app.get("/api/v1/device-events", &w.a.manager).await;
    let items = r.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", r.body);
    assert_eq!(
        items[0]["employee_id"].as_str(),
        Some(w.a.employee.as_str())
    );
}

/// Security review M5: every kiosk of an organisation held every employee's PIN hash and face,
/// so one stolen kiosk revealed them all. A kiosk now holds only the people who may punch at
/// its site (their listed sites, else their home site, else anywhere), and a change of those
/// sites reaches the kiosks it concerns.
#[tokio::test]
async fn a_kiosk_holds_only_the_people_who_may_punch_at_its_site() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let depot = app.new_site(&w.a.admin, &w.a.id, "Depot").await;
    let device = provisioned_device(&app, &w.a.admin, &depot).await;
    let pull = |since: u64| app.roster(&device, since);
    let ids = |roster: &Value| -> Vec<String> {
        roster["employees"]
            .as_array()
            .expect("employees")
            .iter()
            .filter_map(|e| e["id"].as_str().map(str::to_owned))
            .collect()
    };
    let full = pull(0).await;
    // Ana's home is the plant; Bruno has no site, so he may punch anywhere.
    assert_eq!(ids(&full), vec![w.a.other_employee.clone()]);
    let cursor = full["cursor"].as_u64().expect("cursor");

    let set_sites = |sites: Vec<&str>| {
        let app = &app;
        let (path, token) = (
            format!("/api/v1/employees/{}/punch-sites", w.a.employee),
            w.a.admin.clone(),
        );
        let body = json!({ "site_ids": sites });
        async move {
            let r = app.call(Method::PUT, &path, Some(&token), Some(body)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
    };
    set_sites(vec![&w.a.site, &depot]).await;
    let delta = pull(cursor).await;
    assert_eq!(ids(&delta), vec![w.a.employee.clone()]);
    let cursor = delta["cursor"].as_u64().expect("cursor");

    set_sites(vec![&w.a.site]).await;
    let delta = pull(cursor).await;
    assert_eq!(ids(&delta), Vec::<String>::new());
    assert!(
        delta["tombstones"]
            .as_array()
            .expect("tombstones")
            .contains(&json!({"entity": "employee", "id": w.a.employee})),
        "{delta}"
    );
}

/// Security review M5: a 4-digit PIN is one of 10,000; a PIN set now has 6 to 8 digits.
#[tokio::test]
async fn a_new_pin_has_six_to_eight_digits() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let path = format!("/api/v1/employees/{}", w.a.other_employee);
    for short in ["1234", "12345", "123456789", "12a456"] {
        let r = app
            .call(
                Method::PATCH,
                &path,
                Some(&w.a.admin),
                Some(json!({"pin": short})),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{short}: {}",
            r.body
        );
        assert_eq!(r.body["error"]["details"][0]["field"], "pin", "{}", r.body);
    }
    let r = app
        .call(
            Method::PATCH,
            &path,
            Some(&w.a.admin),
            Some(json!({"pin": "135792"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
