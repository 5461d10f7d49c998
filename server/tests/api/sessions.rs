//! Security review M3 and L1: a password change or reset ends every way in to the account
//! (dashboard cookies included) and voids other reset tokens; login sessions have an absolute
//! lifetime however often they are refreshed.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::dash_client::dash;
use crate::helpers::{PASSWORD, TestApp, provisioned_device, spawn_app, spawn_app_with, world};

/// Asks for a reset of `email` and answers the token the mail carried.
async fn reset_token(app: &TestApp, email: &str) -> String {
    let already = app.mail.0.lock().expect("lock").len();
    let r = app
        .post("/api/v1/auth/password-reset", None, json!({"email": email}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    for _ in 0..200 {
        let found = app.mail.0.lock().expect("lock")[already..]
            .iter()
            .find(|m| m.recipient == email)
            .map(|m| m.body.clone());
        if let Some(body) = found {
            return body
                .split("Reset token: ")
                .nth(1)
                .and_then(|t| t.lines().next())
                .expect("token in mail")
                .to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no reset mail reached {email}");
}

fn confirm(token: &str, password: &str) -> serde_json::Value {
    json!({"token": token, "new_password": password})
}

#[tokio::test]
async fn a_password_reset_ends_dashboard_sessions_and_voids_other_reset_tokens() {
    let app = spawn_app().await;
    world(&app).await;
    let browser = dash(&app, "admin@a.example").await;
    assert_eq!(browser.get("/dashboard/people").await.0, StatusCode::OK);
    let first = reset_token(&app, "admin@a.example").await;
    let second = reset_token(&app, "admin@a.example").await;
    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            confirm(&first, "a brand new password"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        browser.get("/dashboard/people").await.0,
        StatusCode::SEE_OTHER,
        "the dashboard session ended with the reset"
    );
    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            confirm(&second, "an attacker's password"),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the other token is void"
    );
}

#[tokio::test]
async fn a_password_change_ends_the_accounts_other_sessions_of_every_kind() {
    let app = spawn_app().await;
    world(&app).await;
    let browser = dash(&app, "admin@a.example").await;
    let other_api = app.token("admin@a.example").await;
    let pending = reset_token(&app, "admin@a.example").await;
    let own = app.token("admin@a.example").await;
    let r = app
        .post(
            "/api/v1/auth/password",
            Some(&own),
            json!({"current_password": PASSWORD, "new_password": "changed on purpose"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        app.get("/api/v1/me", &own).await.status,
        StatusCode::OK,
        "the caller's own session stays"
    );
    assert_eq!(
        app.get("/api/v1/me", &other_api).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        browser.get("/dashboard/people").await.0,
        StatusCode::SEE_OTHER
    );
    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            confirm(&pending, "an attacker's password"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn refreshing_never_carries_a_session_past_its_maximum_age() {
    let app = spawn_app_with(|s| s.auth.session_max_age_s = 1).await;
    world(&app).await;
    let r = app.login("admin@a.example", PASSWORD).await;
    let refresh = r.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    // Waiting for the age to pass; the assertion is on the outcome, not on how long it took.
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    let r = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
}

/// Security review M4: lockout counters, sessions and nonces were never deleted.
#[tokio::test]
async fn expired_bookkeeping_rows_are_pruned_and_live_ones_kept() {
    let app = spawn_app().await;
    world(&app).await;
    let live = app.token("admin@a.example").await;
    let me = app.get("/api/v1/me", &live).await.body["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let old = "2020-01-01T00:00:00.000000Z";
    app.plant(&format!(
        "INSERT INTO auth_throttle (kind, key, failures, window_start) VALUES ('login', 'stale', 3, '{old}');
         INSERT INTO device_nonces (device_id, nonce, seen_at) VALUES ('d', 'n', 1000);
         INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, expires_at)
             VALUES ('stale', '{me}', 'c', '{old}', '{old}');
         INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ('stale', '{me}', '{old}');"
    ))
    .await;
    let gone = app
        .stores
        .prune
        .prune(jiff::Timestamp::now(), jiff::SignedDuration::from_hours(24))
        .await
        .expect("pruned");
    assert_eq!(gone, 4);
    let count = async |sql: &str| -> i64 {
        app.rows(&format!("SELECT COUNT(*) FROM {sql}")).await[0][0]
            .as_deref()
            .expect("a count")
            .parse()
            .expect("a number")
    };
    assert_eq!(
        (
            count("device_nonces").await,
            count("web_sessions").await,
            count("password_resets").await
        ),
        (0, 0, 0)
    );
    assert_eq!(count("auth_throttle WHERE key = 'stale'").await, 0);
    assert!(
        count("auth_throttle").await > 0,
        "the sign-in's own counter, still in its window, stays"
    );
    assert_eq!(
        app.get("/api/v1/me", &live).await.status,
        StatusCode::OK,
        "a live session stays"
    );
}

/// Security review M4: the roster change log gained a row per change for ever. Housekeeping
/// keeps each entity's newest row only, and a kiosk reading from the start gets the same roster.
#[tokio::test]
async fn housekeeping_compacts_the_roster_log_without_changing_what_a_kiosk_reads() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    for name in ["Ana B", "Ana C", "Ana D"] {
        let r = app
            .call(
                Method::PATCH,
                &format!("/api/v1/employees/{}", w.a.employee),
                Some(&w.a.admin),
                Some(json!({ "display_name": name })),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let roster = || app.roster(&device, 0);
    let before = roster().await;
    let count = format!(
        "SELECT COUNT(*) FROM roster_changes WHERE entity_id = '{}'",
        w.a.employee
    );
    let rows_of_ana = async || -> i64 {
        app.rows(&count).await[0][0]
            .as_deref()
            .expect("a count")
            .parse()
            .expect("a number")
    };
    assert!(rows_of_ana().await >= 4);
    app.stores
        .prune
        .prune(jiff::Timestamp::now(), jiff::SignedDuration::from_hours(24))
        .await
        .expect("pruned");
    assert_eq!(rows_of_ana().await, 1);
    let after = roster().await;
    assert_eq!(after["employees"], before["employees"]);
    assert_eq!(after["cursor"], before["cursor"]);
    assert_eq!(after["employees"].to_string().matches("Ana D").count(), 1);
}
