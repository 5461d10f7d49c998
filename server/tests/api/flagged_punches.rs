//! Issue 13 item 6: flagged punches form a review queue with their evidence; a manager confirms
//! one (it keeps counting) or rejects it (it leaves the hours), audited, never their own; flag
//! rates per site and per employee show a badly placed camera.

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::four_eyes::message;
use crate::helpers::{
    Device, PASSWORD, TestApp, World, audit_actions, provisioned_device, spawn_app,
    unconfirmed_device, world,
};

/// The evidence of a liveness check that passed (`live`) or failed.
pub(crate) fn evidence(live: bool) -> Value {
    json!({"mode": "adaptive", "live": live, "score": if live { 0.93 } else { 0.31 },
        "scores": [{"model": "minifasnet-v2", "p_real": if live { 0.95 } else { 0.28 }},
                   {"model": "minifasnet-v1se", "p_real": if live { 0.91 } else { 0.34 }}],
        "challenge": if live { "not_asked" } else { "failed" },
        "reason": if live { Value::Null } else { json!("no parallax: a flat picture") }})
}

/// A punch of `employee` at `at`: by face with a liveness check (`Some(live)`), or by PIN.
pub(crate) fn punch(
    employee: &str,
    seq: u64,
    at: Timestamp,
    kind: &str,
    face: Option<bool>,
) -> Value {
    let mut p = json!({
        "event_id": uuid::Uuid::now_v7(), "seq": seq, "captured_at": at,
        "body": {"kind": "punch", "employee_id": employee, "punch_type": kind, "method": "pin"}
    });
    if let Some(live) = face {
        p["body"]["method"] = json!("face");
        p["body"]["score"] = json!(0.35);
        p["body"]["threshold"] = json!(0.6);
        p["body"]["model_id"] = json!("dlib-resnet-v1");
        p["body"]["liveness"] = evidence(live);
    }
    p
}

pub(crate) async fn push(app: &TestApp, device: &Device, events: Value) {
    let r = app.push(device, &events).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for ack in r.body["acks"].as_array().expect("acks") {
        assert_eq!(ack["status"], "accepted", "{}", r.body);
    }
}

/// Ana clocks in by face, failing the liveness check (flagged), and out by PIN eight minutes
/// later: both dated within the clock tolerance, so only the face punch is flagged. Its id.
pub(crate) async fn flagged_shift(app: &TestApp, w: &World, device: &Device) -> String {
    let now = Timestamp::now();
    let four = SignedDuration::from_mins(4);
    let clock_in = punch(&w.a.employee, 1, now - four, "in", Some(false));
    let clock_out = punch(&w.a.employee, 2, now + four, "out", None);
    push(app, device, json!([clock_in, clock_out])).await;
    clock_in["event_id"].as_str().expect("id").to_owned()
}

pub(crate) async fn paid_minutes(app: &TestApp, w: &World) -> u64 {
    let day = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let path = format!(
        "/api/v1/employees/{}/attendance?from={}&to={}",
        w.a.employee,
        day.yesterday().expect("day"),
        day.tomorrow().expect("day")
    );
    let r = app.get(&path, &w.a.admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["totals"]["paid_minutes"].as_u64().expect("minutes")
}

async fn queue(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/api/v1/flagged-punches{query}"), token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"].as_array().expect("items").clone()
}

pub(crate) async fn decide(
    app: &TestApp,
    token: &str,
    id: &str,
    action: &str,
    body: Value,
) -> crate::helpers::Reply {
    app.post(
        &format!("/api/v1/flagged-punches/{id}/{action}"),
        Some(token),
        body,
    )
    .await
}

