//! A site's liveness rules: what a new site starts with, who may read and set them, refusals
//! that name the field and write nothing, the audit row, and that the site's kiosks get them
//! with the roster, together with who a manager marked as unable to turn their head.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, audit_actions, provisioned_device, spawn_app, world};

fn rules(mode: &str, pass: f64, below: f64, timeout: u32) -> Value {
    json!({
        "mode": mode,
        "pass_score": pass,
        "challenge_below": below,
        "on_failure": "refuse",
        "challenge_timeout_s": timeout,
        "evidence_thumbnails": true,
    })
}

async fn put(app: &TestApp, token: &str, site: &str, body: Value) -> crate::helpers::Reply {
    app.call(
        Method::PUT,
        &format!("/api/v1/sites/{site}/liveness"),
        Some(token),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_new_site_checks_liveness_adaptively_and_flags_failures_until_an_admin_says_otherwise() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let path = format!("/api/v1/sites/{}/liveness", w.a.site);
    let r = app.get(&path, &w.a.manager).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["mode"], "adaptive");
    assert_eq!(r.body["on_failure"], "flag");

    let wanted = rules("challenge", 0.6, 0.95, 12);
    let r = put(&app, &w.a.admin, &w.a.site, wanted.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.get(&path, &w.a.manager).await;
    assert_eq!(r.body, wanted);
    assert!(
        audit_actions(&app, &w.a.admin, "site_liveness")
            .await
            .contains(&"update".to_owned())
    );

    // A manager reads but does not set; another organisation's site is not found.
    let r = put(&app, &w.a.manager, &w.a.site, rules("off", 0.5, 0.9, 10)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = put(&app, &w.b.admin, &w.a.site, rules("off", 0.5, 0.9, 10)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(app.get(&path, &w.a.admin).await.body, wanted);
}

#[tokio::test]
async fn inconsistent_rules_are_refused_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let path = format!("/api/v1/sites/{}/liveness", w.a.site);
    let before = app.get(&path, &w.a.admin).await.body;
    let mut unknown = rules("passive", 0.5, 0.9, 10);
    unknown["theme"] = json!("dark");
    let mut bad_mode = rules("passive", 0.5, 0.9, 10);
    bad_mode["mode"] = json!("strict");
    for (body, field) in [
        (rules("passive", 1.5, 1.5, 10), "pass_score"),
        (rules("adaptive", 0.7, 0.4, 10), "challenge_below"),
        (rules("challenge", 0.5, 0.9, 2), "challenge_timeout_s"),
        (rules("challenge", 0.5, 0.9, 61), "challenge_timeout_s"),
        (bad_mode, "mode"),
        (unknown, "theme"),
    ] {
        let r = put(&app, &w.a.admin, &w.a.site, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.body
        );
        assert!(
            r.body.to_string().contains(field),
            "{field} not named: {}",
            r.body
        );
    }
    assert_eq!(app.get(&path, &w.a.admin).await.body, before);
}

#[tokio::test]
async fn the_site_s_kiosks_get_its_rules_and_who_cannot_turn_their_head_with_the_roster() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let roster = app.roster(&device, 0).await;
    assert_eq!(roster["config"]["liveness"]["mode"], "adaptive");
    let marked = |roster: &Value| -> Option<bool> {
        roster["employees"]
            .as_array()
            .expect("employees")
            .iter()
            .find(|e| e["id"] == w.a.employee.as_str())
            .map(|e| e["no_head_turn"].as_bool().unwrap_or(false))
    };
    assert_eq!(marked(&roster), Some(false));
    let cursor = roster["cursor"].as_u64().expect("cursor");

    let wanted = rules("passive", 0.55, 0.55, 10);
    let r = put(&app, &w.a.admin, &w.a.site, wanted.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The manager marks the employee; the kiosk's next pull brings both.
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/employees/{}", w.a.employee),
            Some(&w.a.manager),
            Some(json!({"no_head_turn": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["no_head_turn"], true);
    let roster = app.roster(&device, cursor).await;
    assert_eq!(roster["config"]["liveness"], wanted);
    assert_eq!(marked(&roster), Some(true));

    // Another site's rules are not this kiosk's.
    let other = app.new_site(&w.a.admin, &w.a.id, "Annex").await;
    let r = put(&app, &w.a.admin, &other, rules("off", 0.5, 0.5, 10)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.roster(&device, 0).await["config"]["liveness"], wanted);
}

fn face_punch(employee: &str, evidence: &Value) -> Value {
    let mut punch = crate::helpers::punch(employee, 1);
    punch["body"]["method"] = json!("face");
    punch["body"]["score"] = json!(0.35);
    punch["body"]["threshold"] = json!(0.6);
    punch["body"]["model_id"] = json!("dlib-resnet-v1");
    punch["body"]["liveness"] = evidence.clone();
    punch
}

#[tokio::test]
async fn a_face_punch_that_failed_its_liveness_check_is_stored_flagged_with_its_evidence() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let evidence = json!({"mode": "adaptive", "live": false, "score": 0.42,
        "scores": [{"model": "minifasnet-v2", "p_real": 0.4}, {"model": "minifasnet-v1se", "p_real": 0.44}], "challenge": "failed",
        "reason": "no parallax: a flat picture"});
    let punch = face_punch(&w.a.employee, &evidence);
    let r = app.push(&device, &json!([punch])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["acks"][0]["status"], "accepted", "{}", r.body);
    let events = app.get("/api/v1/device-events?limit=10", &w.a.admin).await;
    let stored = &events.body["items"][0];
    assert!(
        stored["flagged"]
            .as_str()
            .is_some_and(|f| f.contains("liveness check failed: no parallax")),
        "{stored}"
    );
    assert_eq!(stored["payload"]["body"]["liveness"], evidence, "{stored}");
}

/// Held because the kiosk was not confirmed yet, then released by confirming it: still flagged.
#[tokio::test]
async fn a_held_punch_that_failed_its_liveness_check_is_still_flagged_once_released() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = crate::helpers::unconfirmed_device(&app, &w.a.admin, &w.a.site).await;
    let evidence = json!({"mode": "passive", "live": false, "score": 0.2,
        "challenge": "not_asked", "reason": "passive score 0.20 below 0.50"});
    let r = app
        .push(&device, &json!([face_punch(&w.a.employee, &evidence)]))
        .await;
    assert_eq!(r.body["acks"][0]["status"], "accepted", "{}", r.body);
    let r = app
        .post(
            &format!("/api/v1/devices/{}/confirm", device.id),
            Some(&w.a.admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let events = app.get("/api/v1/device-events?limit=10", &w.a.admin).await;
    let stored = &events.body["items"][0];
    assert_eq!(stored["hold_state"], "released", "{stored}");
    assert!(
        stored["flagged"]
            .as_str()
            .is_some_and(|f| f.contains("liveness check failed")),
        "{stored}"
    );
}
