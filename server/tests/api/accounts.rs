//! Security review M3 and H4, issue 12 item 5: accounts are managed after they exist: disabled
//! and re-enabled, their role changed only to one the caller may grant, linked to the employee
//! record of the person behind them, and signed out everywhere.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::dash_client::dash;
use crate::helpers::{PASSWORD, TestApp, spawn_app, world};

async fn user_id(app: &TestApp, token: &str, email: &str) -> String {
    let r = app.get("/api/v1/users?limit=100", token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|u| u["email"] == email)
        .and_then(|u| u["id"].as_str())
        .unwrap_or_else(|| panic!("no account {email}"))
        .to_owned()
}

async fn patch(app: &TestApp, token: &str, id: &str, body: Value) -> crate::helpers::Reply {
    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{id}"),
        Some(token),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_disabled_account_is_signed_out_at_once_and_signs_in_again_once_re_enabled() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let manager = user_id(&app, &w.a.admin, "manager@a.example").await;
    let browser = dash(&app, "manager@a.example").await;
    let r = patch(&app, &w.a.admin, &manager, json!({"status": "disabled"})).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("disabled")),
        "{}",
        r.body
    );
    assert_eq!(
        app.get("/api/v1/me", &w.a.manager).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        browser.get("/dashboard/people").await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.login("manager@a.example", PASSWORD).await.status,
        StatusCode::FORBIDDEN
    );
    let r = patch(&app, &w.a.admin, &manager, json!({"status": "active"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.login("manager@a.example", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn roles_change_only_to_one_the_caller_may_grant_and_never_ones_own() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let manager = user_id(&app, &w.a.admin, "manager@a.example").await;
    let admin = user_id(&app, &w.a.admin, "admin@a.example").await;
    let r = patch(&app, &w.a.admin, &manager, json!({"role": "super_admin"})).await;
    assert_eq!(
        (r.status, r.body["error"]["details"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("role"))
    );
    let r = patch(&app, &w.a.admin, &admin, json!({"status": "disabled"})).await;
    assert_eq!(
        (r.status, r.body["error"]["details"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("status"))
    );
    let r = patch(&app, &w.b.admin, &manager, json!({"status": "disabled"})).await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "another organisation's account does not exist"
    );
    let r = patch(&app, &w.a.manager, &manager, json!({"departments": []})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A manager demoted to employee loses their departments and their sessions.
    let r = patch(&app, &w.a.admin, &manager, json!({"role": "employee"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["role"].as_str(), &r.body["departments"]),
        (Some("employee"), &json!([]))
    );
    assert_eq!(
        app.get("/api/v1/me", &w.a.manager).await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// H4, scenario 1: an invited manager who is also an employee approved their own timesheet,
/// because nothing linked their account to their employee record.
#[tokio::test]
async fn a_manager_linked_to_their_employee_record_cannot_approve_their_own_timesheet() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let manager = user_id(&app, &w.a.admin, "manager@a.example").await;
    // The manager is also an employee of the department they manage (root records her, so
    // the admin, who did not, may approve her first timesheet).
    let r = app
        .post(
            "/api/v1/employees",
            Some(&w.root),
            json!({"org_id": w.a.id, "employee_number": "900", "display_name": "Mara Manager",
                   "department_id": w.a.dept, "site_id": w.a.site}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mara = r.id();
    let r = patch(&app, &w.a.admin, &manager, json!({"employee_id": mara})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["employee_id"], mara);
    let sheet = format!("/api/v1/employees/{mara}/timesheets/2026-02-01");
    let r = app
        .post(&format!("{sheet}/submit"), Some(&w.a.admin), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post(&format!("{sheet}/approve"), Some(&w.a.manager), json!({}))
        .await;
    assert!(r.status.is_client_error(), "{}", r.body);
    let r = app
        .post(&format!("{sheet}/approve"), Some(&w.a.admin), json!({}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "someone else approves: {}",
        r.body
    );
    // The same employee cannot be linked to a second account.
    let admin = user_id(&app, &w.a.admin, "admin@a.example").await;
    let r = patch(&app, &w.root, &admin, json!({"employee_id": mara})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // `null` unlinks.
    let r = patch(&app, &w.a.admin, &manager, json!({"employee_id": null})).await;
    assert_eq!(
        (r.status, &r.body["employee_id"]),
        (StatusCode::OK, &Value::Null),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn ending_an_accounts_sessions_signs_it_out_everywhere() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let manager = user_id(&app, &w.a.admin, "manager@a.example").await;
    let browser = dash(&app, "manager@a.example").await;
    let r = app
        .post(
            &format!("/api/v1/users/{manager}/end-sessions"),
            Some(&w.a.admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        app.get("/api/v1/me", &w.a.manager).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        browser.get("/dashboard/people").await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.login("manager@a.example", PASSWORD).await.status,
        StatusCode::OK,
        "the account itself still works"
    );
}
