//! The optional TOTP second factor: setting it up, signing in with it (API and dashboard),
//! replays and wrong codes, recovery codes, the organisation's requirement for approvers, and
//! an administrator's reset. Codes are computed here from the secret the setup answers, with the
//! same crate the server uses.

use reqwest::{Method, StatusCode};
use serde_json::json;
use totp_rs::{Builder, Secret};

use crate::dash_client::{browser_client, hidden_csrf, login_form, set_cookie};
use crate::helpers::{PASSWORD, Reply, TestApp, audit_actions, spawn_app, world};

/// The code the authenticator shows `steps` steps from now (30 s each).
fn code(secret: &str, steps: i64) -> String {
    let bytes = Secret::try_from_base32(secret).expect("base32 secret");
    let totp = Builder::new()
        .with_secret(bytes.to_vec())
        .build()
        .expect("totp");
    let now = jiff::Timestamp::now().as_second() + steps * 30;
    totp.generate(now as u64).to_string()
}

/// A six-digit code that is none of the ones valid around now.
fn wrong_code(secret: &str) -> String {
    let valid: Vec<String> = (-2..=3).map(|s| code(secret, s)).collect();
    (0..10)
        .map(|n| format!("{:06}", 123_456 + n))
        .find(|c| !valid.contains(c))
        .expect("a wrong code")
}

/// Sets up and turns on a second factor for the account of `token`: its secret, and the
/// recovery codes. The current step's code is used up by the confirmation.
async fn enable(app: &TestApp, token: &str) -> (String, Vec<String>) {
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

/// Posts a sign-in form with the double-submit cookie and token.
async fn post_form(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{}{path}", app.base))
        .header("cookie", format!("attend_login_csrf={cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(fields).expect("form"))
        .send()
        .await
        .expect("sent")
}

fn challenge_field(html: &str) -> String {
    let at = html
        .find(r#"name="challenge" value=""#)
        .expect("a code step");
    let rest = &html[at + r#"name="challenge" value=""#.len()..];
    rest[..rest.find('"').expect("end")].to_owned()
}

#[tokio::test]
async fn the_dashboard_signs_in_in_two_steps_with_totp_on() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (secret, _) = enable(&app, &w.a.admin).await;
    let client = browser_client();

    let (cookie, token) = login_form(&client, &app.base).await;
    let fields = [
        ("email", "admin@a.example"),
        ("password", PASSWORD),
        ("_csrf", &token),
    ];
    let r = post_form(&client, &app, "/dashboard/login", &cookie, &fields).await;
    assert_eq!(r.status(), StatusCode::OK, "a second form, not a session");
    assert!(set_cookie(&r, "attend_session").is_none());
    let cookie = set_cookie(&r, "attend_login_csrf").expect("a new form token");
    let html = r.text().await.expect("html");
    let (token, ch) = (hidden_csrf(&html), challenge_field(&html));

    let wrong = wrong_code(&secret);
    let fields = [
        ("challenge", ch.as_str()),
        ("code", &wrong),
        ("_csrf", &token),
    ];
    let r = post_form(&client, &app, "/dashboard/login/totp", &cookie, &fields).await;
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = set_cookie(&r, "attend_login_csrf").expect("a new form token");
    let html = r.text().await.expect("html");
    assert!(html.contains("Wrong code"), "{html}");
    let token = hidden_csrf(&html);

    let right = code(&secret, 1);
    let fields = [
        ("challenge", ch.as_str()),
        ("code", &right),
        ("_csrf", &token),
    ];
    let r = post_form(&client, &app, "/dashboard/login/totp", &cookie, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let session = set_cookie(&r, "attend_session").expect("signed in");
    let r = client
        .get(format!("{}/dashboard/security", app.base))
        .header("cookie", format!("attend_session={session}"))
        .send()
        .await
        .expect("sent");
    let html = r.text().await.expect("html");
    assert!(html.contains("Recovery codes left: 8"), "{html}");
}

#[tokio::test]
async fn the_dashboard_sends_an_approver_who_must_set_totp_up_to_the_security_page() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/organisations/{}/settings", w.a.id),
            Some(&w.a.admin),
            Some(json!({"require_totp_for_approvers": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let client = browser_client();
    let (cookie, token) = login_form(&client, &app.base).await;
    let fields = [
        ("email", "manager@a.example"),
        ("password", PASSWORD),
        ("_csrf", &token),
    ];
    let r = post_form(&client, &app, "/dashboard/login", &cookie, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the password signs in");
    let session = format!(
        "attend_session={}",
        set_cookie(&r, "attend_session").expect("session")
    );
    let open = |path: &'static str| {
        client
            .get(format!("{}{path}", app.base))
            .header("cookie", session.clone())
            .send()
    };
    let r = open("/dashboard/people").await.expect("sent");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/dashboard/security");
    let r = open("/dashboard/security").await.expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.expect("html");
    assert!(html.contains("requires a second factor"), "{html}");
    assert!(html.contains("/dashboard/security/setup"), "{html}");
}

/// The text between `start` and the next `<` in `html`.
fn text_after(html: &str, start: &str) -> String {
    let at = html.find(start).expect("the marker") + start.len();
    html[at..].split('<').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_security_page_sets_totp_up_and_shows_the_recovery_codes_once() {
    let app = spawn_app().await;
    world(&app).await;
    let d = crate::dash_client::dash(&app, "manager@a.example").await;
    let (status, html) = d.get("/dashboard/security").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Sign-in asks for your password only"),
        "{html}"
    );

    let form = [("_csrf", hidden_csrf(&html))];
    let r = d
        .client
        .post(format!("{}/dashboard/security/setup", app.base))
        .header("cookie", d.cookie())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).expect("form"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.expect("html");
    let secret = text_after(&html, r#"<code id="totp-secret">"#);
    // The page escapes the slashes (`&#x2f;`); a browser shows them as they are.
    let uri = text_after(&html, r#"<code id="totp-uri">"#).replace("&#x2f;", "/");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");

    let form = [("_csrf", hidden_csrf(&html)), ("code", code(&secret, 0))];
    let r = d
        .client
        .post(format!("{}/dashboard/security/confirm", app.base))
        .header("cookie", d.cookie())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).expect("form"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.expect("html");
    assert_eq!(html.matches("<li><code>").count(), 8, "{html}");

    let (_, html) = d.get("/dashboard/security").await;
    assert!(html.contains("Recovery codes left: 8"), "{html}");
    assert!(!html.contains(&secret), "the secret is never shown again");
    assert_eq!(
        app.login("manager@a.example", PASSWORD).await.status,
        StatusCode::ACCEPTED
    );
}
