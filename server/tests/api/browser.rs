//! A real headless Chromium (Debian's `chromium` and `chromium-driver`, installed by
//! `scripts/setup.sh`) driven over WebDriver: the base the dashboard's browser tests stand on.
//! Here it checks that the self-contained API docs page renders every area from the OpenAPI
//! document, with no CDN.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::helpers::spawn_app;

pub use attend_testkit::browser::{browser, browser_with};

#[tokio::test]
async fn the_api_docs_page_renders_every_area_in_a_real_browser() {
    let app = spawn_app().await;
    let (_driver, c) = browser().await;
    c.goto(&format!("{}/api/docs", app.base))
        .await
        .expect("page loads");
    assert_eq!(c.title().await.expect("title"), "Attend API");
    let mut areas = Vec::new();
    for _ in 0..100 {
        areas = Vec::new();
        for h in c.find_all(Locator::Css("#out h2")).await.expect("query") {
            areas.push(h.text().await.expect("text"));
        }
        if !areas.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for area in ["people", "timesheets", "leave", "equipment", "reports"] {
        assert!(
            areas.iter().any(|a| a.eq_ignore_ascii_case(area)),
            "{area} missing from {areas:?}"
        );
    }
    let operations = c
        .find_all(Locator::Css("#out details summary"))
        .await
        .expect("query")
        .len();
    assert!(operations > 80, "{operations} operations rendered");
    c.close().await.expect("closed");
}

#[tokio::test]
async fn a_manager_signs_in_and_a_form_posted_without_its_csrf_token_is_refused() {
    let app = spawn_app().await;
    let _w = crate::helpers::world(&app).await;
    let (_driver, c) = browser().await;

    c.goto(&format!("{}/dashboard", app.base))
        .await
        .expect("loads");
    assert_eq!(
        at(&c).await,
        "/dashboard/login",
        "signed out: sent to sign-in"
    );
    let sign_in = |password: &'static str| {
        let c = c.clone();
        async move {
            let email = c.find(Locator::Id("email")).await.expect("email field");
            email.clear().await.expect("clear");
            email.send_keys("manager@a.example").await.expect("typed");
            c.find(Locator::Id("password"))
                .await
                .expect("password field")
                .send_keys(password)
                .await
                .expect("typed");
            c.find(Locator::Css("main button[type=submit]"))
                .await
                .expect("button")
                .click()
                .await
                .expect("clicked");
        }
    };
    sign_in("not the password").await;
    let alert = shown(&c, Locator::Css("[role=alert]")).await;
    assert_eq!(
        alert.text().await.expect("text"),
        "Wrong e-mail or password, or the account is not active."
    );
    assert_eq!(
        alert.attr("class").await.expect("class").as_deref(),
        Some("error")
    );

    sign_in(crate::helpers::PASSWORD).await;
    let welcome = shown(&c, Locator::Id("welcome"))
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(at(&c).await, "/dashboard");
    assert_eq!(welcome, "Welcome, manager");
    let session = c
        .get_named_cookie("attend_session")
        .await
        .expect("session cookie");
    assert_eq!(
        (session.http_only(), session.secure()),
        (Some(true), Some(true))
    );
    assert_eq!(format!("{:?}", session.same_site()), "Some(Strict)");

    // A form without the session's CSRF token (as another site would post) is refused.
    c.execute(
        "const f = document.createElement('form'); f.method = 'post'; f.action = '/dashboard/logout';
         document.body.appendChild(f); f.submit();",
        vec![],
    )
    .await
    .expect("posted");
    let refused = shown(&c, Locator::Css("[role=alert]"))
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(
        refused,
        "This form was not sent from this site (missing or wrong CSRF token)."
    );
    // The session survived; the real sign-out button works.
    c.goto(&format!("{}/dashboard", app.base))
        .await
        .expect("loads");
    c.find(Locator::Css("header button[type=submit]"))
        .await
        .expect("sign out")
        .click()
        .await
        .expect("clicked");
    shown(&c, Locator::Id("email")).await;
    assert_eq!(at(&c).await, "/dashboard/login");
    c.goto(&format!("{}/dashboard", app.base))
        .await
        .expect("loads");
    assert_eq!(at(&c).await, "/dashboard/login", "signed out for good");
    c.close().await.expect("closed");
}

#[tokio::test]
async fn the_sign_in_form_needs_its_own_csrf_token() {
    let app = spawn_app().await;
    let _w = crate::helpers::world(&app).await;
    let r = app
        .client
        .post(format!("{}/dashboard/login", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "email=manager%40a.example&password={}&_csrf=guess",
            crate::helpers::PASSWORD.replace(' ', "+")
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
    assert!(
        r.headers()
            .get("set-cookie")
            .is_none_or(|c| !c.to_str().unwrap_or("").starts_with("attend_session"))
    );
}

/// The path the browser is on.
pub async fn at(c: &Client) -> String {
    c.current_url().await.expect("url").path().to_owned()
}

/// Waits (bounded) for an element of the page the browser is navigating to.
pub async fn shown(c: &Client, what: Locator<'_>) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(what)
        .await
        .expect("the element appears")
}

/// Signs `email` in through the dashboard's form and waits for the overview.
pub async fn sign_in(c: &Client, base: &str, email: &str) {
    c.goto(&format!("{base}/dashboard/login"))
        .await
        .expect("sign-in page loads");
    shown(c, Locator::Id("email"))
        .await
        .send_keys(email)
        .await
        .expect("typed");
    c.find(Locator::Id("password"))
        .await
        .expect("password field")
        .send_keys(crate::helpers::PASSWORD)
        .await
        .expect("typed");
    c.find(Locator::Css("main button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("clicked");
    shown(c, Locator::Id("welcome")).await;
}

/// Clicks `what` and waits (bounded) until the browser has left the current page, so what is
/// read next belongs to the page the click led to.
pub async fn click_to_next_page(c: &Client, what: Locator<'_>) {
    let old = c.find(Locator::Css("html")).await.expect("page");
    c.find(what)
        .await
        .expect("element to click")
        .click()
        .await
        .expect("clicked");
    for _ in 0..600 {
        // A reference into the old document goes stale once the next one loads.
        if old.tag_name().await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the click did not lead to another page");
}
