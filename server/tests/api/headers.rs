//! Security review L13 and issue 12's headers: CSP with no inline code and no framing, nosniff,
//! no referrer, HSTS only behind https, CORS off unless origins are configured.

use reqwest::{Method, StatusCode};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

async fn headers_of(app: &TestApp, path: &str) -> reqwest::header::HeaderMap {
    app.client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .expect("sent")
        .headers()
        .clone()
}

#[tokio::test]
async fn pages_and_the_api_forbid_framing_inline_code_and_sniffing() {
    let app = spawn_app().await;
    for path in ["/dashboard/login", "/api/docs", "/api/v1/me", "/healthz"] {
        let h = headers_of(&app, path).await;
        let csp = h["content-security-policy"].to_str().expect("ascii");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(
            !h.contains_key("strict-transport-security"),
            "{path}: plain http"
        );
    }
    // The pages' own scripts and styles are served as files, since inline ones are forbidden.
    for (path, kind) in [
        ("/dashboard/assets/dashboard.css", "text/css"),
        ("/dashboard/live/board.js", "text/javascript"),
        ("/api/docs.js", "text/javascript"),
        ("/api/docs.css", "text/css"),
    ] {
        let r = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with(kind),
            "{path}"
        );
    }
    let login = app
        .client
        .get(format!("{}/dashboard/login", app.base))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("html");
    assert!(
        !login.contains("<style>") && !login.contains("<script>"),
        "{login}"
    );
}

#[tokio::test]
async fn hsts_is_sent_when_the_public_url_is_https() {
    let app = spawn_app_with(|s| s.public_url = "https://attend.example.com".into()).await;
    let h = headers_of(&app, "/healthz").await;
    assert!(
        h["strict-transport-security"]
            .to_str()
            .expect("ascii")
            .contains("max-age=")
    );
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::header::HeaderMap {
    app.client
        .request(Method::OPTIONS, format!("{}/api/v1/me", app.base))
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .expect("sent")
        .headers()
        .clone()
}

#[tokio::test]
async fn cors_is_off_unless_an_origin_is_configured_and_then_only_for_it() {
    let off = spawn_app().await;
    let h = preflight(&off, "https://evil.example").await;
    assert!(!h.contains_key("access-control-allow-origin"));
    let on = spawn_app_with(|s| s.http.cors_origins = vec!["https://hr.example.com".into()]).await;
    let h = preflight(&on, "https://hr.example.com").await;
    assert_eq!(h["access-control-allow-origin"], "https://hr.example.com");
    let h = preflight(&on, "https://evil.example").await;
    assert!(!h.contains_key("access-control-allow-origin"));
}
