//! E-mail against a real SMTP server on loopback (see `smtp_sink.rs`): an invite's link works,
//! mail queued while the server is down arrives exactly once, refusals become dead letters.
//!
//! The server sends with its real SMTP sender; nothing here is faked. Outcomes are polled for
//! with a generous bound, never timed.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::dash_client::{hidden_csrf, set_cookie};
use crate::helpers::{PASSWORD, spawn_app_sending, world};
use crate::smtp_sink::{free_port, invite, outbox, received, sink, smtp_to};

#[tokio::test]
async fn an_invite_arrives_over_smtp_and_its_link_accepts_the_invite() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let smtp = sink(port, dir.path(), &[]).await;
    // The link must work as mailed, so the server's public URL is its real address.
    let listen = free_port();
    let app = spawn_app_sending(|s| {
        smtp_to(port)(s);
        s.listen = format!("127.0.0.1:{listen}").parse().expect("addr");
        s.public_url = format!("http://127.0.0.1:{listen}");
    })
    .await;
    let w = world(&app).await;
    invite(&app, &w.a.id, &w.a.admin, "new.manager@a.example").await;

    let mail = smtp.wait_for(1).await.remove(0);
    assert_eq!(mail["rcpt_tos"], json!(["new.manager@a.example"]));
    assert_eq!(mail["mail_from"], "attend@test.example");
    assert_eq!(mail["content_type"], "multipart/alternative");
    let text = mail["text"].as_str().expect("a plain-text part");
    let html = mail["html"].as_str().expect("an HTML part");
    let link = text
        .lines()
        .find_map(|l| l.strip_prefix("Accept the invite: "))
        .expect("the link in the text part")
        .trim()
        .to_owned();
    assert!(
        link.starts_with(&format!("{}/dashboard/invite?code=", app.base)),
        "{link}"
    );
    assert!(
        html.contains(&link.replace('&', "&amp;")),
        "the same link in the HTML part"
    );

    // Follow the link as a browser would: the form comes with the code and address filled in.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = client.get(&link).send().await.expect("link opens");
    assert_eq!(r.status(), StatusCode::OK);
    let csrf_cookie = set_cookie(&r, "attend_form_csrf").expect("form cookie");
    let page = r.text().await.expect("page");
    assert!(page.contains(r#"value="new.manager@a.example""#), "{page}");
    let code = link
        .split("code=")
        .nth(1)
        .and_then(|c| c.split('&').next())
        .expect("code");
    assert!(
        page.contains(&format!(r#"value="{code}""#)),
        "the code is filled in"
    );
    let r = client
        .post(format!("{}/dashboard/invite", app.base))
        .header("cookie", format!("attend_form_csrf={csrf_cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("_csrf", hidden_csrf(&page).as_str()),
                ("code", code),
                ("email", "new.manager@a.example"),
                ("display_name", "Nova"),
                ("password", PASSWORD),
            ])
            .expect("form"),
        )
        .send()
        .await
        .expect("posted");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.expect("page").contains(r#"id="joined""#));

    let token = app.token("new.manager@a.example").await;
    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(
        (me.body["role"].as_str(), me.body["org_id"].as_str()),
        (Some("manager"), Some(w.a.id.as_str()))
    );
    let rows = outbox(&app).await;
    assert!(
        rows.iter().all(|r| r.1 == "sent" && r.3),
        "sent, and the invite code no longer in the database: {rows:?}"
    );
}

#[tokio::test]
async fn mail_queued_while_the_smtp_server_is_down_arrives_exactly_once_when_it_is_back() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let app = spawn_app_sending(smtp_to(port)).await;
    // A second instance on the same database: both workers claim from one outbox.
    let second = attend_server::Application::build(app.settings.clone(), false)
        .await
        .expect("a second instance");
    let (_stop_second, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(second.run_with_shutdown(async move {
        let _ = stopped.await;
    }));
    let w = world(&app).await;
    let invited: Vec<String> = (1..=4).map(|i| format!("invitee{i}@a.example")).collect();
    for to in &invited {
        invite(&app, &w.a.id, &w.a.admin, to).await;
    }

    // Every message is tried and fails while nothing listens on the port.
    for _ in 0..600 {
        let rows = outbox(&app).await;
        if rows.len() == invited.len() && rows.iter().all(|r| r.1 == "queued" && r.2 >= 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows = outbox(&app).await;
    assert!(
        rows.iter()
            .all(|r| r.1 == "queued" && r.2 >= 2 && r.4.is_some()),
        "each message failed and waits for another try: {rows:?}"
    );
    assert!(received(dir.path()).is_empty());

    let smtp = sink(port, dir.path(), &[]).await;
    smtp.wait_for(invited.len()).await;
    for _ in 0..600 {
        if outbox(&app).await.iter().all(|r| r.1 == "sent") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows = outbox(&app).await;
    assert!(rows.iter().all(|r| r.1 == "sent" && r.3), "{rows:?}");
    // Every row is sent (a final state no worker claims again), so what the sink holds now is
    // all it will ever get: one message per invite.
    let mut got: Vec<String> = received(dir.path())
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().expect("recipient").to_owned())
        .collect();
    got.sort();
    assert_eq!(got, invited, "each arrived exactly once");
}

#[tokio::test]
async fn a_refused_recipient_becomes_a_dead_letter_that_only_its_admins_see() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let smtp = sink(
        port,
        dir.path(),
        &["--refuse", "bounce@=550", "--refuse", "busy@=451"],
    )
    .await;
    let app = spawn_app_sending(|s| {
        smtp_to(port)(s);
        s.notifications.mail_max_attempts = 3;
    })
    .await;
    let w = world(&app).await;
    invite(&app, &w.a.id, &w.a.admin, "bounce@a.example").await;
    invite(&app, &w.a.id, &w.a.admin, "busy@a.example").await;
    invite(&app, &w.a.id, &w.a.admin, "fine@a.example").await;

    let mut dead = Vec::new();
    for _ in 0..600 {
        let r = app.get("/api/v1/mail/dead-letters", &w.a.admin).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        dead = r.body.as_array().expect("list").clone();
        if dead.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let by = |to: &str| {
        dead.iter()
            .find(|d| d["recipient"] == to)
            .unwrap_or_else(|| panic!("no dead letter for {to}: {dead:?}"))
    };
    let bounced = by("bounce@a.example");
    assert_eq!(
        (bounced["kind"].as_str(), bounced["attempts"].as_u64()),
        (Some("invite"), Some(1)),
        "a 5xx is not retried"
    );
    assert!(
        bounced["last_error"]
            .as_str()
            .expect("error")
            .contains("550"),
        "{bounced}"
    );
    assert!(bounced.get("body").is_none());
    let busy = by("busy@a.example");
    assert_eq!(
        busy["attempts"], 3,
        "a 4xx is retried up to mail_max_attempts"
    );
    assert!(
        busy["last_error"]
            .as_str()
            .expect("error")
            .starts_with("gave up after 3 tries"),
        "{busy}"
    );

    let arrived = smtp.wait_for(1).await;
    assert_eq!(arrived.len(), 1);
    assert_eq!(arrived[0]["rcpt_tos"], json!(["fine@a.example"]));
    assert!(
        outbox(&app).await.iter().all(|r| r.3),
        "no body is kept, sent or dead"
    );

    let other = app.get("/api/v1/mail/dead-letters", &w.b.admin).await;
    assert_eq!(
        other.body,
        json!([]),
        "another organisation's admin sees none"
    );
    let manager = app.get("/api/v1/mail/dead-letters", &w.a.manager).await;
    assert_eq!(manager.status, StatusCode::FORBIDDEN);
}
