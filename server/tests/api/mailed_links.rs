//! The pages mailed links open, before anyone is signed in: a reset link sets a new password,
//! the reset page sends a link on request, and both forms refuse a post without their
//! double-submit token.

use reqwest::StatusCode;
use serde_json::json;

use crate::dash_client::{hidden_csrf, set_cookie};
use crate::helpers::{PASSWORD, TestApp, spawn_app, world};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Opens `url` and posts its form with `fields`, the page's own token and cookie included.
async fn fill_in(url: &str, action: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let c = client();
    let r = c.get(url).send().await.expect("page opens");
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = set_cookie(&r, "attend_form_csrf").expect("form cookie");
    let csrf = hidden_csrf(&r.text().await.expect("page"));
    let mut form: Vec<(&str, &str)> = vec![("_csrf", &csrf)];
    form.extend_from_slice(fields);
    let r = c
        .post(action)
        .header("cookie", format!("attend_form_csrf={cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(&form).expect("form"))
        .send()
        .await
        .expect("posted");
    (r.status(), r.text().await.expect("page"))
}

/// The text part of the newest mail to `to`, once the worker delivered it.
async fn mail_to(app: &TestApp, to: &str, subject: &str) -> String {
    for _ in 0..200 {
        let found = app
            .mail
            .0
            .lock()
            .expect("lock")
            .iter()
            .rev()
            .find(|m| m.recipient == to && m.subject == subject)
            .map(|m| (m.body.clone(), m.html.clone()));
        if let Some((text, html)) = found {
            assert!(
                html.is_some_and(|h| h.contains("<a href=")),
                "an HTML part with the link"
            );
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail {subject:?} reached {to}");
}

#[tokio::test]
async fn a_reset_asked_for_on_the_page_mails_a_link_that_sets_the_new_password() {
    let app = spawn_app().await;
    world(&app).await;
    let page = format!("{}/dashboard/reset-password", app.base);
    let (status, html) = fill_in(&page, &page, &[("email", "manager@a.example")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("a reset link is on its way"), "{html}");

    let text = mail_to(&app, "manager@a.example", "Reset your Attend password").await;
    let link = text
        .lines()
        .find_map(|l| l.strip_prefix("Reset it here within the hour: "))
        .expect("the link")
        .to_owned();
    assert!(
        link.starts_with("http://127.0.0.1:8080/dashboard/reset-password?token="),
        "{link}"
    );
    // public_url is the default here; the page is the same on this server.
    let local = link.replace("http://127.0.0.1:8080", &app.base);
    let (status, html) = fill_in(
        &local,
        &page,
        &[
            ("token", local.split("token=").nth(1).expect("token")),
            ("new_password", "a page-set password"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"id="reset-done""#));
    assert_eq!(
        app.login("manager@a.example", "a page-set password")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.login("manager@a.example", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_invite_page_refuses_another_address_and_a_post_without_its_token() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = app
        .post(
            &format!("/api/v1/organisations/{}/invites", w.a.id),
            Some(&w.a.admin),
            json!({"role": "manager", "not_employee": true, "email": "invited@a.example"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let code = r.body["code"].as_str().expect("code").to_owned();
    let page = format!("{}/dashboard/invite", app.base);
    let (status, html) = fill_in(
        &format!("{page}?code={code}"),
        &page,
        &[
            ("code", &code),
            ("email", "intruder@a.example"),
            ("display_name", "I"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        html.contains("This invite is for another e-mail address"),
        "{html}"
    );

    let forged = client()
        .post(&page)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("_csrf=guess&code={code}&email=invited%40a.example&display_name=I&password=correct+horse+battery"))
        .send()
        .await
        .expect("posted");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.login("invited@a.example", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED,
        "no account was made"
    );
}
