//! Health, readiness, metrics, OpenAPI, and the schema-version guard.

use attend_server::storage::StoreError;
use attend_server::{Application, Settings};
use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    let text = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert!(text.contains("attend_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/readyz\""), "{text}");
}

#[tokio::test]
async fn openapi_document_lists_the_api_and_the_docs_page_renders_it() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app
        .client
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/device/events",
        "/api/v1/device/roster",
        "/api/v1/employees/{id}",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
    assert!(doc["components"]["schemas"].get("SyncPush").is_some());
    let page = app
        .client
        .get(format!("{}/api/docs", app.base))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert!(page.contains("/api/openapi.json"));
}

#[tokio::test]
async fn serve_refuses_a_database_whose_schema_is_behind() {
    let dir = tempfile::tempdir().expect("dir");
    let mut settings = Settings::default();
    settings.listen = "127.0.0.1:0".parse().expect("addr");
    settings.database = dir.path().join("old.db");
    let err = Application::build(settings.clone(), false)
        .await
        .expect_err("must refuse");
    let behind = err.chain().any(|e| {
        matches!(
            e.downcast_ref::<StoreError>(),
            Some(StoreError::SchemaBehind { found: 0, .. })
        )
    });
    assert!(behind, "{err:#}");
    assert!(format!("{err:#}").contains("attend-server migrate"));
    assert!(
        Application::build(settings, true).await.is_ok(),
        "--migrate fixes it"
    );
}
