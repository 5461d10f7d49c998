//! The leave queue on the dashboard a page at a time (security review L7): 100 requests a
//! page, a link to the next page while there is one, and one back to the first.

use jiff::civil::{Date, Weekday};
use reqwest::StatusCode;
use serde_json::json;

use crate::dash_client::dash;
use crate::helpers::{spawn_app, world};

/// The `href` of the link whose text is `text`, unescaped as a browser reads it.
fn link(html: &str, text: &str) -> Option<String> {
    let end = html.find(&format!("\">{text}</a>"))?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    let href = html[start..end]
        .replace("&#x2f;", "/")
        .replace("&#x3d;", "=")
        .replace("&amp;", "&");
    Some(href)
}

#[tokio::test]
async fn the_leave_queue_shows_a_page_of_100_with_a_link_to_the_rest() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let kind = app
        .post(
            "/api/v1/leave-types",
            Some(&w.a.admin),
            json!({"name": "Training", "paid": true}),
        )
        .await
        .id();
    // 101 single working days of Ana's, each its own pending request.
    let mine = format!("/api/v1/employees/{}/leave", w.a.employee);
    let days = Date::constant(2026, 1, 1)
        .series(jiff::Span::new().days(1))
        .filter(|d| !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday))
        .take(101);
    for day in days {
        let body = json!({"leave_type_id": kind, "first_day": day, "last_day": day});
        let r = app.post(&mine, Some(&w.a.employee_token), body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let approve = "/approve\" class=\"inline\"";
    let manager = dash(&app, "manager@a.example").await;
    let (status, first) = manager.get("/dashboard/leave").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first.matches(approve).count(), 100);
    assert_eq!(link(&first, "First page of requests"), None);
    let next = link(&first, "Next page of requests").expect("a link to the next page");
    assert!(
        next.starts_with("/dashboard/leave?status=pending&after="),
        "{next}"
    );
    let (status, second) = manager.get(&next).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(second.matches(approve).count(), 1, "the 101st, oldest");
    assert!(second.contains("2026-01-01"), "the oldest day is last");
    assert_eq!(link(&second, "Next page of requests"), None);
    assert_eq!(
        link(&second, "First page of requests").as_deref(),
        Some("/dashboard/leave?status=pending")
    );
}
