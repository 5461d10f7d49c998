//! Timesheet attachments over HTTP: type and size are checked by the bytes, only those who may
//! see the timesheet download, and a locked timesheet takes no more.

use attend_testkit::process::LocalServer;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, approve_timesheet, spawn_app, world};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

async fn upload(
    app: &TestApp,
    token: &str,
    employee: &str,
    name: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let r = app
        .client
        .post(format!(
            "{}/api/v1/employees/{employee}/timesheets/2026-02-01/attachments?filename={name}",
            app.base
        ))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("sent");
    let status = r.status();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn attachments_are_checked_stored_and_shown_only_to_those_who_may_see_the_timesheet() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (status, created) = upload(
        &app,
        &w.a.employee_token,
        &w.a.employee,
        "doctor-note.pdf",
        "application/pdf",
        PDF.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        (
            created["size_bytes"].as_u64(),
            created["content_type"].as_str()
        ),
        (Some(PDF.len() as u64), Some("application/pdf"))
    );
    let id = created["id"].as_str().expect("id").to_owned();

    // Refusals naming what is wrong.
    let (s, b) = upload(
        &app,
        &w.a.employee_token,
        &w.a.employee,
        "evil.pdf",
        "application/pdf",
        b"MZ\x90\x00 not a pdf".to_vec(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["details"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("body")),
        "{b}"
    );
    let (s, b) = upload(
        &app,
        &w.a.employee_token,
        &w.a.employee,
        "page.html",
        "text/html",
        b"<html>".to_vec(),
    )
    .await;
    assert_eq!(b["error"]["details"][0]["field"], "content_type", "{s} {b}");
    let (s, _) = upload(
        &app,
        &w.a.employee_token,
        &w.a.employee,
        "big.pdf",
        "application/pdf",
        [PDF, &vec![b' '; 6 * 1024 * 1024]].concat(),
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    let (s, b) = upload(
        &app,
        &w.a.employee_token,
        &w.a.employee,
        "..%2Fx.pdf",
        "application/pdf",
        PDF.to_vec(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["details"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("filename")),
        "{b}"
    );
    let (s, _) = upload(
        &app,
        &w.a.employee_token,
        &w.a.other_employee,
        "x.pdf",
        "application/pdf",
        PDF.to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not someone else's timesheet");
    let list = app
        .get(
            &format!(
                "/api/v1/employees/{}/timesheets/2026-02-01/attachments",
                w.a.employee
            ),
            &w.a.manager,
        )
        .await;
    assert_eq!(
        list.body.as_array().map(Vec::len),
        Some(1),
        "only the good upload was kept: {}",
        list.body
    );

    // Downloads: the employee and their manager; not another department's manager, nor another org.
    let get = |token: String| {
        let req = app
            .client
            .get(format!("{}/api/v1/attachments/{id}", app.base))
            .bearer_auth(token);
        async move { req.send().await.expect("sent") }
    };
    let r = get(w.a.manager.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"doctor-note.pdf\""
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), PDF);
    assert_eq!(
        get(w.a.employee_token.clone()).await.status(),
        StatusCode::OK
    );
    assert_eq!(get(w.b.admin.clone()).await.status(), StatusCode::NOT_FOUND);
    let other_manager = app.post("/api/v1/users", Some(&w.a.admin), json!({"email": "m2@a.example", "display_name": "M2", "password": crate::helpers::PASSWORD, "role": "manager", "not_employee": true, "departments": []})).await;
    assert_eq!(
        other_manager.status,
        StatusCode::CREATED,
        "{}",
        other_manager.body
    );
    assert_eq!(
        get(app.token("m2@a.example").await).await.status(),
        StatusCode::NOT_FOUND
    );

    // Once the timesheet is approved, no more attachments.
    approve_timesheet(&app, &w.a, "2026-02-01").await;
    let (s, b) = upload(
        &app,
        &w.a.employee_token,
        &w.a.employee,
        "late.pdf",
        "application/pdf",
        PDF.to_vec(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["message"].as_str()),
        (StatusCode::CONFLICT, Some("approved timesheets are locked"))
    );
}

/// A moto S3 server on a free local port, stopped on drop.
async fn moto() -> LocalServer {
    LocalServer::start(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cache/s3-venv/bin/moto_server"),
        "run `bash scripts/setup-s3-test.sh`",
        |port| {
            vec![
                "-H".into(),
                "127.0.0.1".into(),
                "-p".into(),
                port.to_string(),
            ]
        },
    )
    .await
}

#[tokio::test]
async fn attachments_live_in_an_s3_compatible_bucket_when_configured() {
    let s3 = moto().await;
    let client = crate::helpers::http_client();
    let r = client
        .put(format!("{}/attend-test", s3.url()))
        .send()
        .await
        .expect("bucket created");
    assert!(r.status().is_success(), "{}", r.status());
    let endpoint = s3.url();
    let app = crate::helpers::spawn_app_with(move |s| {
        s.attachments_s3 = Some(attend_server::config::S3Settings {
            bucket: "attend-test".into(),
            region: "us-east-1".into(),
            endpoint: Some(endpoint),
            access_key_id: "test".into(),
            secret_access_key: "test".into(),
            allow_http: true,
            prefix: Some("attend/attachments".into()),
        });
    })
    .await;
    let w = world(&app).await;
    let (status, created) = upload(
        &app,
        &w.a.employee_token,
        &w.a.employee,
        "note.pdf",
        "application/pdf",
        PDF.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().expect("id");
    let listing = client
        .get(format!("{}/attend-test?list-type=2", s3.url()))
        .send()
        .await
        .expect("listed")
        .text()
        .await
        .expect("xml");
    assert!(
        listing.contains("<Key>attend/attachments/"),
        "the object is in the bucket: {listing}"
    );
    let r = app
        .client
        .get(format!("{}/api/v1/attachments/{id}", app.base))
        .bearer_auth(&w.a.manager)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), PDF);
}

/// Security review M11: any employee could fill the disk or bucket, one 5 MiB file at a time.
#[tokio::test]
async fn an_employees_attachments_stop_at_their_quota() {
    let app =
        crate::helpers::spawn_app_with(|s| s.attachments_quota_bytes = 2 * PDF.len() as u64).await;
    let w = world(&app).await;
    let send = |name: &'static str| {
        upload(
            &app,
            &w.a.employee_token,
            &w.a.employee,
            name,
            "application/pdf",
            PDF.to_vec(),
        )
    };
    assert_eq!(send("one.pdf").await.0, StatusCode::CREATED);
    assert_eq!(send("two.pdf").await.0, StatusCode::CREATED);
    let (status, body) = send("three.pdf").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("quota")),
        "{body}"
    );
}
