//! Security review M2 and M4: sign-in lockouts that hold under parallel guesses, cannot be
//! turned against the account's owner, stop password spraying, and store nothing unbounded.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, spawn_app, spawn_app_with, world};

async fn login_from(app: &TestApp, ip: &str, email: &str, password: &str) -> StatusCode {
    app.client
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("x-forwarded-for", ip)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("sent")
        .status()
}

#[tokio::test]
async fn parallel_guesses_cannot_outrun_the_login_lockout() {
    let app = spawn_app().await;
    world(&app).await;
    let before = app.state.hasher.runs();
    let guesses = (0..40).map(|i| {
        app.login(
            "admin@a.example",
            if i == 39 { PASSWORD } else { "a guess" },
        )
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(guesses)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    let checked = statuses
        .iter()
        .filter(|s| **s != StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        checked, 5,
        "only auth.max_failures attempts reach the password check: {statuses:?}"
    );
    assert_eq!(
        app.state.hasher.runs() - before,
        5,
        "one argon2 run per checked attempt"
    );
}

#[tokio::test]
async fn a_guesser_elsewhere_cannot_lock_the_owner_out() {
    let app = spawn_app_with(|s| s.http.trusted_proxies = vec!["127.0.0.1".into()]).await;
    world(&app).await;
    for _ in 0..5 {
        let s = login_from(&app, "203.0.113.66", "admin@a.example", "a guess").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        login_from(&app, "203.0.113.66", "admin@a.example", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the guesser is locked out, right password or not"
    );
    assert_eq!(
        login_from(&app, "198.51.100.1", "admin@a.example", PASSWORD).await,
        StatusCode::OK,
        "the owner, from their own address, signs in"
    );
}

#[tokio::test]
async fn one_address_spraying_many_accounts_is_stopped() {
    let app = spawn_app_with(|s| s.http.trusted_proxies = vec!["127.0.0.1".into()]).await;
    world(&app).await;
    let mut statuses = Vec::new();
    for i in 0..25 {
        statuses
            .push(login_from(&app, "203.0.113.9", &format!("user{i}@a.example"), PASSWORD).await);
    }
    assert!(
        statuses[..20]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert!(
        statuses[20..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    assert_eq!(
        login_from(&app, "198.51.100.2", "admin@a.example", PASSWORD).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn guessing_the_current_password_to_change_it_locks_out() {
    let app = spawn_app().await;
    world(&app).await;
    let token = app.token("manager@a.example").await;
    let change =
        |current: &str| json!({"current_password": current, "new_password": "a new password here"});
    for _ in 0..5 {
        let r = app
            .post("/api/v1/auth/password", Some(&token), change("a guess"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    }
    let r = app
        .post("/api/v1/auth/password", Some(&token), change(PASSWORD))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::TOO_MANY_REQUESTS, "locked_out")
    );
}

/// M4: every failed dashboard sign-in stored its (unbounded) e-mail as a lockout key.
#[tokio::test]
async fn an_oversized_dashboard_sign_in_is_refused_before_anything_is_stored() {
    let app = spawn_app().await;
    let client = crate::dash_client::browser_client();
    let (cookie, csrf) = crate::dash_client::login_form(&client, &app.base).await;
    let email = format!("{}@a.example", "x".repeat(300_000));
    let r = client
        .post(format!("{}/dashboard/login", app.base))
        .header("cookie", format!("attend_login_csrf={cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("email", email.as_str()),
                ("password", "whatever"),
                ("_csrf", csrf.as_str()),
            ])
            .expect("form"),
        )
        .send()
        .await
        .expect("sent");
    let page = r.text().await.expect("html");
    assert!(
        page.contains("Wrong e-mail or password"),
        "refused like any bad sign-in"
    );
    assert!(page.len() < 100_000, "the e-mail is not echoed back");
    let counted = app
        .stores
        .auth
        .attempts("login_address", "127.0.0.1")
        .await
        .expect("read");
    assert_eq!(counted, None, "nothing was stored for it");
}
