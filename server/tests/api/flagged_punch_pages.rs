//! Issue 13 item 6 on the dashboard: the review page shows a flagged punch with its evidence and
//! the flag rates to a manager, decides it through the same service (CSRF required), and is
//! neither linked nor open to an employee; a rejected clock-in leaves the who-is-in board.

use jiff::Timestamp;
use reqwest::StatusCode;
use serde_json::json;

use crate::dash_client::dash;
use crate::flagged_punches::{decide, flagged_shift, paid_minutes, punch, push};
use crate::helpers::{provisioned_device, spawn_app, world};

#[tokio::test]
async fn the_review_page_shows_a_flagged_punch_with_its_evidence_to_a_manager_and_not_to_an_employee()
 {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let id = flagged_shift(&app, &w, &device).await;
    let manager = dash(&app, "manager@a.example").await;
    let (status, html) = manager.get("/dashboard/flagged").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for shown in [
        "Ana",
        "minifasnet-v2",
        "0.28",
        "no parallax",
        "0.35 against 0.60 (dlib-resnet-v1)",
        "Flag rates",
    ] {
        assert!(html.contains(shown), "{shown} missing from the page");
    }
    assert!(html.contains(&format!("/dashboard/flagged/{id}/reject")));
    assert!(html.contains(">Flagged punches</a>"), "in the navigation");
    let (_, kind, text) = manager
        .post(
            &format!("/dashboard/flagged/{id}/reject"),
            &[("reason", "")],
            true,
        )
        .await;
    assert_eq!(kind, "error", "{text}");
    assert!(text.contains("reason"), "{text}");
    let (_, kind, text) = manager
        .post(
            &format!("/dashboard/flagged/{id}/reject"),
            &[("reason", "a photo")],
            true,
        )
        .await;
    assert_eq!(kind, "success", "{text}");
    assert_eq!(paid_minutes(&app, &w).await, 0);
    let (_, html) = manager.get("/dashboard/flagged").await;
    assert!(
        !html.contains(&format!("/dashboard/flagged/{id}/")),
        "decided: gone from the queue"
    );
    // Without the CSRF token nothing is decided.
    let (status, ..) = manager
        .post(&format!("/dashboard/flagged/{id}/confirm"), &[], false)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let employee = dash(&app, "worker@a.example").await;
    let (status, _) = employee.get("/dashboard/flagged").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, home) = employee.get("/dashboard").await;
    assert!(!home.contains("Flagged punches"), "no link for an employee");
}

#[tokio::test]
async fn a_rejected_clock_in_leaves_the_who_is_in_board() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let clock_in = punch(&w.a.employee, 1, Timestamp::now(), "in", Some(false));
    push(&app, &device, json!([clock_in])).await;
    let id = clock_in["event_id"].as_str().expect("id");
    let admin = dash(&app, "admin@a.example").await;
    let (status, board) = admin.get("/dashboard/live").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        board.contains("<strong>1</strong> in,"),
        "Ana is in: {board}"
    );
    let r = decide(
        &app,
        &w.a.manager,
        id,
        "reject",
        json!({"reason": "a photo"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (_, board) = admin.get("/dashboard/live").await;
    assert!(
        board.contains("<strong>0</strong> in,"),
        "nobody is in: {board}"
    );
    assert!(
        board.contains("No punches in the last 24 hours."),
        "{board}"
    );
}
