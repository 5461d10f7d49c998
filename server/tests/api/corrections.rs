//! Timesheet corrections over HTTP: a forgotten clock-out is asked for, approved by a reviewer,
//! and counted by the engine; nothing changes an approved (locked) period.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    Reply, approve_timesheet, audit_actions, provisioned_device, spawn_app, world,
};
use crate::paging::assert_pages_hold_each_once;

fn message(r: &Reply) -> &str {
    r.body["error"]["message"]
        .as_str()
        .unwrap_or("<no message>")
}

#[tokio::test]
async fn an_approved_correction_completes_the_day_and_a_locked_period_refuses_more() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    // Tuesday 3 March 2026: Ana clocked in at 08:00 and left without clocking out.
    let punch = json!({"event_id": uuid::Uuid::now_v7(), "seq": 1, "captured_at": "2026-03-03T08:00:00Z",
        "body": {"kind": "punch", "employee_id": w.a.employee, "punch_type": "in", "method": "pin"}});
    assert_eq!(
        app.push(&device, &json!([punch])).await.status,
        StatusCode::OK
    );
    let day = format!(
        "/api/v1/employees/{}/attendance?from=2026-03-03&to=2026-03-03",
        w.a.employee
    );
    let before = app.get(&day, &w.a.manager).await.body;
    assert!(
        before["exceptions"]
            .as_array()
            .expect("exceptions")
            .iter()
            .any(|e| e["kind"]["type"] == "missing_out"),
        "{before}"
    );

    let mine = format!("/api/v1/employees/{}/corrections", w.a.employee);
    let ask = |body| app.post(&mine, Some(&w.a.employee_token), body);
    let r = ask(json!({"punch_type": "out", "at": "2999-01-01T00:00:00Z", "reason": "x"})).await;
    assert_eq!(r.body["error"]["details"][0]["field"], "at", "{}", r.body);
    let r = ask(json!({"punch_type": "out", "at": "2026-03-03T16:00:00Z", "reason": " "})).await;
    assert_eq!(
        r.body["error"]["details"][0]["field"], "reason",
        "{}",
        r.body
    );
    let r =
        ask(json!({"punch_type": "sideways", "at": "2026-03-03T16:00:00Z", "reason": "x"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = ask(json!({"punch_type": "out", "at": "2026-03-03T16:00:00Z", "reason": "left through the loading bay"})).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::CREATED, Some("pending")),
        "{}",
        r.body
    );
    let fix = r.id();

    // Pending corrections do not count; nobody approves their own.
    assert_eq!(app.get(&day, &w.a.manager).await.body, before);
    let approve = format!("/api/v1/corrections/{fix}/approve");
    let r = app
        .post(&approve, Some(&w.a.employee_token), json!({}))
        .await;
    assert_eq!(
        message(&r),
        "only a reviewer may approve a request, and never their own"
    );
    assert_eq!(
        app.get("/api/v1/corrections?status=pending", &w.a.manager)
            .await
            .body["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let r = app.post(&approve, Some(&w.a.manager), json!({})).await;
    assert_eq!(r.body["status"], "approved", "{}", r.body);
    let after = app.get(&day, &w.a.manager).await.body;
    assert_eq!(after["totals"]["paid_minutes"], 480, "{after}");
    assert!(
        after["exceptions"]
            .as_array()
            .expect("exceptions")
            .is_empty(),
        "{after}"
    );

    // March's timesheet is approved: the period is locked to corrections.
    approve_timesheet(&app, &w.a, "2026-03-01").await;
    let r =
        ask(json!({"punch_type": "in", "at": "2026-03-04T08:00:00Z", "reason": "forgot"})).await;
    assert_eq!(
        (r.status, message(&r)),
        (
            StatusCode::CONFLICT,
            "the timesheet of the period starting 2026-03-01 is approved and locked"
        )
    );

    let steps = audit_actions(&app, &w.a.admin, "correction").await;
    assert_eq!(steps, vec!["request", "approve"]);
}

/// Security review H4, scenario 2: a manager filed corrections for an employee and approved
/// them themselves, inventing hours with no second person involved.
#[tokio::test]
async fn staff_who_file_a_correction_for_someone_do_not_approve_it_themselves() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let mine = format!("/api/v1/employees/{}/corrections", w.a.employee);
    let r = app
        .post(
            &mine,
            Some(&w.a.manager),
            json!({"punch_type": "out", "at": "2026-03-03T16:00:00Z", "reason": "forgot to clock out"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let fix = r.id();
    let approve = format!("/api/v1/corrections/{fix}/approve");
    let r = app.post(&approve, Some(&w.a.manager), json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(message(&r).contains("another reviewer"), "{}", r.body);
    let r = app.post(&approve, Some(&w.a.admin), json!({})).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "a second person approves: {}",
        r.body
    );
}

/// Security review L7: the queue and an employee's corrections came whole. Now each page holds
/// at most `limit` (1 to 100, as on every list), newest first with ties broken by id, and
/// following `next` reaches every correction exactly once.
#[tokio::test]
async fn correction_lists_come_in_bounded_pages_that_together_hold_every_correction_once() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let mut filed = Vec::new();
    // Ana asks for four clock-outs; Bruno for two at the same moments, so times tie.
    let asked = [
        (&w.a.employee, &w.a.employee_token, "2026-03-02T16:00:00Z"),
        (&w.a.employee, &w.a.employee_token, "2026-03-03T16:00:00Z"),
        (&w.a.employee, &w.a.employee_token, "2026-03-04T16:00:00Z"),
        (&w.a.employee, &w.a.employee_token, "2026-03-05T16:00:00Z"),
        (&w.a.other_employee, &w.a.admin, "2026-03-03T16:00:00Z"),
        (&w.a.other_employee, &w.a.admin, "2026-03-04T16:00:00Z"),
    ];
    for (employee, token, at) in asked {
        let r = app
            .post(
                &format!("/api/v1/employees/{employee}/corrections"),
                Some(token),
                json!({"punch_type": "out", "at": at, "reason": "forgot to clock out"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        filed.push(r.id());
    }

    let ana = format!("/api/v1/employees/{}/corrections", w.a.employee);
    for (path, limit, expected) in [
        ("/api/v1/corrections?status=pending", 4, filed.clone()),
        ("/api/v1/corrections", 1, filed.clone()),
        (ana.as_str(), 3, filed[..4].to_vec()),
    ] {
        assert_pages_hold_each_once(&app, path, &w.a.admin, "", limit, "at", expected).await;
    }

    for path in ["/api/v1/corrections?limit=101", &format!("{ana}?limit=101")] {
        let r = app.get(path, &w.a.admin).await;
        assert_eq!(
            (r.status, r.body["error"]["details"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("limit")),
            "{path}: {}",
            r.body
        );
    }
}
