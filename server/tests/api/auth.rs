use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{PASSWORD, spawn_app, world};

#[tokio::test]
async fn login_refresh_rotates_and_reuse_ends_the_session() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let _ = w;
    let r = app.login("admin@a.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK);
    let first = r.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();

    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let second = r.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let access = r.body["access_token"].as_str().expect("access").to_owned();
    assert_ne!(first, second, "refresh must rotate");
    assert_eq!(app.get("/api/v1/me", &access).await.status, StatusCode::OK);

    // Presenting the retired token again looks like theft: the whole session ends.
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": second}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "the rotated token died with its session"
    );
    assert_eq!(
        app.get("/api/v1/me", &access).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn logout_revokes_access_and_refresh_tokens_at_once() {
    let app = spawn_app().await;
    world(&app).await;
    let r = app.login("manager@a.example", PASSWORD).await;
    let access = r.body["access_token"].as_str().expect("access").to_owned();
    let refresh = r.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let r = app
        .call(Method::POST, "/api/v1/auth/logout", Some(&access), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", &access).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": refresh}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn wrong_password_and_unknown_account_answer_the_same() {
    let app = spawn_app().await;
    world(&app).await;
    let wrong = app.login("admin@a.example", "not the password").await;
    let unknown = app.login("nobody@a.example", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(
        unknown.body["error"]["message"],
        wrong.body["error"]["message"]
    );
}

#[tokio::test]
async fn repeated_login_failures_lock_the_account_even_for_the_right_password() {
    let app = spawn_app().await;
    world(&app).await;
    for _ in 0..5 {
        assert_eq!(
            app.login("admin@a.example", "bad password!").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = app.login("admin@a.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(r.code(), "locked_out");
    assert!(r.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn change_password_needs_the_current_one_and_replaces_it() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let body =
        json!({"current_password": "wrong wrong wrong", "new_password": "a brand new password"});
    let r = app
        .post("/api/v1/auth/password", Some(&w.a.manager), body)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"]["details"][0]["field"], "current_password");
    let body = json!({"current_password": PASSWORD, "new_password": "a brand new password"});
    assert_eq!(
        app.post("/api/v1/auth/password", Some(&w.a.manager), body)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.login("manager@a.example", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("manager@a.example", "a brand new password")
            .await
            .status,
        StatusCode::OK
    );
}

async fn wait_for_mail(app: &crate::helpers::TestApp, to: &str) -> String {
    for _ in 0..200 {
        if let Some(m) = app
            .mail
            .0
            .lock()
            .expect("lock")
            .iter()
            .find(|m| m.recipient == to)
        {
            return m.body.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail reached {to}");
}

#[tokio::test]
async fn password_reset_answers_identically_and_only_mails_real_accounts() {
    let app = spawn_app().await;
    world(&app).await;
    let real = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"email": "admin@a.example"}),
        )
        .await;
    let fake = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"email": "ghost@a.example"}),
        )
        .await;
    assert_eq!(real.status, StatusCode::ACCEPTED);
    assert_eq!((real.status, &real.body), (fake.status, &fake.body));

    let mail = wait_for_mail(&app, "admin@a.example").await;
    let token = mail
        .split("Reset token: ")
        .nth(1)
        .and_then(|t| t.lines().next())
        .expect("token in mail")
        .to_owned();
    assert!(
        app.mail
            .0
            .lock()
            .expect("lock")
            .iter()
            .all(|m| m.recipient != "ghost@a.example")
    );

    let body = json!({"token": token, "new_password": "reset to this one"});
    assert_eq!(
        app.post("/api/v1/auth/password-reset/confirm", None, body.clone())
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.login("admin@a.example", "reset to this one")
            .await
            .status,
        StatusCode::OK
    );
    let again = app
        .post("/api/v1/auth/password-reset/confirm", None, body)
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reset token works once"
    );
    assert_eq!(again.body["error"]["details"][0]["field"], "token");
}

#[tokio::test]
async fn guessing_reset_tokens_locks_the_client_out() {
    let app = spawn_app().await;
    for i in 0..5 {
        let r = app
            .post(
                "/api/v1/auth/password-reset/confirm",
                None,
                json!({"token": format!("guess-{i}"), "new_password": "whatever password"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": "guess-6", "new_password": "whatever password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.code(), "locked_out");
}

#[tokio::test]
async fn support_invites_an_org_admin_who_can_then_log_in() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = app
        .post(
            &format!("/api/v1/organisations/{}/invites", w.b.id),
            Some(&w.support),
            json!({"role": "manager", "not_employee": true}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "support invites org admins only"
    );
    let r = app
        .post(
            &format!("/api/v1/organisations/{}/invites", w.b.id),
            Some(&w.support),
            json!({"role": "org_admin", "not_employee": true, "email": "boss@b.example"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let code = r.body["code"].as_str().expect("code").to_owned();
    let accept = json!({"code": code, "email": "boss@b.example", "password": PASSWORD, "display_name": "Boss"});
    let r = app
        .post("/api/v1/auth/accept-invite", None, accept.clone())
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["role"], "org_admin");
    assert_eq!(r.body["org_id"].as_str(), Some(w.b.id.as_str()));
    let token = app.token("boss@b.example").await;
    assert_eq!(
        app.get(&format!("/api/v1/sites/{}", w.b.site), &token)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.post("/api/v1/auth/accept-invite", None, accept)
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "single use"
    );
}

/// Two refreshes with one token at once, forced to interleave between reading the token and
/// spending it: exactly one rotates. On SQLite the second waits for the one writer; on
/// PostgreSQL both read the unspent token and SERIALIZABLE aborts the second at its write, whose
/// retry then finds the token spent (and, a reuse, ends the session). With writes at READ
/// COMMITTED (`TEST_ATTEND_WRITE_ISOLATION=read_committed`) both rotate and this fails.
#[tokio::test]
async fn a_refresh_token_presented_twice_at_once_rotates_once() {
    use attend_server::db::sql::race_hooks::{Point, pause_at};

    let app = spawn_app().await;
    let _ = world(&app).await;
    let r = app.login("admin@a.example", PASSWORD).await;
    let token = r.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let refresh = || {
        app.post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": token}),
        )
    };
    let pause = pause_at(Point::RefreshCheck, 300);
    let (first, second) = tokio::join!(refresh(), refresh());
    drop(pause);
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::UNAUTHORIZED],
        "{} / {}",
        first.body,
        second.body
    );
}
