//! A rogue or compromised kiosk (review M10): provisioning codes last an hour, an administrator
//! can issue a fresh one, and a kiosk that exchanged its code learns and counts nothing until an
//! administrator confirms it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::dash_client::dash;
use crate::helpers::{
    Device, PASSWORD, TestApp, World, audit_actions, provisioned_device, punch, spawn_app,
    unconfirmed_device, world,
};

async fn held(app: &TestApp, w: &World) -> Vec<Value> {
    let r = app
        .get("/api/v1/device-events?hold_state=held", &w.a.admin)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"].as_array().expect("items").clone()
}

fn statuses(acks: &Value) -> Vec<&str> {
    acks["acks"]
        .as_array()
        .expect("acks")
        .iter()
        .filter_map(|a| a["status"].as_str())
        .collect()
}

async fn confirm(app: &TestApp, token: &str, device: &Device) -> crate::helpers::Reply {
    app.post(
        &format!("/api/v1/devices/{}/confirm", device.id),
        Some(token),
        json!({}),
    )
    .await
}

/// A machine at `site`, so the roster has something of every kind.
async fn lathe(app: &TestApp, w: &World) {
    let new = json!({"site_id": w.a.site, "name": "Lathe", "relay_channel": 0, "activation_code": "4711"});
    let r = app.post("/api/v1/equipment", Some(&w.a.admin), new).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn a_leaked_code_yields_a_kiosk_that_gets_no_roster_and_whose_punches_are_held() {
    let app = spawn_app().await;
    let w = world(&app).await;
    lathe(&app, &w).await;
    let rogue = unconfirmed_device(&app, &w.a.admin, &w.a.site).await;

    let r = app
        .get(&format!("/api/v1/devices/{}", rogue.id), &w.a.admin)
        .await;
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["awaiting_confirmation"], true);
    assert!(r.body["provisioned_ip"].is_string(), "{}", r.body);

    let delta = app.roster(&rogue, 0).await;
    for kind in [
        "employees",
        "templates",
        "equipment",
        "qualifications",
        "tombstones",
    ] {
        assert_eq!(
            delta[kind],
            json!([]),
            "{kind} reached an unconfirmed kiosk"
        );
    }
    assert_eq!(delta["cursor"], 0, "the cursor does not move");
    assert_eq!(delta["more"], false);
    assert_eq!(delta["config"]["awaiting_confirmation"], true);
    let later = app.roster(&rogue, 7).await;
    assert_eq!(later["cursor"], 7, "the kiosk's own cursor comes back");

    // Its punches are stored (they may be real) but not counted; its heartbeats count.
    let beat = json!({"event_id": uuid::Uuid::now_v7(), "seq": 2, "captured_at": jiff::Timestamp::now(),
        "body": {"kind": "heartbeat", "versions": {"attendd": "0.1.0"}, "queue_depth": 5, "clock_offset_ms": 0}});
    let r = app
        .push(&rogue, &json!([punch(&w.a.employee, 1), beat]))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(statuses(&r.body), ["accepted", "accepted"]);
    let waiting = held(&app, &w).await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["held_reason"], "the kiosk is not confirmed yet");
    let r = app
        .get(&format!("/api/v1/devices/{}", rogue.id), &w.a.admin)
        .await;
    assert_eq!(r.body["queue_depth"], 5);
}

#[tokio::test]
async fn confirming_a_kiosk_releases_what_was_held_only_because_it_was_not_confirmed() {
    let app = spawn_app().await;
    let w = world(&app).await;
    // Someone whose home is another site: held there for that reason too.
    let depot = app.new_site(&w.a.admin, &w.a.id, "Depot").await;
    let carla = app
        .post("/api/v1/employees", Some(&w.a.admin), json!({"org_id": w.a.id, "employee_number": "3", "display_name": "Carla", "department_id": w.a.dept, "site_id": depot}))
        .await;
    assert_eq!(carla.status, StatusCode::CREATED, "{}", carla.body);
    let kiosk = unconfirmed_device(&app, &w.a.admin, &w.a.site).await;
    let r = app
        .push(
            &kiosk,
            &json!([punch(&w.a.employee, 1), punch(&carla.id(), 2)]),
        )
        .await;
    assert_eq!(statuses(&r.body), ["accepted", "accepted"], "{}", r.body);
    assert_eq!(held(&app, &w).await.len(), 2);

    // Only an administrator confirms.
    let r = confirm(&app, &w.a.manager, &kiosk).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = confirm(&app, &w.b.admin, &kiosk).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    let r = confirm(&app, &w.a.admin, &kiosk).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["released_events"], 1);
    assert_eq!(r.body["device"]["awaiting_confirmation"], false);
    assert!(r.body["device"]["confirmed_by"].is_string());
    let waiting = held(&app, &w).await;
    assert_eq!(
        waiting.len(),
        1,
        "held for another reason as well: still waiting"
    );
    assert_eq!(
        waiting[0]["held_reason"],
        "the kiosk is not confirmed yet; the employee may not punch at this kiosk's site"
    );
    assert_eq!(
        audit_actions(&app, &w.a.admin, "device_event").await,
        ["released"]
    );
    assert!(
        audit_actions(&app, &w.a.admin, "device")
            .await
            .ends_with(&["provision".to_owned(), "confirm".to_owned()])
    );

    // From now on its punches count at once, and confirming twice is refused.
    let r = app.push(&kiosk, &json!([punch(&w.a.employee, 3)])).await;
    assert_eq!(statuses(&r.body), ["accepted"]);
    assert_eq!(held(&app, &w).await.len(), 1);
    let r = confirm(&app, &w.a.admin, &kiosk).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

