//! Leave over HTTP: types and allowances, requests checked for overlap and balance, the
//! approval workflow with levels and escalation, and approved leave in timesheets and payroll.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Reply, audit_actions, spawn_app, world};
use crate::paging::assert_pages_hold_each_once;

fn message(r: &Reply) -> &str {
    r.body["error"]["message"]
        .as_str()
        .unwrap_or("<no message>")
}

fn field(r: &Reply) -> Option<&str> {
    r.body["error"]["details"][0]["field"].as_str()
}

#[tokio::test]
async fn leave_is_requested_within_the_allowance_approved_by_level_and_paid_in_payroll() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let kind = |body: Value| {
        let app = &app;
        let token = w.a.admin.clone();
        async move {
            let r = app.post("/api/v1/leave-types", Some(&token), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            r.id()
        }
    };
    let annual = kind(json!({"name": "Annual", "paid": true, "annual_days": 3})).await;
    let training = kind(json!({"name": "Training", "paid": true})).await;
    let sabbatical = kind(json!({"name": "Sabbatical", "paid": false, "approval_level": 2})).await;
    let r = app
        .post(
            "/api/v1/leave-types",
            Some(&w.a.admin),
            json!({"name": "X", "paid": true, "approval_level": 3}),
        )
        .await;
    assert_eq!(field(&r), Some("approval_level"));
    assert_eq!(
        app.get("/api/v1/leave-types", &w.a.employee_token)
            .await
            .body
            .as_array()
            .map(Vec::len),
        Some(3)
    );

    let mine = format!("/api/v1/employees/{}/leave", w.a.employee);
    let ask = |body: Value| app.post(&mine, Some(&w.a.employee_token), body);
    // Mon 16 – Wed 18 February 2026: three working days, the whole allowance.
    let r = ask(json!({"leave_type_id": annual, "first_day": "2026-02-16", "last_day": "2026-02-18", "note": "ski"})).await;
    assert_eq!(
        (r.status, r.body["days"].as_u64(), r.body["status"].as_str()),
        (StatusCode::CREATED, Some(3), Some("pending")),
        "{}",
        r.body
    );
    let holiday = r.id();

    // Refused, naming the problem, and nothing written.
    let r =
        ask(json!({"leave_type_id": annual, "first_day": "2026-02-18", "last_day": "2026-02-19"}))
            .await;
    assert_eq!(
        (r.status, message(&r)),
        (
            StatusCode::CONFLICT,
            "this overlaps the leave already requested for 2026-02-16 to 2026-02-18"
        )
    );
    let r =
        ask(json!({"leave_type_id": annual, "first_day": "2026-02-23", "last_day": "2026-02-23"}))
            .await;
    assert_eq!(
        (r.status, message(&r)),
        (
            StatusCode::CONFLICT,
            "only 0 day(s) of Annual left in 2026 (approved or pending: 3); this request needs 1"
        )
    );
    for (body, name) in [
        (
            json!({"leave_type_id": annual, "first_day": "2026-02-20", "last_day": "2026-02-19"}),
            "last_day",
        ),
        (
            json!({"leave_type_id": annual, "first_day": "2026-02-21", "last_day": "2026-02-22"}),
            "last_day",
        ),
        (
            json!({"leave_type_id": annual, "first_day": "2026-12-31", "last_day": "2027-01-04"}),
            "last_day",
        ),
        (
            json!({"leave_type_id": uuid::Uuid::now_v7(), "first_day": "2026-03-02", "last_day": "2026-03-02"}),
            "leave_type_id",
        ),
    ] {
        let r = ask(body).await;
        assert_eq!(
            (r.status, field(&r)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(name)),
            "{}",
            r.body
        );
    }
    let other = format!("/api/v1/employees/{}/leave", w.a.other_employee);
    let r = app
        .post(
            &other,
            Some(&w.a.employee_token),
            json!({"leave_type_id": annual, "first_day": "2026-03-02", "last_day": "2026-03-02"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "nobody else's leave");

    // Nobody approves their own; the manager of the department does.
    let approve = |id: &str, token: &str| {
        let (path, token) = (format!("/api/v1/leave/{id}/approve"), token.to_owned());
        let app = &app;
        async move { app.post(&path, Some(&token), json!({})).await }
    };
    let r = approve(&holiday, &w.a.employee_token).await;
    assert_eq!(
        (r.status, message(&r)),
        (
            StatusCode::CONFLICT,
            "only a reviewer may approve a request, and never their own"
        )
    );
    let r = approve(&holiday, &w.a.manager).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{}",
        r.body
    );
    let r = approve(&holiday, &w.a.manager).await;
    assert_eq!(message(&r), "this request is already approved");
    let balances = app
        .get(&format!("{mine}?year=2026"), &w.a.employee_token)
        .await
        .body["balances"]
        .clone();
    let annual_balance = balances
        .as_array()
        .expect("balances")
        .iter()
        .find(|b| b["leave_type"] == "Annual")
        .expect("annual")
        .clone();
    assert_eq!(
        (
            annual_balance["approved_days"].as_u64(),
            annual_balance["remaining_days"].as_i64()
        ),
        (Some(3), Some(0))
    );

    // Escalation: a manager passes a level-1 request up; then only an org admin decides it.
    let r = ask(
        json!({"leave_type_id": training, "first_day": "2026-03-02", "last_day": "2026-03-02"}),
    )
    .await;
    let course = r.id();
    let r = app
        .post(
            &format!("/api/v1/leave/{course}/escalate"),
            Some(&w.a.manager),
            json!({"reason": "budget"}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["required_level"].as_u64()),
        (StatusCode::OK, Some(2)),
        "{}",
        r.body
    );
    let r = approve(&course, &w.a.manager).await;
    assert_eq!(
        message(&r),
        "this request needs an approver of level 2; yours is 1: escalate it instead"
    );
    let r = app
        .post(
            &format!("/api/v1/leave/{course}/escalate"),
            Some(&w.a.admin),
            json!({}),
        )
        .await;
    assert_eq!(
        message(&r),
        "the request is already at the highest approval level"
    );
    assert_eq!(
        approve(&course, &w.a.admin).await.body["status"],
        "approved"
    );
    // A level-2 type: rejected by an admin, with the reason required.
    let r = ask(
        json!({"leave_type_id": sabbatical, "first_day": "2026-06-01", "last_day": "2026-06-30"}),
    )
    .await;
    let long = r.id();
    let reject = format!("/api/v1/leave/{long}/reject");
    assert_eq!(
        field(&app.post(&reject, Some(&w.a.admin), json!({})).await),
        Some("reason")
    );
    let r = app
        .post(
            &reject,
            Some(&w.a.admin),
            json!({"reason": "not this year"}),
        )
        .await;
    assert_eq!(
        (
            r.body["status"].as_str(),
            r.body["decision_reason"].as_str()
        ),
        (Some("rejected"), Some("not this year"))
    );
    // Approved leave is cancelled by a reviewer only.
    let cancel = format!("/api/v1/leave/{course}/cancel");
    let r = app
        .post(&cancel, Some(&w.a.employee_token), json!({}))
        .await;
    assert_eq!(
        message(&r),
        "only a reviewer may cancel an approved request"
    );
    assert_eq!(
        app.post(&cancel, Some(&w.a.manager), json!({})).await.body["status"],
        "cancelled"
    );

    // The holiday is paid leave in February's timesheet and payroll, and no absence.
    let r = app
        .post(
            "/api/v1/shifts",
            Some(&w.a.admin),
            json!({"site_id": w.a.site, "name": "Day", "start": "09:00", "end": "17:00"}),
        )
        .await;
    let day = r.id();
    let schedule = format!("/api/v1/employees/{}/schedule", w.a.employee);
    let r = app
        .call(
            Method::PUT,
            &schedule,
            Some(&w.a.admin),
            Some(json!({"from": "2026-02-16", "to": "2026-02-19", "shift_id": day})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let sheet = app
        .get(
            &format!("/api/v1/employees/{}/timesheets/2026-02-01", w.a.employee),
            &w.a.manager,
        )
        .await;
    assert_eq!(
        sheet.body["hours"]["leave"].as_array().map(Vec::len),
        Some(3),
        "{}",
        sheet.body
    );
    let absent: Vec<&str> = sheet.body["hours"]["exceptions"]
        .as_array()
        .expect("exceptions")
        .iter()
        .filter(|e| e["kind"]["type"] == "absent")
        .filter_map(|e| e["date"].as_str())
        .collect();
    assert_eq!(
        absent,
        vec!["2026-02-19"],
        "{}",
        sheet.body["hours"]["exceptions"]
    );
    let payroll = app
        .get("/api/v1/reports/payroll?date=2026-02-01", &w.a.admin)
        .await;
    let ana = payroll
        .body
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["employee_id"] == json!(w.a.employee))
        .expect("ana")
        .clone();
    assert_eq!(
        (ana["leave_minutes"].as_u64(), ana["paid_minutes"].as_u64()),
        (Some(1440), Some(1440)),
        "{ana}"
    );

    let steps = audit_actions(&app, &w.a.admin, "leave").await;
    assert_eq!(
        steps,
        vec![
            "request", "approve", "request", "escalate", "approve", "request", "reject", "cancel"
        ]
    );
}

/// Security review L7: the queue and an employee's requests came whole. Now each page holds at
/// most `limit` (1 to 100, as on every list), newest first with ties broken by id, and
/// following `next` reaches every request exactly once.
#[tokio::test]
async fn leave_lists_come_in_bounded_pages_that_together_hold_every_request_once() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = app
        .post(
            "/api/v1/leave-types",
            Some(&w.a.admin),
            json!({"name": "Training", "paid": true}),
        )
        .await;
    let kind = r.id();
    let mut filed = Vec::new();
    // Ana has four single days; Bruno two of the same days, so first days tie.
    let days = [
        (&w.a.employee, &w.a.employee_token, "2026-03-02"),
        (&w.a.employee, &w.a.employee_token, "2026-03-03"),
        (&w.a.employee, &w.a.employee_token, "2026-03-04"),
        (&w.a.employee, &w.a.employee_token, "2026-03-05"),
        (&w.a.other_employee, &w.a.admin, "2026-03-03"),
        (&w.a.other_employee, &w.a.admin, "2026-03-04"),
    ];
    for (employee, token, day) in days {
        let r = app
            .post(
                &format!("/api/v1/employees/{employee}/leave"),
                Some(token),
                json!({"leave_type_id": kind, "first_day": day, "last_day": day}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        filed.push(r.id());
    }

    let ana = format!("/api/v1/employees/{}/leave?year=2026", w.a.employee);
    for (path, at, limit, expected) in [
        ("/api/v1/leave?status=pending", "", 4, filed.clone()),
        ("/api/v1/leave", "", 1, filed.clone()),
        (ana.as_str(), "/requests", 3, filed[..4].to_vec()),
    ] {
        assert_pages_hold_each_once(&app, path, &w.a.admin, at, limit, "first_day", expected).await;
    }

    for path in ["/api/v1/leave?limit=101", &format!("{ana}&limit=101")] {
        let r = app.get(path, &w.a.admin).await;
        assert_eq!(
            (r.status, field(&r)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("limit")),
            "{path}: {}",
            r.body
        );
    }
}
