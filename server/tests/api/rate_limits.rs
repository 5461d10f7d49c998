use reqwest::StatusCode;

use crate::helpers::spawn_app_with;

#[tokio::test]
async fn a_client_over_its_limit_gets_429_then_a_cooldown_block() {
    let app = spawn_app_with(|s| {
        s.rate_limit.per_minute = 5;
        s.rate_limit.block_after_rejections = 3;
    })
    .await;
    let get = || {
        app.client
            .get(format!("{}/api/v1/organisations", app.base))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(
            get().await.expect("sent").status(),
            StatusCode::UNAUTHORIZED,
            "within the limit the request reaches auth"
        );
    }
    let r = get().await.expect("sent");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["error"]["code"], "rate_limited");
    get().await.expect("sent");
    get().await.expect("sent");
    let r = get().await.expect("sent");
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["error"]["code"], "blocked");
    assert!(
        retry > 60,
        "blocked for the cooldown, not just until the next token ({retry} s)"
    );
    // Health probes are never rate limited.
    assert_eq!(
        app.client
            .get(format!("{}/healthz", app.base))
            .send()
            .await
            .expect("sent")
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn heavy_endpoints_have_their_own_lower_limit() {
    let app = spawn_app_with(|s| {
        s.rate_limit.per_minute = 1_000;
        s.rate_limit.heavy_per_minute = 2;
    })
    .await;
    let root = app.super_admin().await;
    for _ in 0..2 {
        assert_eq!(app.get("/api/v1/audit", &root).await.status, StatusCode::OK);
    }
    let r = app.get("/api/v1/audit", &root).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.get("/api/v1/organisations", &root).await.status,
        StatusCode::OK,
        "the general tier still has room"
    );
}

#[tokio::test]
async fn devices_are_limited_by_device_id_not_by_address_on_their_own_sync_tier() {
    // The general tier would refuse the second request; the sync routes use the sync tier.
    let app = spawn_app_with(|s| {
        s.rate_limit.per_minute = 1;
        s.rate_limit.sync_per_minute = 3;
    })
    .await;
    let make = |id: &str| {
        app.client
            .get(format!("{}/api/v1/device/roster", app.base))
            .header("x-attend-device", id.to_owned())
            .send()
    };
    let (one, two) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    for _ in 0..3 {
        assert_eq!(
            make(&one).await.expect("sent").status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        make(&one).await.expect("sent").status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        make(&two).await.expect("sent").status(),
        StatusCode::UNAUTHORIZED,
        "another device has its own budget"
    );
}
