//! Self-registration with the join code (security review M6): the answer is the same whether
//! or not the address has an account anywhere (the owner gets a mail instead), and each
//! organisation holds a bounded number of registrations waiting for approval.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, spawn_app, spawn_app_with, world};

async fn join_code(app: &TestApp, org: &str, admin: &str) -> String {
    let r = app
        .get(&format!("/api/v1/organisations/{org}/join-code"), admin)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["join_code"].as_str().expect("code").to_owned()
}

fn registration(code: &str, email: &str, number: &str) -> Value {
    json!({"join_code": code, "email": email, "password": PASSWORD, "display_name": "Nia", "employee_number": number})
}

/// The subjects of the mails captured for `to`, once the worker delivered `n` of them.
async fn subjects_to(app: &TestApp, to: &str, n: usize) -> Vec<String> {
    for _ in 0..200 {
        let got: Vec<String> = app
            .mail
            .0
            .lock()
            .expect("lock")
            .iter()
            .filter(|m| m.recipient == to)
            .map(|m| m.subject.clone())
            .collect();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} mails reached {to}");
}

async fn pending_ids(app: &TestApp, admin: &str) -> Vec<String> {
    let r = app.get("/api/v1/employees?limit=100", admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["status"] == "pending")
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn a_self_registered_employee_waits_for_approval_and_is_told_so() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let code = join_code(&app, &w.a.id, &w.a.admin).await.to_lowercase();
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            registration(&code, "new@a.example", "77"),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(
        subjects_to(&app, "new@a.example", 1).await,
        ["Your registration with Org a is waiting for approval"]
    );
    assert_eq!(
        app.login("new@a.example", PASSWORD).await.status,
        StatusCode::FORBIDDEN,
        "pending accounts cannot log in"
    );
    let pending = pending_ids(&app, &w.a.admin).await;
    assert_eq!(pending.len(), 1);
    let r = app
        .post(
            &format!("/api/v1/employees/{}/approve", pending[0]),
            Some(&w.a.manager),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.login("new@a.example", PASSWORD).await.status,
        StatusCode::OK
    );

    let bad = registration("NOPE-NOPE-NOPE", "x@a.example", "78");
    let r = app.post("/api/v1/auth/register", None, bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"]["details"][0]["field"], "join_code");
}

#[tokio::test]
async fn registering_a_taken_address_answers_the_same_creates_nothing_and_mails_its_owner() {
    let app = spawn_app().await;
    let w = world(&app).await;
    // Organisation B's join code, and an address that has an account in organisation A.
    let code = join_code(&app, &w.b.id, &w.b.admin).await;
    let new = app
        .post(
            "/api/v1/auth/register",
            None,
            registration(&code, "fresh@b.example", "501"),
        )
        .await;
    let taken = app
        .post(
            "/api/v1/auth/register",
            None,
            registration(&code, "Manager@A.example", "502"),
        )
        .await;
    assert_eq!(new.status, StatusCode::ACCEPTED, "{}", new.body);
    assert_eq!(
        (taken.status, &taken.body),
        (new.status, &new.body),
        "the same answer"
    );

    assert_eq!(
        pending_ids(&app, &w.b.admin).await.len(),
        1,
        "only the new address registered"
    );
    assert_eq!(
        subjects_to(&app, "manager@a.example", 1).await,
        ["Someone tried to register with your address"]
    );
    assert_eq!(
        app.login("manager@a.example", PASSWORD).await.status,
        StatusCode::OK,
        "the existing account is untouched"
    );
    // Again within the hour: the same answer, and no second mail to that inbox.
    let again = app
        .post(
            "/api/v1/auth/register",
            None,
            registration(&code, "manager@a.example", "503"),
        )
        .await;
    assert_eq!((again.status, &again.body), (new.status, &new.body));
    let r = app.get("/api/v1/employees?limit=100", &w.b.admin).await;
    assert!(
        r.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|e| e["employee_number"] != "502" && e["employee_number"] != "503"),
        "no employee was left behind for the taken address"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(subjects_to(&app, "manager@a.example", 1).await.len(), 1);
}

#[tokio::test]
async fn a_taken_employee_number_is_refused_whether_or_not_the_address_is_known() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let code = join_code(&app, &w.a.id, &w.a.admin).await;
    // Employee number 1 is Ana's.
    let unknown = app
        .post(
            "/api/v1/auth/register",
            None,
            registration(&code, "someone@a.example", "1"),
        )
        .await;
    let known = app
        .post(
            "/api/v1/auth/register",
            None,
            registration(&code, "admin@a.example", "1"),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::CONFLICT, "{}", unknown.body);
    assert_eq!(
        (known.status, &known.body["error"]["details"]),
        (unknown.status, &unknown.body["error"]["details"])
    );
}

#[tokio::test]
async fn an_organisation_holds_a_bounded_number_of_pending_registrations() {
    let app = spawn_app_with(|s| s.auth.max_pending_registrations = 2).await;
    let w = world(&app).await;
    let code = join_code(&app, &w.a.id, &w.a.admin).await;
    for i in 0..2 {
        let r = app
            .post(
                "/api/v1/auth/register",
                None,
                registration(&code, &format!("r{i}@a.example"), &format!("60{i}")),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    }
    for email in ["r9@a.example", "admin@a.example"] {
        let r = app
            .post(
                "/api/v1/auth/register",
                None,
                registration(&code, email, "609"),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{email}: {}",
            r.body
        );
        assert_eq!(r.code(), "registrations_full");
    }
    // Another organisation is not affected.
    let other = join_code(&app, &w.b.id, &w.b.admin).await;
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            registration(&other, "r9@b.example", "609"),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
}
