//! Attendance set-up and results over HTTP: site policies, shifts, schedules, and the engine's
//! hours from punches a kiosk synced (an overnight shift across the spring DST change).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, provisioned_device, spawn_app, world};

fn punch_at(employee: &str, seq: u64, at: &str, kind: &str) -> Value {
    json!({
        "event_id": uuid::Uuid::now_v7(),
        "seq": seq,
        "captured_at": at,
        "body": {"kind": "punch", "employee_id": employee, "punch_type": kind, "method": "pin"}
    })
}

fn field(r: &crate::helpers::Reply) -> Option<&str> {
    r.body["error"]["details"][0]["field"].as_str()
}

async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> crate::helpers::Reply {
    app.call(Method::PUT, path, Some(token), Some(body)).await
}

#[tokio::test]
async fn a_site_policy_is_validated_and_only_admins_change_it() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let path = format!("/api/v1/sites/{}/policy", w.a.site);

    let r = app.get(&path, &w.a.manager).await;
    assert_eq!(
        (r.status, r.body["max_open_hours"].as_u64()),
        (StatusCode::OK, Some(16)),
        "{}",
        r.body
    );

    let bad = json!({"rounding": {"increment_minutes": 7, "mode": "nearest"}});
    let r = put(&app, &path, &w.a.admin, bad).await;
    assert_eq!(
        (r.status, field(&r)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("rounding.increment_minutes")
        ),
        "{}",
        r.body
    );
    let r = put(&app, &path, &w.a.admin, json!({"max_open_hours": 0})).await;
    assert_eq!(field(&r), Some("max_open_hours"), "{}", r.body);
    let r = put(
        &app,
        &path,
        &w.a.admin,
        json!({"overtime": {"week_starts": "someday"}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    let good = json!({
        "grace_late_minutes": 5,
        "rounding": {"increment_minutes": 15, "mode": "nearest"},
        "breaks": {"paid": false, "auto_deduct": {"after_worked_minutes": 360, "deduct_minutes": 30}},
        "overtime": {"daily_threshold_minutes": 480, "weekly_threshold_minutes": 2400, "week_starts": "monday"},
    });
    assert_eq!(
        put(&app, &path, &w.a.manager, good.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        put(&app, &path, &w.b.admin, good.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    let r = put(&app, &path, &w.a.admin, good).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.get(&path, &w.a.manager).await;
    assert_eq!(r.body["overtime"]["daily_threshold_minutes"], 480);
    assert_eq!(r.body["grace_late_minutes"], 5);
    let audit = app.get("/api/v1/audit", &w.a.admin).await;
    assert!(
        audit.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["entity"] == "site_policy")
    );
}

#[tokio::test]
async fn shifts_and_schedules_name_what_is_wrong() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = app
        .post(
            "/api/v1/shifts",
            Some(&w.a.admin),
            json!({"site_id": w.a.site, "name": "Night", "start": "22:00", "end": "06:00"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["overnight"], true);
    let night = r.id();
    let r = app
        .post(
            "/api/v1/shifts",
            Some(&w.a.admin),
            json!({"site_id": w.a.site, "name": "Night", "start": "21:00", "end": "05:00"}),
        )
        .await;
    assert_eq!(
        (r.status, field(&r)),
        (StatusCode::CONFLICT, Some("name")),
        "{}",
        r.body
    );
    let r = app
        .post(
            "/api/v1/shifts",
            Some(&w.a.admin),
            json!({"site_id": w.a.site, "name": "Day", "start": "25:00", "end": "06:00"}),
        )
        .await;
    assert_eq!(field(&r), Some("start"), "{}", r.body);
    let r = app
        .post(
            "/api/v1/shifts",
            Some(&w.b.admin),
            json!({"site_id": w.a.site, "name": "Day", "start": "08:00", "end": "16:00"}),
        )
        .await;
    assert_eq!(field(&r), Some("site_id"), "{}", r.body);

    let schedule = format!("/api/v1/employees/{}/schedule", w.a.employee);
    let week = json!({"from": "2026-03-23", "to": "2026-03-29", "weekdays": ["monday", "saturday"], "shift_id": night});
    let r = put(&app, &schedule, &w.a.manager, week).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let dates: Vec<&str> = r
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["date"].as_str())
        .collect();
    assert_eq!(dates, vec!["2026-03-23", "2026-03-28"]);

    let r = put(
        &app,
        &schedule,
        &w.a.manager,
        json!({"from": "2026-03-23", "to": "2026-03-22", "shift_id": night}),
    )
    .await;
    assert_eq!(field(&r), Some("to"), "{}", r.body);
    let r = put(&app, &schedule, &w.a.manager, json!({"from": "2026-03-23", "to": "2026-03-24", "weekdays": ["funday"], "shift_id": night})).await;
    assert_eq!(field(&r), Some("weekdays"), "{}", r.body);
    // Another organisation's shift, and another department's employee.
    let r = app
        .post(
            "/api/v1/shifts",
            Some(&w.b.admin),
            json!({"site_id": w.b.site, "name": "B", "start": "08:00", "end": "16:00"}),
        )
        .await;
    let foreign = r.id();
    let r = put(
        &app,
        &schedule,
        &w.a.admin,
        json!({"from": "2026-03-23", "to": "2026-03-23", "shift_id": foreign}),
    )
    .await;
    assert_eq!(field(&r), Some("shift_id"), "{}", r.body);
    let other = format!("/api/v1/employees/{}/schedule", w.a.other_employee);
    let r = put(
        &app,
        &other,
        &w.a.manager,
        json!({"from": "2026-03-23", "to": "2026-03-23", "shift_id": night}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // Nothing partial was written by the refused requests.
    let r = app
        .get(
            &format!("{schedule}?from=2026-03-01&to=2026-03-31"),
            &w.a.employee_token,
        )
        .await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(2), "{}", r.body);
}

#[tokio::test]
async fn synced_punches_become_hours_on_the_shift_start_date_across_the_dst_change() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let r = app
        .post(
            "/api/v1/shifts",
            Some(&w.a.admin),
            json!({"site_id": w.a.site, "name": "Night", "start": "22:00", "end": "06:00"}),
        )
        .await;
    let night = r.id();
    let schedule = format!("/api/v1/employees/{}/schedule", w.a.employee);
    let r = put(
        &app,
        &schedule,
        &w.a.admin,
        json!({"from": "2026-03-28", "to": "2026-03-28", "shift_id": night}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Lisbon springs forward at 01:00 UTC on 29 March 2026: 22:00 WET → 06:00 WEST is 7 hours.
    // The out arrives before the in, and the in is sent twice.
    let out = punch_at(&w.a.employee, 1, "2026-03-29T05:00:00Z", "out");
    let inn = punch_at(&w.a.employee, 2, "2026-03-28T22:00:00Z", "in");
    assert_eq!(
        app.push(&device, &json!([out, inn.clone()])).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.push(&device, &json!([inn])).await.status,
        StatusCode::OK
    );

    let path = format!(
        "/api/v1/employees/{}/attendance?from=2026-03-27&to=2026-03-29",
        w.a.employee
    );
    let r = app.get(&path, &w.a.manager).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["time_zone"], "Europe/Lisbon");
    let days = r.body["days"].as_array().expect("days");
    let worked: Vec<(&str, u64)> = days
        .iter()
        .filter(|d| d["paid_minutes"].as_u64() > Some(0))
        .map(|d| {
            (
                d["date"].as_str().unwrap_or(""),
                d["paid_minutes"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(worked, vec![("2026-03-28", 420)], "{}", r.body);
    assert_eq!(r.body["totals"]["paid_minutes"], 420);
    assert!(
        r.body["exceptions"]
            .as_array()
            .expect("exceptions")
            .is_empty(),
        "{}",
        r.body
    );

    // The employee sees their own hours; nobody else's, and not beyond a quarter at once.
    assert_eq!(
        app.get(&path, &w.a.employee_token).await.status,
        StatusCode::OK
    );
    let bruno = format!(
        "/api/v1/employees/{}/attendance?from=2026-03-27&to=2026-03-29",
        w.a.other_employee
    );
    assert_eq!(
        app.get(&bruno, &w.a.employee_token).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&bruno, &w.a.manager).await.status,
        StatusCode::NOT_FOUND
    );
    let long = format!(
        "/api/v1/employees/{}/attendance?from=2026-01-01&to=2026-12-31",
        w.a.employee
    );
    assert_eq!(field(&app.get(&long, &w.a.admin).await), Some("to"));
    let bad = format!(
        "/api/v1/employees/{}/attendance?from=2026-02-30&to=2026-03-01",
        w.a.employee
    );
    let r = app.get(&bad, &w.a.admin).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}
