//! The timesheet workflow over HTTP: every allowed transition works, every forbidden one is
//! refused with a message that says why, approved hours are frozen, and each step is audited.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, audit_actions, provisioned_device, spawn_app, world};

fn punch_at(employee: &str, seq: u64, at: &str, kind: &str) -> Value {
    json!({
        "event_id": uuid::Uuid::now_v7(), "seq": seq, "captured_at": at,
        "body": {"kind": "punch", "employee_id": employee, "punch_type": kind, "method": "pin"}
    })
}

fn message(r: &Reply) -> &str {
    r.body["error"]["message"]
        .as_str()
        .unwrap_or("<no message>")
}

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> Reply {
    app.post(path, Some(token), body).await
}

#[tokio::test]
async fn a_timesheet_goes_through_its_workflow_and_is_frozen_once_approved() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let calendar = format!("/api/v1/organisations/{}/pay-calendar", w.a.id);
    let r = app
        .call(
            reqwest::Method::PUT,
            &calendar,
            Some(&w.a.admin),
            Some(json!({"kind": "weekly", "anchor": "2026-03-23"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let events = json!([
        punch_at(&w.a.employee, 1, "2026-03-24T08:00:00Z", "in"),
        punch_at(&w.a.employee, 2, "2026-03-24T16:00:00Z", "out"),
    ]);
    assert_eq!(app.push(&device, &events).await.status, StatusCode::OK);

    let sheet = format!("/api/v1/employees/{}/timesheets/2026-03-23", w.a.employee);
    let r = app
        .get(
            &format!("/api/v1/employees/{}/timesheets/2026-03-26", w.a.employee),
            &w.a.employee_token,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["status"].as_str(), r.body["locked"].as_bool()),
        (Some("draft"), Some(false))
    );
    assert_eq!(
        (
            r.body["period"]["start"].as_str(),
            r.body["period"]["end"].as_str()
        ),
        (Some("2026-03-23"), Some("2026-03-29"))
    );
    assert_eq!(r.body["hours"]["totals"]["paid_minutes"], 480);

    // Forbidden from draft: approving or rejecting; submitting by a date that starts no period.
    let r = post(&app, &format!("{sheet}/approve"), &w.a.manager, json!({})).await;
    assert_eq!(
        (r.status, message(&r)),
        (
            StatusCode::CONFLICT,
            "only a submitted timesheet can be approved: submit it first"
        )
    );
    let r = post(
        &app,
        &format!("{sheet}/reject"),
        &w.a.manager,
        json!({"reason": "no"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = post(
        &app,
        &format!(
            "/api/v1/employees/{}/timesheets/2026-03-24/submit",
            w.a.employee
        ),
        &w.a.employee_token,
        json!({}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["error"]["details"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("date")),
        "{}",
        r.body
    );
    // The running period (weekly periods start on Mondays here) cannot be submitted yet.
    let today = jiff::Zoned::now().date();
    let monday = today
        .checked_sub(jiff::Span::new().days(i64::from(today.weekday().to_monday_zero_offset())))
        .expect("date");
    let r = post(
        &app,
        &format!(
            "/api/v1/employees/{}/timesheets/{monday}/submit",
            w.a.employee
        ),
        &w.a.employee_token,
        json!({}),
    )
    .await;
    assert_eq!(
        (r.status, message(&r)),
        (
            StatusCode::CONFLICT,
            "the timesheet period has not ended yet"
        )
    );

    // draft → submitted (by the employee); submitting twice is refused.
    let r = post(
        &app,
        &format!("{sheet}/submit"),
        &w.a.employee_token,
        json!({}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("submitted")),
        "{}",
        r.body
    );
    let r = post(
        &app,
        &format!("{sheet}/submit"),
        &w.a.employee_token,
        json!({}),
    )
    .await;
    assert_eq!(
        (r.status, message(&r)),
        (StatusCode::CONFLICT, "the timesheet is already submitted")
    );
    // The employee cannot review, another organisation cannot see it.
    let r = post(
        &app,
        &format!("{sheet}/approve"),
        &w.a.employee_token,
        json!({}),
    )
    .await;
    assert_eq!(
        (r.status, message(&r)),
        (
            StatusCode::CONFLICT,
            "only a reviewer may approve a timesheet, and never their own"
        )
    );
    assert_eq!(
        post(&app, &format!("{sheet}/approve"), &w.b.admin, json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // submitted → draft (rejected with a reason, which is required), then submitted again.
    let r = post(
        &app,
        &format!("{sheet}/reject"),
        &w.a.manager,
        json!({"reason": ""}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(
        &app,
        &format!("{sheet}/reject"),
        &w.a.manager,
        json!({"reason": "Tuesday looks short"}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("draft")),
        "{}",
        r.body
    );
    assert_eq!(r.body["record"]["rejection_reason"], "Tuesday looks short");
    let r = post(
        &app,
        &format!("{sheet}/submit"),
        &w.a.employee_token,
        json!({}),
    )
    .await;
    assert_eq!(r.body["status"], "submitted", "{}", r.body);
    let queue = app
        .get("/api/v1/timesheets?status=submitted", &w.a.manager)
        .await;
    assert_eq!(
        queue.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        queue.body
    );

    // submitted → approved: locked, and later punches no longer change it.
    let r = post(&app, &format!("{sheet}/approve"), &w.a.manager, json!({})).await;
    assert_eq!(
        (r.status, r.body["locked"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{}",
        r.body
    );
    let late = json!([
        punch_at(&w.a.employee, 3, "2026-03-25T08:00:00Z", "in"),
        punch_at(&w.a.employee, 4, "2026-03-25T12:00:00Z", "out"),
    ]);
    assert_eq!(app.push(&device, &late).await.status, StatusCode::OK);
    let r = app.get(&sheet, &w.a.manager).await;
    assert_eq!(
        r.body["hours"]["totals"]["paid_minutes"], 480,
        "approved hours are frozen"
    );
    for action in ["submit", "approve"] {
        let r = post(&app, &format!("{sheet}/{action}"), &w.a.admin, json!({})).await;
        assert_eq!(
            (r.status, message(&r)),
            (StatusCode::CONFLICT, "approved timesheets are locked"),
            "{action}"
        );
    }
    let r = post(
        &app,
        &format!("{sheet}/reject"),
        &w.a.admin,
        json!({"reason": "late punches"}),
    )
    .await;
    assert_eq!(message(&r), "approved timesheets are locked");

    let steps = audit_actions(&app, &w.a.admin, "timesheet").await;
    assert_eq!(steps, vec!["submit", "reject", "submit", "approve"]);
}

#[tokio::test]
async fn employees_see_only_their_own_timesheets() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let bruno = format!(
        "/api/v1/employees/{}/timesheets/2026-03-01",
        w.a.other_employee
    );
    assert_eq!(
        app.get(&bruno, &w.a.employee_token).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&bruno, &w.a.manager).await.status,
        StatusCode::NOT_FOUND,
        "another department"
    );
    assert_eq!(app.get(&bruno, &w.a.admin).await.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/timesheets", &w.a.employee_token)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/organisations/{}/pay-calendar", w.a.id),
            Some(&w.a.manager),
            Some(json!({"kind": "weekly", "anchor": "2026-03-23"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// Security review M8: switching monthly to weekly turned every approved month back into a
/// draft with live hours, to be approved again with different numbers.
#[tokio::test]
async fn a_pay_calendar_change_never_recuts_an_approved_period() {
    let app = spawn_app().await;
    let w = world(&app).await;
    crate::helpers::approve_timesheet(&app, &w.a, "2026-02-01").await;
    let calendar = format!("/api/v1/organisations/{}/pay-calendar", w.a.id);
    let weekly = json!({"kind": "weekly", "anchor": "2026-03-23"});
    let r = app
        .call(
            reqwest::Method::PUT,
            &calendar,
            Some(&w.a.admin),
            Some(weekly),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("2026-02-01 to 2026-02-28")),
        "{}",
        r.body
    );
    let sheet = app
        .get(
            &format!("/api/v1/employees/{}/timesheets/2026-02-01", w.a.employee),
            &w.a.admin,
        )
        .await;
    assert_eq!(sheet.body["status"], "approved", "{}", sheet.body);
    // A calendar that keeps the approved month whole is accepted.
    let monthly = json!({"kind": "monthly", "anchor": "2026-01-01"});
    let r = app
        .call(
            reqwest::Method::PUT,
            &calendar,
            Some(&w.a.admin),
            Some(monthly),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
