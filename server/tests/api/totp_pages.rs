//! The second factor on the dashboard: the two-step sign-in, the Security page's setup, and an
//! approver who must set one up being sent there.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::dash_client::{browser_client, hidden_csrf, login_form, set_cookie};
use crate::helpers::{PASSWORD, TestApp, spawn_app, world};
use crate::totp::{code, enable, wrong_code};

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
    // The page escapes slashes and ampersands; a browser shows them as they are.
    let uri = text_after(&html, r#"<code id="totp-uri">"#)
        .replace("&#x2f;", "/")
        .replace("&amp;", "&");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    // The QR code beside them carries the same link, as a phone's camera reads it.
    assert_eq!(qr_content(&html), uri);

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

/// What the page's QR code (a base64 PNG in `<img id="totp-qr">`) says.
fn qr_content(html: &str) -> String {
    use base64::Engine as _;
    let start = html.find(r#"id="totp-qr""#).expect("a QR code on the page");
    let src = &html[start..];
    let b64 = src
        .split("base64,")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a data URL")
        .replace("&#x2f;", "/");
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    let image = image::load_from_memory(&png).expect("a PNG").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("decodes").1
}
