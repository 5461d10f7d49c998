//! A site's face-match rules (threshold and margin per face model): what a new site starts
//! with, who may read and set them, refusals that name the field and write nothing, the audit
//! row, and that the site's kiosks get them with the roster.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, audit_actions, provisioned_device, spawn_app, world};

fn rules(model: &str, threshold: f64, margin: f64) -> Value {
    json!({"models": [{"model": model, "threshold": threshold, "margin": margin}]})
}

/// A new site's: dlib at the derived 1:N defaults (models/reports/face-match-thresholds.md).
fn defaults() -> Value {
    json!({"models": [{"model": "dlib-resnet-v1", "threshold": 0.45, "margin": 0.11}]})
}

async fn put(app: &TestApp, token: &str, site: &str, body: Value) -> crate::helpers::Reply {
    app.call(
        Method::PUT,
        &format!("/api/v1/sites/{site}/face-match"),
        Some(token),
        Some(body),
    )
    .await
}

/// JSON numbers read back as f32: compare within rounding.
fn same_rules(a: &Value, b: &Value) -> bool {
    let list = |v: &Value| -> Vec<(String, f64, f64)> {
        v["models"]
            .as_array()
            .expect("models")
            .iter()
            .map(|m| {
                (
                    m["model"].as_str().expect("model").to_owned(),
                    m["threshold"].as_f64().expect("threshold"),
                    m["margin"].as_f64().expect("margin"),
                )
            })
            .collect()
    };
    let (a, b) = (list(a), list(b));
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(x, y)| x.0 == y.0 && (x.1 - y.1).abs() < 1e-6 && (x.2 - y.2).abs() < 1e-6)
}

#[tokio::test]
async fn a_new_site_identifies_with_the_derived_defaults_until_an_admin_says_otherwise() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let path = format!("/api/v1/sites/{}/face-match", w.a.site);
    let r = app.get(&path, &w.a.manager).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(same_rules(&r.body, &defaults()), "{}", r.body);

    let wanted = json!({"models": [
        {"model": "dlib-resnet-v1", "threshold": 0.5, "margin": 0.05},
        {"model": "sface-2021dec", "threshold": 0.4, "margin": 0.02},
    ]});
    let r = put(&app, &w.a.admin, &w.a.site, wanted.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.get(&path, &w.a.manager).await;
    assert!(same_rules(&r.body, &wanted), "{}", r.body);
    assert!(
        audit_actions(&app, &w.a.admin, "site_face_match")
            .await
            .contains(&"update".to_owned())
    );

    // A manager reads but does not set; another organisation's site is not found.
    let r = put(
        &app,
        &w.a.manager,
        &w.a.site,
        rules("dlib-resnet-v1", 0.6, 0.0),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = put(
        &app,
        &w.b.admin,
        &w.a.site,
        rules("dlib-resnet-v1", 0.6, 0.0),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = app.get(&path, &w.b.admin).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert!(same_rules(&app.get(&path, &w.a.admin).await.body, &wanted));
}

#[tokio::test]
async fn unusable_rules_are_refused_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let path = format!("/api/v1/sites/{}/face-match", w.a.site);
    let before = app.get(&path, &w.a.admin).await.body;
    let mut unknown = rules("dlib-resnet-v1", 0.45, 0.1);
    unknown["models"][0]["metric"] = json!("euclidean");
    let twice = json!({"models": [
        {"model": "dlib-resnet-v1", "threshold": 0.45, "margin": 0.1},
        {"model": "dlib-resnet-v1", "threshold": 0.5, "margin": 0.1},
    ]});
    let not_a_number =
        json!({"models": [{"model": "dlib-resnet-v1", "threshold": "0.45", "margin": 0.1}]});
    for (body, field) in [
        (rules("dlib-resnet-v1", 0.0, 0.1), "models[0].threshold"),
        (rules("dlib-resnet-v1", 1.2, 0.1), "models[0].threshold"),
        (rules("dlib-resnet-v1", 0.45, -0.01), "models[0].margin"),
        (rules("dlib-resnet-v1", 0.45, 0.6), "models[0].margin"),
        (rules("sface-2021dec", -0.2, 0.0), "models[0].threshold"),
        (rules("yunet-2023mar", 0.45, 0.1), "models[0].model"),
        (rules("no-such-model", 0.45, 0.1), "models[0].model"),
        (twice, "models[1].model"),
        (not_a_number, "threshold"),
        (unknown, "metric"),
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
async fn the_site_s_kiosks_get_its_face_match_rules_with_the_roster() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let roster = app.roster(&device, 0).await;
    assert!(
        same_rules(&roster["config"]["face_match"], &defaults()),
        "{}",
        roster["config"]
    );
    let cursor = roster["cursor"].as_u64().expect("cursor");

    // A change of the rules alone reaches the kiosk on its next pull.
    let wanted = rules("dlib-resnet-v1", 0.5, 0.08);
    let r = put(&app, &w.a.admin, &w.a.site, wanted.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let roster = app.roster(&device, cursor).await;
    assert!(same_rules(&roster["config"]["face_match"], &wanted));

    // Another site's rules are not this kiosk's.
    let other = app.new_site(&w.a.admin, &w.a.id, "Annex").await;
    let r = put(&app, &w.a.admin, &other, rules("dlib-resnet-v1", 0.3, 0.2)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(same_rules(
        &app.roster(&device, 0).await["config"]["face_match"],
        &wanted
    ));
}
