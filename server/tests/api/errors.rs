//! Bad input gets the uniform error naming the field, and writes nothing.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

async fn org_count(app: &crate::helpers::TestApp, token: &str) -> usize {
    app.get("/api/v1/organisations?limit=100", token).await.body["items"]
        .as_array()
        .expect("items")
        .len()
}

#[tokio::test]
async fn malformed_json_is_a_400_with_the_uniform_shape() {
    let app = spawn_app().await;
    let root = app.super_admin().await;
    let r = app
        .post_raw(
            "/api/v1/organisations",
            Some(&root),
            "application/json",
            b"{\"name\": ".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let error = r.body["error"].as_object().expect("error object");
    let mut keys: Vec<&str> = error.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "details", "message", "request_id"]);
    assert_eq!(r.code(), "malformed_json");
    assert_eq!(org_count(&app, &root).await, 0);
}

#[tokio::test]
async fn wrong_types_and_unknown_fields_name_the_field() {
    let app = spawn_app().await;
    let root = app.super_admin().await;
    let r = app
        .post("/api/v1/organisations", Some(&root), json!({"name": 42}))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
    );
    assert_eq!(r.body["error"]["details"][0]["field"], "name");

    let r = app
        .post(
            "/api/v1/organisations",
            Some(&root),
            json!({"name": "Acme", "colour": "red"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"]["details"][0]["field"], "colour");
    assert_eq!(r.body["error"]["details"][0]["message"], "unknown field");
    assert_eq!(org_count(&app, &root).await, 0, "nothing was written");
}

#[tokio::test]
async fn every_invalid_field_is_listed_at_once() {
    let app = spawn_app().await;
    let root = app.super_admin().await;
    let org = app
        .post(
            "/api/v1/organisations",
            Some(&root),
            json!({"name": "Acme"}),
        )
        .await
        .id();
    let r = app
        .post(
            "/api/v1/sites",
            Some(&root),
            json!({"org_id": org, "name": "", "timezone": "Mars/Olympus"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = r.body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(|d| d["field"].as_str())
        .collect();
    assert_eq!(fields, ["name", "timezone"]);
    assert!(
        r.body["error"]["details"][1]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Mars/Olympus"))
    );
}

#[tokio::test]
async fn oversize_bodies_get_413_and_missing_content_type_415() {
    let app = spawn_app().await;
    let root = app.super_admin().await;
    let huge = json!({"name": "x".repeat(300 * 1024)});
    let r = app.post("/api/v1/organisations", Some(&root), huge).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        "{}",
        r.body
    );
    let r = app
        .post_raw(
            "/api/v1/organisations",
            Some(&root),
            "text/plain",
            b"{\"name\":\"x\"}".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(org_count(&app, &root).await, 0);
}

#[tokio::test]
async fn duplicates_are_409_naming_the_field() {
    let app = spawn_app().await;
    let root = app.super_admin().await;
    let org = app
        .post(
            "/api/v1/organisations",
            Some(&root),
            json!({"name": "Acme"}),
        )
        .await
        .id();
    let body = json!({"org_id": org, "employee_number": "7", "display_name": "Ana"});
    assert_eq!(
        app.post("/api/v1/employees", Some(&root), body.clone())
            .await
            .status,
        StatusCode::CREATED
    );
    let r = app.post("/api/v1/employees", Some(&root), body).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.body["error"]["details"][0]["field"], "employee_number");
}

#[tokio::test]
async fn pagination_limit_is_capped_at_100_and_pages_chain() {
    let app = spawn_app().await;
    let root = app.super_admin().await;
    let r = app.get("/api/v1/organisations?limit=101", &root).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"]["details"][0]["field"], "limit");
    let r = app.get("/api/v1/organisations?limit=abc", &root).await;
    assert_eq!(r.body["error"]["details"][0]["field"], "limit");
    for i in 0..3 {
        app.post(
            "/api/v1/organisations",
            Some(&root),
            json!({"name": format!("Org {i}")}),
        )
        .await;
    }
    let first = app.get("/api/v1/organisations?limit=2", &root).await;
    assert_eq!(first.body["items"].as_array().map(Vec::len), Some(2));
    let next = first.body["next"].as_str().expect("next page").to_owned();
    let second = app
        .get(
            &format!("/api/v1/organisations?limit=2&after={next}"),
            &root,
        )
        .await;
    assert_eq!(second.body["items"].as_array().map(Vec::len), Some(1));
    assert!(second.body["next"].is_null());
}

#[tokio::test]
async fn request_ids_are_propagated_into_headers_and_errors() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/api/v1/me", app.base))
        .header("x-request-id", "support-ticket-42")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.headers()["x-request-id"], "support-ticket-42");
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["error"]["request_id"], "support-ticket-42");
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("sent");
    assert!(
        r.headers()
            .get("x-request-id")
            .is_some_and(|v| v.len() >= 32),
        "one is minted when absent"
    );
}

#[tokio::test]
async fn unknown_routes_and_ids_are_uniform_404s() {
    let app = spawn_app().await;
    let root = app.super_admin().await;
    for path in [
        "/api/v1/nothing-here",
        "/api/v1/employees/not-a-uuid",
        &format!("/api/v1/sites/{}", uuid::Uuid::now_v7()),
    ] {
        let r = app.get(path, &root).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::NOT_FOUND, "not_found"),
            "{path}"
        );
    }
}

/// PostgreSQL cannot store the NUL character in text or JSON; SQLite can. Both backends refuse
/// it alike, naming where it was: in a body, a query string, or an event a kiosk pushes (which
/// the kiosk then sets aside, instead of retrying a batch that can never be stored).
#[tokio::test]
async fn the_nul_character_is_refused_naming_the_field_on_both_backends() {
    let app = spawn_app().await;
    let world = crate::helpers::world(&app).await;
    let before = org_count(&app, &world.root).await;
    let r = app
        .post(
            "/api/v1/organisations",
            Some(&world.root),
            json!({"name": "Ac\u{0}me"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["error"]["details"][0]["field"], "name");
    assert_eq!(
        r.body["error"]["details"][0]["message"],
        "must not contain the NUL character"
    );
    assert_eq!(
        org_count(&app, &world.root).await,
        before,
        "nothing was written"
    );

    let r = app
        .get("/api/v1/organisations?after=x%00y", &world.root)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.body["error"]["details"][0]["field"], "after");
    assert_eq!(
        r.body["error"]["details"][0]["message"],
        "must not contain the NUL character"
    );

    let device = crate::helpers::provisioned_device(&app, &world.a.admin, &world.a.site).await;
    let mut event = crate::helpers::punch(&world.a.employee, 1);
    event["body"]["note_from_a_newer_kiosk"] = json!("x\u{0}y");
    let stored = app.stored_events(&world.a.admin).await;
    let r = app
        .push(
            &device,
            &json!([crate::helpers::punch(&world.a.employee, 2), event]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        r.body["error"]["details"][0]["field"],
        "events[1].body.note_from_a_newer_kiosk"
    );
    assert_eq!(
        app.stored_events(&world.a.admin).await,
        stored,
        "nothing was stored"
    );
}
