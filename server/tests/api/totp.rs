//! The optional TOTP second factor: setting it up, signing in with it (API and dashboard),
//! replays and wrong codes, recovery codes, the organisation's requirement for approvers, and
//! an administrator's reset. Codes are computed here from the secret the setup answers, with the
//! same crate the server uses.

use reqwest::{Method, StatusCode};
use serde_json::json;
use totp_rs::{Builder, Secret};

use crate::helpers::{PASSWORD, Reply, TestApp, audit_actions, spawn_app, world};

/// The code the authenticator shows `steps` steps from now (30 s each).
pub fn code(secret: &str, steps: i64) -> String {
    let bytes = Secret::try_from_base32(secret).expect("base32 secret");
    let totp = Builder::new()
        .with_secret(bytes.to_vec())
        .build()
        .expect("totp");
    let now = jiff::Timestamp::now().as_second() + steps * 30;
    totp.generate(now as u64).to_string()
}

/// A six-digit code that is none of the ones valid around now.
pub fn wrong_code(secret: &str) -> String {
    let valid: Vec<String> = (-2..=3).map(|s| code(secret, s)).collect();
    (0..10)
        .map(|n| format!("{:06}", 123_456 + n))
        .find(|c| !valid.contains(c))
        .expect("a wrong code")
}

/// Sets up and turns on a second factor for the account of `token`: its secret, and the
/// recovery codes. The current step's code is used up by the confirmation.
pub async fn enable(app: &TestApp, token: &str) -> (String, Vec<String>) {
    let r = app
        .post("/api/v1/auth/totp/setup", Some(token), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let secret = r.body["secret"].as_str().expect("secret").to_owned();
    assert!(
        r.body["otpauth_uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("otpauth://totp/Attend:") && u.contains(&secret)),
        "{}",
        r.body
    );
    let r = app
        .post(
            "/api/v1/auth/totp/confirm",
            Some(token),
            json!({"code": code(&secret, 0)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes = r.body["recovery_codes"]
        .as_array()
        .expect("recovery codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    (secret, codes)
}

/// The password step of a sign-in that must ask for a code: its challenge.
async fn challenge(app: &TestApp, email: &str) -> String {
    let r = app.login(email, PASSWORD).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert!(
        r.body.get("access_token").is_none(),
        "no tokens before the code"
    );
    r.body["challenge"].as_str().expect("challenge").to_owned()
}

async fn code_step(app: &TestApp, challenge: &str, code: &str) -> Reply {
    app.post(
        "/api/v1/auth/login/totp",
        None,
        json!({"challenge": challenge, "code": code}),
    )
    .await
}

#[tokio::test]
async fn with_totp_on_the_password_alone_gives_no_tokens_and_a_code_finishes_the_sign_in() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (secret, _) = enable(&app, &w.a.manager).await;

    let me = app.get("/api/v1/me", &w.a.manager).await;
    assert_eq!(me.body["totp_enabled"], true, "{}", me.body);
    let status = app.get("/api/v1/auth/totp", &w.a.manager).await;
    assert_eq!(status.body["enabled"], true, "{}", status.body);
    assert_eq!(status.body["recovery_codes_left"], 8);

    let ch = challenge(&app, "manager@a.example").await;
    let next = code(&secret, 1);
    let r = code_step(&app, &ch, &next).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let token = r.body["access_token"].as_str().expect("access token");
    assert_eq!(app.get("/api/v1/me", token).await.status, StatusCode::OK);

    // The same code again, even with a fresh challenge, is a replay.
    let ch = challenge(&app, "manager@a.example").await;
    let r = code_step(&app, &ch, &next).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    // So is the confirmation's code, a step older than the one last used.
    let r = code_step(&app, &ch, &code(&secret, 0)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    // A made-up challenge names nobody.
    let r = code_step(&app, &format!("{ch}x"), &code(&secret, 1)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
}

#[tokio::test]
async fn wrong_codes_count_toward_the_sign_in_lockout() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (secret, _) = enable(&app, &w.a.manager).await;
    let ch = challenge(&app, "manager@a.example").await;
    let wrong = wrong_code(&secret);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(code_step(&app, &ch, &wrong).await.status);
    }
    // The password step counted one attempt and stays counted: four wrong codes reach the
    // limit of five, and the rest are locked out.
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS,
        ]
    );
    let r = code_step(&app, &ch, &code(&secret, 1)).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits"
    );
    assert_eq!(r.code(), "locked_out");
    let r = app.login("manager@a.example", PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "and so does the password"
    );
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (_, codes) = enable(&app, &w.a.admin).await;
    assert_eq!(codes.len(), 8);
    let typed = codes[0].to_lowercase().replace('-', " ");

    let ch = challenge(&app, "admin@a.example").await;
    let r = code_step(&app, &ch, &typed).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let token = r.body["access_token"].as_str().expect("token").to_owned();
    let status = app.get("/api/v1/auth/totp", &token).await;
    assert_eq!(status.body["recovery_codes_left"], 7, "{}", status.body);

    let ch = challenge(&app, "admin@a.example").await;
    let r = code_step(&app, &ch, &codes[0]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "used once: {}", r.body);
}

#[tokio::test]
async fn an_organisation_requiring_totp_blocks_its_approvers_until_they_set_it_up() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let employee = &w.a.employee;
    let approve = format!("/api/v1/employees/{employee}/approve");

    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/organisations/{}/settings", w.a.id),
            Some(&w.a.manager),
            Some(json!({"require_totp_for_approvers": true})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "managers do not change settings"
    );
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/organisations/{}/settings", w.a.id),
            Some(&w.a.admin),
            Some(json!({"require_totp_for_approvers": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["require_totp_for_approvers"], true);

    // The manager still signs in with a password, but can reach only the setup.
    let manager = app.token("manager@a.example").await;
    let r = app.post(&approve, Some(&manager), json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.code(), "totp_required");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("/api/v1/auth/totp/setup")),
        "the refusal says what to do: {}",
        r.body
    );
    let r = app.get("/api/v1/employees", &manager).await;
    assert_eq!(r.code(), "totp_required");
    let me = app.get("/api/v1/me", &manager).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["totp_required"], true);
    // Employees cannot approve, so nothing changes for them.
    let r = app
        .get(
            &format!("/api/v1/employees/{employee}"),
            &w.a.employee_token,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Another organisation's approvers are not affected.
    assert_eq!(
        app.get("/api/v1/employees", &w.b.manager).await.status,
        StatusCode::OK
    );

    enable(&app, &manager).await;
    let r = app.get("/api/v1/employees", &manager).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "set up: the same session goes on: {}",
        r.body
    );
    let r = app.post(&approve, Some(&manager), json!({})).await;
    assert_ne!(r.code(), "totp_required", "{}", r.body);
}

