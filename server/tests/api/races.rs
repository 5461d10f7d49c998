//! Check-then-act writes forced to interleave, on both backends: each request pauses between
//! its check and its write (`race_hooks`, debug builds), so two at once both pass the check
//! before either writes. One wins; the other is refused as if it came second. On SQLite one
//! writer at a time is the guard; on PostgreSQL, SERIALIZABLE (the second's write fails and
//! its retry sees the first's), or a conditional UPDATE where the store has one. (The refresh
//! token's race is in `auth.rs`, the job claims' in `job_claims.rs`.)

use attend_server::db::sql::race_hooks::{Point, pause_at};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app, world};

/// Runs `a` and `b` at once with `point` paused, answers their statuses sorted.
async fn at_once(
    point: Point,
    a: impl Future<Output = Reply>,
    b: impl Future<Output = Reply>,
) -> (Vec<StatusCode>, Reply, Reply) {
    let pause = pause_at(point, 300);
    let (a, b) = tokio::join!(a, b);
    drop(pause);
    let mut statuses = vec![a.status, b.status];
    statuses.sort();
    (statuses, a, b)
}

#[tokio::test]
async fn a_provisioning_code_presented_twice_at_once_provisions_once() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = crate::helpers::registered_device(&app, &w.a.admin, &w.a.site, "Kiosk").await;
    let code = r.body["provisioning_code"].as_str().expect("code");
    let provision = || app.post("/api/v1/device/provision", None, json!({"code": code}));
    let (statuses, a, b) = at_once(Point::ProvisionCheck, provision(), provision()).await;
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY],
        "{} / {}",
        a.body,
        b.body
    );
    let lost = if a.status == StatusCode::OK { &b } else { &a };
    assert_eq!(lost.body["error"]["details"][0]["field"], "code");
    // The secret handed out is the one the server keeps: the winner's requests verify.
    let won = if a.status == StatusCode::OK { a } else { b };
    let device = crate::helpers::Device {
        id: won.body["device_id"].as_str().expect("id").to_owned(),
        secret: won.body["device_secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
    };
    let roster = app
        .signed(
            &device,
            reqwest::Method::GET,
            "/api/v1/device/roster?since=0",
            Vec::new(),
            crate::helpers::SignOpts::default(),
        )
        .await;
    assert_eq!(roster.status, StatusCode::OK, "{}", roster.body);
}

/// A leave type with `days` a year in organisation a, and the employee's leave path.
async fn leave_type(app: &TestApp, admin: &str, days: u32) -> String {
    let r = app
        .post(
            "/api/v1/leave-types",
            Some(admin),
            json!({"name": "Annual", "paid": true, "annual_days": days}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.id()
}

/// The employee of organisation a files two leave requests at once (of a type with
/// `allowance` days a year): one is filed, the other refused. The requests then on file.
async fn two_leave_requests_at_once(
    allowance: u32,
    first: (&str, &str),
    second: (&str, &str),
) -> Vec<Value> {
    let app = spawn_app().await;
    let w = world(&app).await;
    let annual = leave_type(&app, &w.a.admin, allowance).await;
    let mine = format!("/api/v1/employees/{}/leave", w.a.employee);
    let ask = |(first, last): (&str, &str)| {
        app.post(
            &mine,
            Some(&w.a.employee_token),
            json!({"leave_type_id": annual, "first_day": first, "last_day": last}),
        )
    };
    let (statuses, a, b) = at_once(Point::LeaveCheck, ask(first), ask(second)).await;
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{} / {}",
        a.body,
        b.body
    );
    requests(&app, &w.a.employee_token, &w.a.employee).await
}

#[tokio::test]
async fn two_overlapping_leave_requests_at_once_file_one() {
    // Mon 2 – Wed 4 and Wed 4 – Fri 6 March 2026 share the Wednesday.
    let filed = two_leave_requests_at_once(
        20,
        ("2026-03-02", "2026-03-04"),
        ("2026-03-04", "2026-03-06"),
    )
    .await;
    assert_eq!(filed.len(), 1, "{filed:?}");
}

#[tokio::test]
async fn two_leave_requests_at_once_never_spend_more_than_the_allowance() {
    // Two days each, in different weeks: either fits the 3 days alone, not both.
    let filed = two_leave_requests_at_once(
        3,
        ("2026-03-02", "2026-03-03"),
        ("2026-03-09", "2026-03-10"),
    )
    .await;
    let days: u64 = filed.iter().filter_map(|r| r["days"].as_u64()).sum();
    assert_eq!(days, 2, "{filed:?}");
}

async fn requests(app: &TestApp, token: &str, employee: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/api/v1/employees/{employee}/leave"), token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["requests"]["items"]
        .as_array()
        .expect("a page of requests")
        .clone()
}

#[tokio::test]
async fn an_approval_and_a_rejection_at_once_decide_the_request_once() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let annual = leave_type(&app, &w.a.admin, 20).await;
    let r = app
        .post(
            &format!("/api/v1/employees/{}/leave", w.a.employee),
            Some(&w.a.employee_token),
            json!({"leave_type_id": annual, "first_day": "2026-03-02", "last_day": "2026-03-02"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.id();
    let (statuses, a, b) = at_once(
        Point::DecisionCheck,
        app.post(
            &format!("/api/v1/leave/{id}/approve"),
            Some(&w.a.manager),
            json!({}),
        ),
        app.post(
            &format!("/api/v1/leave/{id}/reject"),
            Some(&w.a.admin),
            json!({"reason": "short-staffed that week"}),
        ),
    )
    .await;
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} / {}",
        a.body,
        b.body
    );
    let winner = if a.status == StatusCode::OK { &a } else { &b };
    let stored = requests(&app, &w.a.employee_token, &w.a.employee).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0]["status"], winner.body["status"],
        "the stored decision is the winner's"
    );
}

#[tokio::test]
async fn a_reset_token_presented_twice_at_once_resets_once() {
    let app = spawn_app().await;
    let _ = world(&app).await;
    let r = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"email": "admin@a.example"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let mut token = None;
    for _ in 0..100 {
        token = app
            .mail
            .0
            .lock()
            .expect("lock")
            .iter()
            .find(|m| m.recipient == "admin@a.example")
            .and_then(|m| m.body.split("Reset token: ").nth(1))
            .and_then(|t| t.lines().next())
            .map(str::to_owned);
        if token.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let token = token.expect("the reset mail");
    let confirm = |password: &str| {
        app.post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": token, "new_password": password}),
        )
    };
    let (statuses, a, b) = at_once(
        Point::ResetCheck,
        confirm("the first new password"),
        confirm("the second new password"),
    )
    .await;
    assert_eq!(
        statuses,
        [StatusCode::NO_CONTENT, StatusCode::UNPROCESSABLE_ENTITY],
        "{} / {}",
        a.body,
        b.body
    );
    let (won, lost) = if a.status == StatusCode::NO_CONTENT {
        ("the first new password", "the second new password")
    } else {
        ("the second new password", "the first new password")
    };
    assert_eq!(
        app.login("admin@a.example", won).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.login("admin@a.example", lost).await.status,
        StatusCode::UNAUTHORIZED
    );
}