#[tokio::test]
async fn a_kiosk_s_roster_after_confirmation_is_complete() {
    let app = spawn_app().await;
    let w = world(&app).await;
    lathe(&app, &w).await;
    let trusted = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let expected = app.roster(&trusted, 0).await;
    assert!(
        !expected["employees"]
            .as_array()
            .expect("employees")
            .is_empty()
    );
    assert!(
        !expected["equipment"]
            .as_array()
            .expect("equipment")
            .is_empty()
    );

    let kiosk = unconfirmed_device(&app, &w.a.admin, &w.a.site).await;
    let before = app.roster(&kiosk, 0).await;
    let r = confirm(&app, &w.a.admin, &kiosk).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let since = before["cursor"].as_u64().expect("cursor");
    assert_eq!(app.roster(&kiosk, since).await, expected);
}

#[tokio::test]
async fn a_provisioning_code_lasts_an_hour_and_is_refused_once_expired() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = crate::helpers::registered_device(&app, &w.a.admin, &w.a.site, "Door").await;
    let expires: jiff::Timestamp = r.body["provisioning_expires_at"]
        .as_str()
        .expect("expiry")
        .parse()
        .expect("timestamp");
    let lifetime = expires.duration_since(jiff::Timestamp::now()).as_secs();
    assert!((3590..=3600).contains(&lifetime), "{lifetime} s");

    // An hour later (planted: the expiry moved into the past).
    let code = r.body["provisioning_code"].as_str().expect("code");
    let device = r.body["device"]["id"].as_str().expect("device id");
    app.plant(&format!(
        "UPDATE devices SET provisioning_expires_at = '2020-01-01T00:00:00.000000Z' WHERE id = '{device}'"
    ))
    .await;
    let r = app
        .post("/api/v1/device/provision", None, json!({"code": code}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["error"]["details"][0]["field"], "code");
}

#[tokio::test]
async fn a_fresh_code_can_be_issued_and_ends_a_provisioned_kiosk_s_secret() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let old = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let path = format!("/api/v1/devices/{}/provisioning-code", old.id);
    assert_eq!(
        app.post(&path, Some(&w.a.manager), json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&path, Some(&w.b.admin), json!({})).await.status,
        StatusCode::NOT_FOUND
    );

    let r = app.post(&path, Some(&w.a.admin), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["device"]["status"], "unprovisioned");
    let code = r.body["provisioning_code"]
        .as_str()
        .expect("code")
        .to_owned();
    let r = app.push(&old, &json!([punch(&w.a.employee, 1)])).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "the old secret ended");

    let r = app
        .post("/api/v1/device/provision", None, json!({"code": code}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["device_id"].as_str(), Some(old.id.as_str()));
    let new = Device {
        id: old.id.clone(),
        secret: r.body["device_secret"].as_str().expect("secret").to_owned(),
    };
    let delta = app.roster(&new, 0).await;
    assert_eq!(
        delta["config"]["awaiting_confirmation"], true,
        "a re-provisioned kiosk is confirmed again"
    );
    assert_eq!(delta["employees"], json!([]));
    assert!(
        audit_actions(&app, &w.a.admin, "device")
            .await
            .ends_with(&["issue_code".to_owned(), "provision".to_owned()])
    );
}

#[tokio::test]
async fn the_devices_page_shows_a_kiosk_awaiting_confirmation_and_confirms_it() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let kiosk = unconfirmed_device(&app, &w.a.admin, &w.a.site).await;
    let admin = dash(&app, "admin@a.example").await;
    let (status, html) = admin.get("/dashboard/devices").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("awaiting confirmation"), "{html}");
    assert!(html.contains("from 127.0.0.1"), "the address: {html}");
    assert!(
        html.contains(&format!(
            r#"action="/dashboard/devices/{}/confirm""#,
            kiosk.id
        )),
        "{html}"
    );
    let (status, kind, text) = admin
        .post(
            &format!("/dashboard/devices/{}/confirm", kiosk.id),
            &[],
            true,
        )
        .await;
    assert_eq!((status, kind.as_str()), (StatusCode::SEE_OTHER, "success"));
    assert_eq!(
        text,
        "Kiosk is confirmed: it gets the roster at its next sync."
    );
    let (_, html) = admin.get("/dashboard/devices").await;
    assert!(!html.contains("awaiting confirmation"), "{html}");
}

#[tokio::test]
async fn an_admin_confirming_a_kiosk_does_not_release_their_own_punches() {
    let app = spawn_app().await;
    let w = world(&app).await;
    // An administrator who is also on the payroll (as Bruno).
    let body = json!({"org_id": w.a.id, "email": "bruno.admin@a.example", "display_name": "Bruno",
        "password": PASSWORD, "role": "org_admin", "employee_id": w.a.other_employee});
    let r = app.post("/api/v1/users", Some(&w.a.admin), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let bruno = app.token("bruno.admin@a.example").await;

    let kiosk = unconfirmed_device(&app, &w.a.admin, &w.a.site).await;
    let r = app
        .push(
            &kiosk,
            &json!([punch(&w.a.employee, 1), punch(&w.a.other_employee, 2)]),
        )
        .await;
    assert_eq!(statuses(&r.body), ["accepted", "accepted"], "{}", r.body);
    let r = confirm(&app, &bruno, &kiosk).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["released_events"], 1);
    let waiting = held(&app, &w).await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["employee_id"], json!(w.a.other_employee));
    // Someone else releases it.
    let id = waiting[0]["event_id"].as_str().expect("id");
    let r = app
        .post(
            &format!("/api/v1/device-events/{id}/release"),
            Some(&w.a.admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
