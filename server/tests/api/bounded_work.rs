//! Security review H2 and L2: expensive work is bounded. Hashing is counted, not timed: each
//! test reads the server's argon2 run count ([`attend_server::platform::password::Hasher`]).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::{PASSWORD, spawn_app, spawn_app_with, world};

/// H2: a made-up reset token used to cost one argon2 run (19 MiB, tens of ms) before it was
/// looked up; 600 at once could take the server's memory.
#[tokio::test]
async fn made_up_reset_tokens_cost_no_password_hashing() {
    let app = spawn_app_with(|s| s.auth.max_failures = 1_000).await;
    let before = app.state.hasher.runs();
    let confirmations = (0..50).map(|i| {
        app.post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": format!("made-up-{i}"), "new_password": "whatever password"}),
        )
    });
    for r in futures_util::future::join_all(confirmations).await {
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    }
    assert_eq!(app.state.hasher.runs(), before);
}

/// H2: accept-invite hashed before it checked the code, and had no lockout at all.
#[tokio::test]
async fn made_up_invite_codes_cost_no_hashing_and_lock_the_address_out() {
    let app = spawn_app().await;
    let before = app.state.hasher.runs();
    let accept = |i: u32| {
        json!({"code": format!("NOPE-NOPE-{i:04}"), "email": format!("x{i}@a.example"),
            "password": PASSWORD, "display_name": "X"})
    };
    for i in 0..5 {
        let r = app
            .post("/api/v1/auth/accept-invite", None, accept(i))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.body["error"]["details"][0]["field"], "code");
    }
    let r = app
        .post("/api/v1/auth/accept-invite", None, accept(5))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::TOO_MANY_REQUESTS, "locked_out")
    );
    assert_eq!(app.state.hasher.runs(), before);
}

#[tokio::test]
async fn a_login_costs_one_hashing_run_whether_or_not_the_account_exists() {
    let app = spawn_app().await;
    world(&app).await;
    let before = app.state.hasher.runs();
    assert_eq!(
        app.login("ghost@a.example", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.state.hasher.runs(), before + 1);
    assert_eq!(
        app.login("admin@a.example", "wrong password").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.state.hasher.runs(), before + 2);
    assert_eq!(
        app.login("admin@a.example", PASSWORD).await.status,
        StatusCode::OK
    );
    assert_eq!(app.state.hasher.runs(), before + 3);
}

/// H2, the abuse benchmark's finding: each sign-in wrote its lockout counters before it waited
/// for a hashing slot, so a flood queued hundreds of writes ahead of a kiosk's sync. A sign-in
/// now takes its hashing turn first: with every slot busy it is answered 503 without counting
/// anything, so the owner is not locked out by attempts the server never checked.
#[tokio::test]
async fn sign_ins_refused_as_busy_count_nothing_against_the_account() {
    let app = spawn_app().await;
    world(&app).await;
    let mut held = Vec::new();
    for _ in 0..app.state.hasher.slot_count() {
        held.push(app.state.hasher.turn().await.expect("a free hashing slot"));
    }
    let before = app.state.hasher.runs();
    let guesses = (0..10).map(|_| app.login("admin@a.example", "wrong password"));
    for r in futures_util::future::join_all(guesses).await {
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            "{}",
            r.body
        );
        assert!(r.headers.contains_key("retry-after"));
    }
    assert_eq!(
        app.state.hasher.runs(),
        before,
        "a refused sign-in ran argon2"
    );
    drop(held);
    // Ten guesses were more than the lockout allows (5); none was counted.
    assert_eq!(
        app.login("admin@a.example", PASSWORD).await.status,
        StatusCode::OK
    );
}

/// L2: without a header-read timeout a client could hold a connection by never finishing its
/// headers.
#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let app = spawn_app_with(|s| s.http.header_read_timeout_s = 1).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connected");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("written");
    let mut answer = Vec::new();
    // The server ends the connection (a generous bound: the test waits for an event, it does
    // not measure how soon it came).
    let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the connection was still open after 30 s");
    let text = String::from_utf8_lossy(&answer);
    assert!(!text.contains("200 OK"), "{text}");
}

/// L2: a body that never finishes arriving is answered 408, not waited for.
#[tokio::test]
async fn a_body_that_never_finishes_arriving_is_answered_408() {
    let app = spawn_app_with(|s| s.http.request_timeout_s = 1).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connected");
    stream
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"email\":",
        )
        .await
        .expect("written");
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut answer))
        .await
        .expect("answered within 30 s")
        .expect("read");
    let text = String::from_utf8_lossy(&answer[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"timeout\""), "{text}");
}

/// Security review M11: the photo upload buffered up to 80 MiB before it checked the role, so
/// any signed-in account could make the server read it.
#[tokio::test]
async fn an_upload_by_someone_who_may_not_upload_is_refused_before_its_body_is_read() {
    let app = spawn_app_with(|s| s.http.request_timeout_s = 600).await;
    let w = world(&app).await;
    let worker = crate::dash_client::dash(&app, "worker@a.example").await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connected");
    let head = format!(
        "POST /dashboard/people/{}/photos HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\
         Content-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: 40000000\r\n\r\n--XYZ\r\n",
        w.a.employee,
        worker.cookie()
    );
    stream.write_all(head.as_bytes()).await.expect("written");
    // The rest of the 40 MB never comes: only a refusal that did not wait for it can arrive.
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_mins(1), stream.read(&mut answer))
        .await
        .expect("answered without the body")
        .expect("read");
    let text = String::from_utf8_lossy(&answer[..n]);
    assert!(text.starts_with("HTTP/1.1 403"), "{text}");
}
