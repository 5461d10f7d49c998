use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{
    Device, PASSWORD, SignOpts, provisioned_device, punch, spawn_app_with, world,
};

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
async fn a_kiosks_budget_is_counted_by_device_only_once_its_signature_verifies() {
    // The general tier would refuse the second request; the sync routes use the sync tier.
    let app = spawn_app_with(|s| {
        s.rate_limit.sync_per_minute = 3;
    })
    .await;
    let w = world(&app).await;
    let one = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let two = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    // Unsigned requests that only name kiosk two spend nothing of its budget.
    for _ in 0..5 {
        let r = app
            .client
            .get(format!("{}/api/v1/device/roster", app.base))
            .header("x-attend-device", two.id.clone())
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let pull = |d: &Device| {
        let d = d.clone();
        let app = &app;
        async move {
            app.signed(
                &d,
                Method::GET,
                "/api/v1/device/roster",
                Vec::new(),
                SignOpts::default(),
            )
            .await
        }
    };
    for _ in 0..3 {
        assert_eq!(pull(&one).await.status, StatusCode::OK);
    }
    let r = pull(&one).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    assert_eq!(
        pull(&two).await.status,
        StatusCode::OK,
        "another kiosk has its own budget"
    );
}

/// Security review H1, scenario A: a fresh made-up `x-attend-device` header (or session cookie)
/// on each request gave each one a new bucket, so a login spray was never limited.
#[tokio::test]
async fn made_up_device_headers_and_cookies_do_not_give_a_login_spray_fresh_buckets() {
    let app = spawn_app_with(|s| {
        s.rate_limit.per_minute = 20;
        s.rate_limit.block_after_rejections = 10;
    })
    .await;
    let mut limited = 0;
    for i in 0..60 {
        let r = app
            .client
            .post(format!("{}/api/v1/auth/login", app.base))
            .header("x-attend-device", uuid::Uuid::new_v4().to_string())
            .header("cookie", format!("attend_session={}", uuid::Uuid::new_v4()))
            .json(&json!({"email": format!("victim{i}@a.example"), "password": "guess"}))
            .send()
            .await
            .expect("sent");
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
        }
    }
    assert_eq!(limited, 40, "all but the first 20 of 60 are limited");
}

