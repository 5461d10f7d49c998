//! Four eyes, who made it and whose face it is (security review H4): whoever created an
//! employee or uploaded photos does not approve their own work; a face that matches another
//! enrolled employee's waits for a second reviewer; a single admin may let these through,
//! flagged in the audit log. Who the person behind an account is: `employee_links`.

use attend_protocol::events::EnrolmentCandidate;
use attend_server::db::{AuditActor, AuditCtx, DepartmentFilter, Scope};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Reply, TestApp, provisioned_device, spawn_app, world};

pub(crate) fn message(r: &Reply) -> &str {
    r.body["error"]["message"]
        .as_str()
        .unwrap_or("<no message>")
}

pub(crate) async fn my_id(app: &TestApp, token: &str) -> String {
    let r = app.get("/api/v1/me", token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.id()
}

/// Creates an active employee of org a's first department and site, as `token`.
pub(crate) async fn hire(
    app: &TestApp,
    token: &str,
    w: &crate::helpers::World,
    number: &str,
) -> String {
    let r = app
        .post(
            "/api/v1/employees",
            Some(token),
            json!({"org_id": w.a.id, "employee_number": number, "display_name": format!("Person {number}"),
                   "department_id": w.a.dept, "site_id": w.a.site, "consent": "granted"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body["created_by"].is_string(), "{}", r.body);
    r.id()
}

#[tokio::test]
async fn whoever_created_an_employee_does_not_approve_their_first_timesheet() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let ghost = hire(&app, &w.a.manager, &w, "77").await;
    let sheet = |start: &str| format!("/api/v1/employees/{ghost}/timesheets/{start}");
    for start in ["2026-03-01", "2026-04-01"] {
        let r = app
            .post(
                &format!("{}/submit", sheet(start)),
                Some(&w.a.manager),
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let approve = |start: &'static str, token: &str| {
        let (path, token) = (format!("{}/approve", sheet(start)), token.to_owned());
        let app = &app;
        async move { app.post(&path, Some(&token), json!({})).await }
    };
    let r = approve("2026-03-01", &w.a.manager).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        message(&r),
        "you created this employee, so another reviewer approves their first timesheet"
    );
    let r = approve("2026-03-01", &w.a.admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Once someone else approved one, the creator reviews the rest as usual.
    let r = approve("2026-04-01", &w.a.manager).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn whoever_uploaded_photos_does_not_approve_them() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let manager = my_id(&app, &w.a.manager).await;
    let ctx = AuditCtx {
        actor: AuditActor::User {
            id: manager.parse().expect("user id"),
            org: Some(w.a.id.parse().expect("org id")),
        },
        ip: None,
        request_id: None,
        waived: None,
    };
    let upload = EnrolmentCandidate::new(
        w.a.employee.parse().expect("employee id"),
        "dlib-resnet-v1".into(),
        [(vec![0.3; 128], 0.9), (vec![0.3; 128], 0.8)],
        None,
    );
    let candidate = app
        .stores
        .enrolment
        .add_uploaded_candidate(&ctx, Scope::All, &DepartmentFilter::Any, upload)
        .await
        .expect("stored");
    assert_eq!(candidate.uploaded_by.map(|u| u.to_string()), Some(manager));
    let approve = format!("/api/v1/enrolment-candidates/{}/approve", candidate.id);
    let r = app.post(&approve, Some(&w.a.manager), json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        message(&r),
        "you uploaded these photos, so another reviewer approves them"
    );
    let r = app.post(&approve, Some(&w.a.admin), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "approved");
}

fn capture(employee: &str, seq: u64, fill: f32) -> Value {
    json!({
        "event_id": uuid::Uuid::now_v7(), "seq": seq, "captured_at": jiff::Timestamp::now(),
        "body": {"kind": "enrolment_candidate", "employee_id": employee, "model_id": "dlib-resnet-v1",
                 "templates": [{"vector": vec![fill; 128], "quality": 0.9}]}
    })
}

#[tokio::test]
async fn a_face_matching_another_employees_waits_for_a_second_reviewer() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let twin = hire(&app, &w.root, &w, "78").await;
    let stranger = hire(&app, &w.root, &w, "79").await;
    let approve = |id: &Value| {
        format!(
            "/api/v1/enrolment-candidates/{}/approve",
            id.as_str().expect("id")
        )
    };
    let events = json!([
        capture(&w.a.employee, 1, 0.1),
        capture(&twin, 2, 0.1),
        capture(&stranger, 3, 0.9)
    ]);
    let r = app.push(&device, &events).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let [first, second, third] = [0, 1, 2].map(|i| events[i]["event_id"].clone());

    // Nobody is enrolled yet: one approval is enough.
    let r = app
        .post(&approve(&first), Some(&w.a.admin), json!({}))
        .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{}",
        r.body
    );

    // The same face for someone else: held, with the other person shown.
    let r = app
        .post(&approve(&second), Some(&w.a.admin), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["lookalike"]["employee_id"], w.a.employee.as_str());
    assert_eq!(r.body["lookalike"]["display_name"], "Ana");
    assert_eq!(r.body["first_approved_by"], w.a.admin_user.as_str());
    let r = app
        .post(&approve(&second), Some(&w.a.admin), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(message(&r).contains("a second reviewer"), "{}", r.body);
    let r = app
        .post(&approve(&second), Some(&w.a.manager), json!({}))
        .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{}",
        r.body
    );

    // A different face goes through with one approval.
    let r = app
        .post(&approve(&third), Some(&w.a.admin), json!({}))
        .await;
    assert_eq!(r.body["status"], "approved", "{}", r.body);
    assert_eq!(r.body["lookalike"], Value::Null);
    let audit = crate::helpers::audit_actions(&app, &w.a.admin, "enrolment_candidate").await;
    assert!(audit.contains(&"hold".to_owned()), "{audit:?}");

    // A capture like an enrolled face shows the match as soon as it arrives.
    let late = capture(&stranger, 4, 0.1);
    let r = app.push(&device, &json!([late])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .get(
            &format!(
                "/api/v1/enrolment-candidates/{}",
                late["event_id"].as_str().expect("id")
            ),
            &w.a.admin,
        )
        .await;
    assert_eq!(r.body["status"], "pending", "{}", r.body);
    assert!(r.body["lookalike"]["employee_id"].is_string(), "{}", r.body);
    assert_eq!(r.body["first_approved_by"], Value::Null);
}

/// Stores a candidate of `employee` as if `uploader` had uploaded photos of them.
async fn uploaded_by(app: &TestApp, org: &str, uploader: &str, employee: &str) -> String {
    let ctx = AuditCtx {
        actor: AuditActor::User {
            id: uploader.parse().expect("user id"),
            org: Some(org.parse().expect("org id")),
        },
        ip: None,
        request_id: None,
        waived: None,
    };
    let upload = EnrolmentCandidate::new(
        employee.parse().expect("employee id"),
        "dlib-resnet-v1".into(),
        [(vec![0.4; 128], 0.9), (vec![0.4; 128], 0.8)],
        None,
    );
    let candidate = app
        .stores
        .enrolment
        .add_uploaded_candidate(&ctx, Scope::All, &DepartmentFilter::Any, upload)
        .await
        .expect("stored");
    format!("/api/v1/enrolment-candidates/{}/approve", candidate.id)
}

#[tokio::test]
async fn a_single_admin_approves_their_own_work_only_with_the_setting_and_flagged_in_the_audit_log()
{
    let app = spawn_app().await;
    let w = world(&app).await;
    let setting = format!("/api/v1/organisations/{}/single-admin", w.a.id);
    let r = app
        .get(&format!("/api/v1/organisations/{}", w.a.id), &w.a.admin)
        .await;
    assert_eq!(
        r.body["single_admin_self_approval"], false,
        "off by default"
    );

    let approve = uploaded_by(&app, &w.a.id, &w.a.admin_user, &w.a.employee).await;
    let r = app.post(&approve, Some(&w.a.admin), json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    let r = app
        .call(
            Method::PUT,
            &setting,
            Some(&w.a.admin),
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["single_admin_self_approval"], true);
    let r = app.post(&approve, Some(&w.a.admin), json!({})).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{}",
        r.body
    );
    let r = app
        .get("/api/v1/audit?four_eyes_waived=true", &w.a.admin)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let flagged = r.body["items"].as_array().expect("items");
    assert!(
        flagged.iter().any(|e| e["entity"] == "enrolment_candidate"
            && e["action"] == "approve"
            && e["four_eyes_waived"]
                == "you uploaded these photos, so another reviewer approves them"),
        "{}",
        r.body
    );
    assert!(flagged.iter().all(|e| e["four_eyes_waived"].is_string()));

    // A second active admin ends it: the rule applies again, and it cannot be turned on anew.
    let r = app
        .post(
            "/api/v1/users",
            Some(&w.root),
            json!({"org_id": w.a.id, "email": "second@a.example", "display_name": "Sue",
                   "password": PASSWORD, "role": "org_admin", "not_employee": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let approve = uploaded_by(&app, &w.a.id, &w.a.admin_user, &w.a.employee).await;
    let r = app.post(&approve, Some(&w.a.admin), json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app
        .call(
            Method::PUT,
            &setting,
            Some(&w.a.admin),
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

#[tokio::test]
async fn the_person_page_shows_the_lookalike_and_a_first_approval_says_it_waits_for_a_second() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let twin = hire(&app, &w.root, &w, "78").await;
    let events = json!([capture(&w.a.employee, 1, 0.2), capture(&twin, 2, 0.2)]);
    assert_eq!(app.push(&device, &events).await.status, StatusCode::OK);
    let [first, second] = [0, 1].map(|i| events[i]["event_id"].as_str().expect("id").to_owned());
    let r = app
        .post(
            &format!("/api/v1/enrolment-candidates/{first}/approve"),
            Some(&w.a.admin),
            json!({}),
        )
        .await;
    assert_eq!(r.body["status"], "approved", "{}", r.body);

    let admin = crate::dash_client::dash(&app, "admin@a.example").await;
    let (_, kind, text) = admin
        .post(
            &format!("/dashboard/enrolment/{second}/approve"),
            &[("reason", "")],
            true,
        )
        .await;
    assert_eq!(
        (kind.as_str(), text.as_str()),
        (
            "success",
            "Held for a second reviewer: this face matches the enrolled face of Ana (no. 1), so another reviewer completes the approval."
        )
    );
    let (status, html) = admin.get(&format!("/dashboard/people/{twin}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Matches the enrolled face of")
            && html.contains("Ana (no. 1)")
            && html.contains("approved once, waiting for a second reviewer"),
        "{html}"
    );
}
