//! Issue 12 item 7 and security review M9, M10, L16: what a kiosk sends about someone who may
//! not punch there is stored but held for a reviewer, never counted silently nor dropped; face
//! data never leaves through the event list.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Device, TestApp, World, provisioned_device, spawn_app, world};

fn punch_at(employee: &str, seq: u64, at: jiff::Timestamp, kind: &str) -> Value {
    json!({
        "event_id": uuid::Uuid::now_v7(), "seq": seq, "captured_at": at,
        "body": {"kind": "punch", "employee_id": employee, "punch_type": kind, "method": "pin"}
    })
}

/// A kiosk at a second site of organisation A (Ana's home site is the first).
async fn kiosk_elsewhere(app: &TestApp, w: &World) -> (String, Device) {
    let site = app.new_site(&w.a.admin, &w.a.id, "Annex").await;
    let device = provisioned_device(app, &w.a.admin, &site).await;
    (site, device)
}

/// Ana works 09:00-17:00 today (UTC), punched at `device`; answers the acks.
async fn a_day_at(app: &TestApp, w: &World, device: &Device) -> Value {
    let day = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let at = |h: i8| {
        day.at(h, 0, 0, 0)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .expect("time")
            .timestamp()
    };
    let events = json!([
        punch_at(&w.a.employee, 1, at(0), "in"),
        punch_at(
            &w.a.employee,
            2,
            at(0) + jiff::SignedDuration::from_hours(7),
            "out"
        )
    ]);
    let r = app.push(device, &events).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["acks"].clone()
}

async fn paid_today(app: &TestApp, w: &World) -> u64 {
    let day = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let r = app
        .get(
            &format!(
                "/api/v1/employees/{}/attendance?from={}&to={}",
                w.a.employee,
                day.yesterday().expect("day"),
                day.tomorrow().expect("day")
            ),
            &w.a.admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["totals"]["paid_minutes"].as_u64().expect("minutes")
}

async fn held(app: &TestApp, w: &World) -> Vec<Value> {
    let r = app
        .get("/api/v1/device-events?hold_state=held", &w.a.admin)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn punches_at_a_site_the_employee_may_not_use_are_held_until_a_reviewer_releases_them() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (_, annex) = kiosk_elsewhere(&app, &w).await;
    let acks = a_day_at(&app, &w, &annex).await;
    assert!(
        acks.as_array()
            .expect("acks")
            .iter()
            .all(|a| a["status"] == "accepted"),
        "{acks}"
    );
    let waiting = held(&app, &w).await;
    assert_eq!(waiting.len(), 2);
    assert!(
        waiting[0]["held_reason"]
            .as_str()
            .expect("reason")
            .contains("may not punch at this kiosk's site")
    );
    assert_eq!(paid_today(&app, &w).await, 0, "held punches do not count");
    for event in &waiting {
        let id = event["event_id"].as_str().expect("id");
        let r = app
            .post(
                &format!("/api/v1/device-events/{id}/release"),
                Some(&w.a.manager),
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["hold_state"], "released");
    }
    assert!(paid_today(&app, &w).await > 0, "released punches count");
    // Decided once: a second decision is refused.
    let id = waiting[0]["event_id"].as_str().expect("id");
    let r = app
        .post(
            &format!("/api/v1/device-events/{id}/discard"),
            Some(&w.a.admin),
            json!({"reason": "late"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Another organisation cannot see or decide them.
    let r = app
        .post(
            &format!("/api/v1/device-events/{id}/release"),
            Some(&w.b.admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_employee_listed_for_a_site_punches_there_and_a_discard_needs_a_reason() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (annex_site, annex) = kiosk_elsewhere(&app, &w).await;
    let path = format!("/api/v1/employees/{}/punch-sites", w.a.employee);
    let r = app
        .call(
            Method::PUT,
            &path,
            Some(&w.a.admin),
            Some(json!({"site_ids": [annex_site, w.b.site]})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another organisation's site: {}",
        r.body
    );
    assert_eq!(r.body["error"]["details"][0]["field"], "site_ids");
    let r = app
        .call(
            Method::PUT,
            &path,
            Some(&w.a.admin),
            Some(json!({"site_ids": [annex_site]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    a_day_at(&app, &w, &annex).await;
    assert!(held(&app, &w).await.is_empty());
    assert!(paid_today(&app, &w).await > 0);
    // Listed sites replace the home site: a punch at the home kiosk is now held.
    let home = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let r = app
        .push(
            &home,
            &json!([punch_at(&w.a.employee, 1, jiff::Timestamp::now(), "in")]),
        )
        .await;
    assert_eq!(r.body["acks"][0]["status"], "accepted");
    let waiting = held(&app, &w).await;
    assert_eq!(waiting.len(), 1);
    let id = waiting[0]["event_id"].as_str().expect("id");
    let r = app
        .post(
            &format!("/api/v1/device-events/{id}/discard"),
            Some(&w.a.admin),
            json!({"reason": ""}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"]["details"][0]["field"], "reason");
    let r = app
        .post(
            &format!("/api/v1/device-events/{id}/discard"),
            Some(&w.a.admin),
            json!({"reason": "badge lent to a visitor"}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["hold_state"].as_str()),
        (StatusCode::OK, Some("discarded"))
    );
}

#[tokio::test]
async fn a_punch_dated_in_the_future_is_counted_but_flagged() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let kiosk = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(3);
    let r = app
        .push(&kiosk, &json!([punch_at(&w.a.employee, 1, later, "in")]))
        .await;
    assert_eq!(r.body["acks"][0]["status"], "accepted");
    let events = app
        .get("/api/v1/device-events?kind=punch", &w.a.admin)
        .await;
    let flag = events.body["items"][0]["flagged"]
        .as_str()
        .unwrap_or_default();
    assert!(flag.contains("after it was received"), "{}", events.body);
}

/// M9: the event list returned every candidate's face vectors and thumbnail to managers.
#[tokio::test]
async fn face_vectors_and_thumbnails_never_leave_through_the_event_list() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let kiosk = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let candidate = json!({
        "event_id": uuid::Uuid::now_v7(), "seq": 1, "captured_at": jiff::Timestamp::now(),
        "body": {"kind": "enrolment_candidate", "employee_id": w.a.employee, "model_id": "dlib-resnet-v1",
                 "templates": [{"vector": vec![0.25_f32; 128], "quality": 0.9}],
                 "thumbnail_jpeg_base64": "/9j/AAAA"}
    });
    let r = app.push(&kiosk, &json!([candidate])).await;
    assert_eq!(r.body["acks"][0]["status"], "accepted", "{}", r.body);
    let listed = app
        .get("/api/v1/device-events?kind=enrolment_candidate", &w.a.admin)
        .await;
    let body = &listed.body["items"][0]["payload"]["body"];
    assert_eq!(
        body["templates"],
        json!([{"quality": 0.9}]),
        "{}",
        listed.body
    );
    assert!(
        body.get("thumbnail_jpeg_base64").is_none(),
        "{}",
        listed.body
    );
}