/// Security review H1, scenario B: requests naming a kiosk's id got that id blocked, and with it
/// the kiosk's sync (so equipment lockouts stopped reaching it).
#[tokio::test]
async fn requests_that_only_name_a_kiosk_cannot_get_it_blocked() {
    let app = spawn_app_with(|s| {
        s.rate_limit.per_minute = 100;
        s.rate_limit.block_after_rejections = 20;
    })
    .await;
    let w = world(&app).await;
    let kiosk = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let other = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    // The insider, from the kiosk's own address (one NAT): the API with the kiosk's id…
    let mut blocked = false;
    for _ in 0..150 {
        let r = app
            .client
            .get(format!("{}/api/v1/me", app.base))
            .header("x-attend-device", kiosk.id.clone())
            .send()
            .await
            .expect("sent");
        blocked |= r.status() == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(blocked, "the insider's address is limited");
    // …and the sync routes with forged signatures, until that address is blocked there too.
    let forged = SignOpts {
        secret: Some(other.secret),
        ..SignOpts::default()
    };
    for _ in 0..20 {
        let r = app
            .signed(
                &kiosk,
                Method::GET,
                "/api/v1/device/roster",
                Vec::new(),
                forged.clone(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // The kiosk still pulls its roster and pushes a punch.
    let r = app
        .signed(
            &kiosk,
            Method::GET,
            "/api/v1/device/roster",
            Vec::new(),
            SignOpts::default(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.push(&kiosk, &json!([punch(&w.a.employee, 1)])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // From the blocked address only a large body waits for the block to end.
    let big = json!({"events": [], "padding": "x".repeat(100 * 1024)});
    let r = app
        .signed(
            &kiosk,
            Method::POST,
            "/api/v1/device/events",
            serde_json::to_vec(&big).expect("json"),
            SignOpts::default(),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::TOO_MANY_REQUESTS, "blocked")
    );
}

/// Security review M1: behind the recommended reverse proxy every client had the proxy's
/// address, so one client's failures locked everybody out and the audit log named the proxy.
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_budget_lockout_and_audit_address() {
    let app = spawn_app_with(|s| {
        s.http.trusted_proxies = vec!["127.0.0.1".into()];
        s.rate_limit.per_minute = 30;
        s.rate_limit.block_after_rejections = 100;
    })
    .await;
    let root = app.super_admin().await;
    let from = |ip: &str, path: &str| {
        app.client
            .post(format!("{}{path}", app.base))
            .header("x-forwarded-for", format!("6.6.6.6, {ip}"))
    };
    let bad_join = json!({"join_code": "NOPE-NOPE-NOPE", "email": "x@a.example",
        "password": PASSWORD, "display_name": "X", "employee_number": "78"});
    // Five bad join codes lock out the client that sent them…
    for _ in 0..5 {
        let r = from("203.0.113.1", "/api/v1/auth/register")
            .json(&bad_join)
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = from("203.0.113.1", "/api/v1/auth/register")
        .json(&bad_join)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // …not another client behind the same proxy.
    let r = from("203.0.113.2", "/api/v1/auth/register")
        .json(&bad_join)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The audit log records the client, not the proxy.
    let r = from("198.51.100.9", "/api/v1/organisations")
        .bearer_auth(&root)
        .json(&json!({"name": "Proxied"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::CREATED);
    let audit = app.get("/api/v1/audit?limit=100", &root).await;
    let ips: Vec<&str> = audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["entity"] == "organisation")
        .filter_map(|e| e["ip"].as_str())
        .collect();
    assert_eq!(ips, ["198.51.100.9"]);
}

#[tokio::test]
async fn without_trusted_proxies_a_clients_forwarding_headers_are_ignored() {
    let app = spawn_app_with(|s| {
        s.rate_limit.per_minute = 5;
        s.rate_limit.block_after_rejections = 100;
    })
    .await;
    let mut statuses = Vec::new();
    for i in 0..7 {
        let r = app
            .client
            .get(format!("{}/api/v1/organisations", app.base))
            .header("x-forwarded-for", format!("10.0.0.{i}"))
            .header("forwarded", format!("for=10.1.0.{i}"))
            .send()
            .await
            .expect("sent");
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);
}

#[tokio::test]
async fn a_block_survives_a_restart_and_a_super_admin_lists_and_lifts_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database, _kept) = crate::helpers::lasting_database(dir.path()).await;
    let tweak = |s: &mut attend_server::Settings| {
        s.database = database.clone();
        s.rate_limit.per_minute = 5;
        s.rate_limit.block_after_rejections = 3;
    };
    let first = spawn_app_with(tweak).await;
    let root = first.super_admin().await;
    let anonymous = |app: &crate::helpers::TestApp| {
        app.client
            .get(format!("{}/api/v1/organisations", app.base))
            .send()
    };
    for _ in 0..8 {
        anonymous(&first).await.expect("sent");
    }
    let listed = first.get("/api/v1/blocks", &root).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.body[0]["tier"], "general");
    assert_eq!(listed.body[0]["key"], "ip:127.0.0.1");
    assert_eq!(listed.body[0]["offences"], 1);
    drop(first);

    let second = spawn_app_with(tweak).await;
    let r = anonymous(&second).await.expect("sent");
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the block outlived the restart"
    );
    // The signed-in super admin is keyed by account, so the address block does not stop them.
    let lift = second
        .call(
            Method::DELETE,
            "/api/v1/blocks/general/ip:127.0.0.1",
            Some(&root),
            None,
        )
        .await;
    assert_eq!(lift.status, StatusCode::NO_CONTENT, "{}", lift.body);
    let r = anonymous(&second).await.expect("sent");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(second.get("/api/v1/blocks", &root).await.body, json!([]));
    let again = second
        .call(
            Method::DELETE,
            "/api/v1/blocks/general/ip:127.0.0.1",
            Some(&root),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

/// A signed request's timestamp at the ends of the i64 range is stale, not an overflow (the
/// pre-check before the body is read computed `now - timestamp`).
#[tokio::test]
async fn a_timestamp_at_the_ends_of_the_range_is_refused_as_stale() {
    let app = spawn_app_with(|_| {}).await;
    let w = world(&app).await;
    let kiosk = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    for timestamp in [i64::MIN, i64::MAX] {
        let opts = SignOpts {
            timestamp: Some(timestamp),
            ..SignOpts::default()
        };
        let r = app
            .signed(
                &kiosk,
                Method::GET,
                "/api/v1/device/roster",
                Vec::new(),
                opts,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{timestamp}: {}",
            r.body
        );
    }
}