#[tokio::test]
async fn an_admin_resets_a_lost_second_factor_and_the_audit_log_says_so() {
    let app = spawn_app().await;
    let w = world(&app).await;
    enable(&app, &w.a.manager).await;
    let manager_id = app.get("/api/v1/me", &w.a.manager).await.id();
    let reset = format!("/api/v1/users/{manager_id}/totp");

    let r = app
        .call(Method::DELETE, &reset, Some(&w.a.manager), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "managers reset nobody's");
    let r = app
        .call(Method::DELETE, &reset, Some(&w.b.admin), None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "another organisation's account looks missing"
    );
    let r = app
        .call(Method::DELETE, &reset, Some(&w.a.admin), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app
        .call(Method::DELETE, &reset, Some(&w.a.admin), None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "nothing left to reset");

    let r = app.login("manager@a.example", PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the password alone again: {}",
        r.body
    );
    let actions = audit_actions(&app, &w.a.admin, "user").await;
    assert!(actions.contains(&"totp_enable".to_owned()), "{actions:?}");
    assert!(actions.contains(&"totp_reset".to_owned()), "{actions:?}");
}

#[tokio::test]
async fn turning_totp_off_takes_the_password_and_a_code() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (secret, codes) = enable(&app, &w.a.manager).await;
    let disable = |password: &str, code: &str| {
        app.post(
            "/api/v1/auth/totp/disable",
            Some(&w.a.manager),
            json!({"password": password, "code": code}),
        )
    };
    let r = disable("not the password", &code(&secret, 1)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = disable(PASSWORD, &wrong_code(&secret)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = disable(PASSWORD, &codes[3]).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        app.login("manager@a.example", PASSWORD).await.status,
        StatusCode::OK
    );
    // Employees have nothing to approve, so nothing to set up.
    let r = app
        .post(
            "/api/v1/auth/totp/setup",
            Some(&w.a.employee_token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}