#[tokio::test]
async fn a_punch_that_failed_its_liveness_check_waits_with_its_evidence_and_a_rejection_takes_it_out_of_the_hours()
 {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let id = flagged_shift(&app, &w, &device).await;
    let waiting = queue(&app, &w.a.manager, "").await;
    assert_eq!(waiting.len(), 1, "only the flagged punch: {waiting:?}");
    let item = &waiting[0];
    assert_eq!(item["event_id"], id.as_str());
    assert_eq!(item["employee_id"], w.a.employee.as_str());
    assert_eq!(item["employee_name"], "Ana");
    assert_eq!(item["site_name"], "Plant");
    assert_eq!(item["punch_type"], "in");
    assert_eq!(item["method"], "face");
    assert_eq!(item["review"], "pending");
    assert!(
        item["flag_reason"]
            .as_str()
            .is_some_and(|r| r.contains("liveness check failed: no parallax")),
        "{item}"
    );
    assert_eq!(item["liveness"], evidence(false), "{item}");
    assert!((item["match_score"].as_f64().expect("score") - 0.35).abs() < 1e-6);
    assert!((item["match_threshold"].as_f64().expect("threshold") - 0.6).abs() < 1e-6);
    assert_eq!(item["model_id"], "dlib-resnet-v1");

    let before = paid_minutes(&app, &w).await;
    assert!(before > 0, "a flagged punch counts until it is rejected");
    let r = decide(&app, &w.a.manager, &id, "reject", json!({"reason": "  "})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["error"]["details"][0]["field"], "reason");
    let r = decide(
        &app,
        &w.a.manager,
        &id,
        "reject",
        json!({"reason": "a photo held up"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["review"], "rejected");
    assert_eq!(r.body["review_reason"], "a photo held up");
    assert!(r.body["reviewed_by"].is_string(), "{}", r.body);
    assert_eq!(
        paid_minutes(&app, &w).await,
        0,
        "a lone clock-out pays nothing"
    );
    assert!(
        audit_actions(&app, &w.a.admin, "device_event")
            .await
            .contains(&"flag_rejected".to_owned())
    );

    assert!(
        queue(&app, &w.a.manager, "").await.is_empty(),
        "decided: out of the queue"
    );
    let rejected = queue(&app, &w.a.manager, "?review=rejected").await;
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["event_id"], id.as_str());
    // Decided once: a second decision, either way, is refused.
    let r = decide(&app, &w.a.admin, &id, "confirm", json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = decide(&app, &w.a.admin, &id, "reject", json!({"reason": "again"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

#[tokio::test]
async fn a_confirmed_punch_keeps_counting_and_leaves_the_queue() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let id = flagged_shift(&app, &w, &device).await;
    let before = paid_minutes(&app, &w).await;
    assert!(before > 0);
    let r = decide(&app, &w.a.admin, &id, "confirm", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["review"], "confirmed");
    assert_eq!(paid_minutes(&app, &w).await, before);
    assert!(queue(&app, &w.a.admin, "").await.is_empty());
    assert_eq!(queue(&app, &w.a.admin, "?review=confirmed").await.len(), 1);
    let r = decide(&app, &w.a.manager, &id, "confirm", json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        audit_actions(&app, &w.a.admin, "device_event")
            .await
            .contains(&"flag_confirmed".to_owned())
    );
}

#[tokio::test]
async fn nobody_decides_on_their_own_flagged_punch() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    // Carla manages Assembly and punches there too.
    let r = app
        .post(
            "/api/v1/employees",
            Some(&w.a.admin),
            json!({"employee_number": "3", "display_name": "Carla", "department_id": w.a.dept}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let carla = r.id();
    let r = app.post("/api/v1/users", Some(&w.a.admin), json!({"email": "carla@a.example", "display_name": "Carla", "password": PASSWORD, "role": "manager", "departments": [w.a.dept], "employee_id": carla})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let carla_token = app.token("carla@a.example").await;
    let own = punch(&carla, 1, Timestamp::now(), "in", Some(false));
    push(&app, &device, json!([own])).await;
    let id = own["event_id"].as_str().expect("id");
    assert_eq!(queue(&app, &carla_token, "").await.len(), 1, "she sees it");
    let r = decide(&app, &carla_token, id, "confirm", json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(message(&r).contains("about themselves"), "{}", r.body);
    let r = decide(
        &app,
        &carla_token,
        id,
        "reject",
        json!({"reason": "not me"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Another reviewer decides it.
    let r = decide(&app, &w.a.manager, id, "confirm", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn reviewers_see_and_decide_only_flagged_punches_in_their_scope() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    // Bruno works in the Warehouse, which the world's manager does not manage.
    let bruno = punch(&w.a.other_employee, 1, Timestamp::now(), "in", Some(false));
    push(&app, &device, json!([bruno])).await;
    let id = bruno["event_id"].as_str().expect("id");
    assert!(queue(&app, &w.a.manager, "").await.is_empty());
    let r = decide(&app, &w.a.manager, id, "confirm", json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(queue(&app, &w.b.admin, "").await.is_empty());
    let r = decide(
        &app,
        &w.b.admin,
        id,
        "reject",
        json!({"reason": "not ours"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = app
        .get("/api/v1/flagged-punches", &w.a.employee_token)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // The administrator sees it, and the filters narrow to it or away from it.
    assert_eq!(queue(&app, &w.a.admin, "").await.len(), 1);
    let by_employee = format!("?employee_id={}", w.a.other_employee);
    assert_eq!(queue(&app, &w.a.admin, &by_employee).await.len(), 1);
    let by_other = format!("?employee_id={}", w.a.employee);
    assert!(queue(&app, &w.a.admin, &by_other).await.is_empty());
    let by_site = format!("?site_id={}", w.a.site);
    assert_eq!(queue(&app, &w.a.admin, &by_site).await.len(), 1);
    let r = app
        .get("/api/v1/flagged-punches?review=maybe", &w.a.admin)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

/// Held because its kiosk was not confirmed yet: the held queue decides it first; released, it
/// reaches this queue.
#[tokio::test]
async fn a_held_flagged_punch_reaches_the_queue_once_released() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = unconfirmed_device(&app, &w.a.admin, &w.a.site).await;
    push(
        &app,
        &device,
        json!([punch(&w.a.employee, 1, Timestamp::now(), "in", Some(false))]),
    )
    .await;
    assert!(
        queue(&app, &w.a.admin, "").await.is_empty(),
        "held: not yet"
    );
    let r = app
        .post(
            &format!("/api/v1/devices/{}/confirm", device.id),
            Some(&w.a.admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        queue(&app, &w.a.admin, "").await.len(),
        1,
        "released: waiting for review"
    );
}

#[tokio::test]
async fn flag_rates_count_face_punches_and_liveness_failures_per_site_and_employee() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let plant = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let annex_site = app.new_site(&w.a.admin, &w.a.id, "Annex").await;
    let annex = provisioned_device(&app, &w.a.admin, &annex_site).await;
    let now = Timestamp::now();
    let (ana, bruno) = (&w.a.employee, &w.a.other_employee);
    // At the plant Ana fails once and passes once; Bruno's PIN punch is no face punch.
    push(
        &app,
        &plant,
        json!([
            punch(ana, 1, now, "in", Some(false)),
            punch(ana, 2, now, "out", Some(true)),
            punch(bruno, 3, now, "in", None)
        ]),
    )
    .await;
    // At the annex (Bruno has no home site, so he may punch there) he fails.
    push(
        &app,
        &annex,
        json!([punch(bruno, 1, now, "in", Some(false))]),
    )
    .await;

    let r = app.get("/api/v1/flagged-punches/rates", &w.a.admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let row = |list: &Value, i: usize| {
        let r = &list[i];
        (
            r["name"].as_str().unwrap_or("").to_owned(),
            r["face_punches"].as_u64(),
            r["flagged"].as_u64(),
        )
    };
    let sites = &r.body["sites"];
    assert_eq!(sites.as_array().map(Vec::len), Some(2), "{sites}");
    assert_eq!(
        row(sites, 0),
        ("Annex".into(), Some(1), Some(1)),
        "highest rate first"
    );
    assert_eq!(row(sites, 1), ("Plant".into(), Some(2), Some(1)));
    assert!((sites[1]["rate"].as_f64().expect("rate") - 0.5).abs() < 1e-9);
    let employees = &r.body["employees"];
    assert_eq!(row(employees, 0), ("Bruno".into(), Some(1), Some(1)));
    assert_eq!(row(employees, 1), ("Ana".into(), Some(2), Some(1)));
    // The Assembly manager's rates are Ana's alone.
    let r = app
        .get("/api/v1/flagged-punches/rates?days=7", &w.a.manager)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["sites"].as_array().map(Vec::len),
        Some(1),
        "{}",
        r.body
    );
    assert_eq!(row(&r.body["sites"], 0), ("Plant".into(), Some(2), Some(1)));
    assert_eq!(r.body["employees"].as_array().map(Vec::len), Some(1));
    // Another organisation's are empty; a period of no days is refused naming the field.
    let r = app.get("/api/v1/flagged-punches/rates", &w.b.admin).await;
    assert_eq!(r.body["sites"], json!([]), "{}", r.body);
    let r = app
        .get("/api/v1/flagged-punches/rates?days=0", &w.a.admin)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["error"]["details"][0]["field"], "days", "{}", r.body);
}
