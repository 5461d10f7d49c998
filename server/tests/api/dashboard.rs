//! The dashboard in a real headless Chromium: the live board updating from a signed device
//! push without a reload, and a manager approving a submitted timesheet.

use std::time::Duration;

use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use serde_json::json;

use crate::browser::{at, browser, browser_with, click_to_next_page, shown, sign_in};
use crate::helpers::{provisioned_device, punch, spawn_app, world};

/// The text of every row of a table body, waiting (bounded) until `until` holds.
async fn rows_until(c: &Client, table: &str, until: impl Fn(&[String]) -> bool) -> Vec<String> {
    let mut rows = Vec::new();
    for _ in 0..300 {
        rows = Vec::new();
        for row in c
            .find_all(Locator::Css(&format!("#{table} tbody tr")))
            .await
            .expect("query")
        {
            // A row may be replaced while it is read; read again next round.
            if let Ok(text) = row.text().await {
                rows.push(text);
            }
        }
        if until(&rows) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    rows
}

#[tokio::test]
async fn a_punch_synced_by_a_kiosk_appears_on_the_live_board_without_a_reload() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let (_driver, c) = browser().await;
    sign_in(&c, &app.base, "manager@a.example").await;
    c.goto(&format!("{}/dashboard/live", app.base))
        .await
        .expect("loads");
    let before = rows_until(&c, "presence", |r| !r.is_empty()).await;
    assert_eq!(before, ["No punches in the last 24 hours."]);
    // Wait until the page's event stream is open, so the push below is the thing it shows.
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::XPath(
            "//span[@id='live-status' and starts-with(text(), 'live')]",
        ))
        .await
        .expect("the event stream connects");
    // A reload would lose this mark.
    c.execute("window.attendMark = 'still here';", vec![])
        .await
        .expect("marked");

    // Ana is in the manager's department; Bruno is not, so he never shows.
    let events = json!([punch(&w.a.employee, 1), punch(&w.a.other_employee, 2)]);
    let r = app.push(&device, &events).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let after = rows_until(&c, "presence", |r| r.iter().any(|t| t.contains("Ana"))).await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert!(
        after[0].starts_with("Ana Assembly In") && after[0].contains("pin Kiosk"),
        "{after:?}"
    );
    let summary = c
        .find(Locator::Id("board-summary"))
        .await
        .expect("summary")
        .text()
        .await
        .expect("text");
    assert_eq!(summary, "1 in, 0 on a break, 0 left.");
    let mark = c
        .execute("return window.attendMark;", vec![])
        .await
        .expect("read");
    assert_eq!(mark, json!("still here"), "the page was not reloaded");
    assert_eq!(at(&c).await, "/dashboard/live");
    c.close().await.expect("closed");
}

#[tokio::test]
async fn a_manager_approves_a_submitted_timesheet_in_the_browser() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/organisations/{}/pay-calendar", w.a.id),
            Some(&w.a.admin),
            Some(json!({"kind": "weekly", "anchor": "2026-03-23"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let at_time = |seq: u64, ts: &str, kind: &str| {
        json!({"event_id": uuid::Uuid::now_v7(), "seq": seq, "captured_at": ts,
               "body": {"kind": "punch", "employee_id": w.a.employee, "punch_type": kind, "method": "pin"}})
    };
    let events = json!([
        at_time(1, "2026-03-24T08:00:00Z", "in"),
        at_time(2, "2026-03-24T16:30:00Z", "out"),
    ]);
    assert_eq!(app.push(&device, &events).await.status, StatusCode::OK);
    let sheet = format!("/api/v1/employees/{}/timesheets/2026-03-23", w.a.employee);
    let r = app
        .post(
            &format!("{sheet}/submit"),
            Some(&w.a.employee_token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let (_driver, c) = browser().await;
    sign_in(&c, &app.base, "manager@a.example").await;
    c.find(Locator::LinkText("Timesheets"))
        .await
        .expect("nav link")
        .click()
        .await
        .expect("clicked");
    let queue = rows_until(&c, "timesheets", |r| !r.is_empty()).await;
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert!(
        queue[0].starts_with("Ana 2026-03-23 to 2026-03-29 submitted"),
        "{queue:?}"
    );
    c.find(Locator::LinkText("Open Ana's timesheet"))
        .await
        .expect("link")
        .click()
        .await
        .expect("clicked");
    let total = shown(&c, Locator::Id("total-worked"))
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(total, "8.50");
    click_to_next_page(&c, Locator::Id("approve")).await;
    let flash = shown(&c, Locator::Id("flash")).await;
    assert_eq!(
        flash.text().await.expect("text"),
        "Timesheet approved; its hours are now locked."
    );
    assert_eq!(
        flash.attr("class").await.expect("class").as_deref(),
        Some("success")
    );
    assert_eq!(
        c.find(Locator::Id("sheet-status"))
            .await
            .expect("status")
            .text()
            .await
            .expect("text"),
        "approved"
    );
    assert!(
        c.find(Locator::Id("approve")).await.is_err(),
        "no second approval offered"
    );
    // The API agrees, and the approval was audited as the manager's.
    let r = app.get(&sheet, &w.a.admin).await;
    assert_eq!(
        (r.body["status"].as_str(), r.body["locked"].as_bool()),
        (Some("approved"), Some(true))
    );
    let actions = crate::helpers::audit_actions(&app, &w.a.admin, "timesheet").await;
    assert_eq!(
        actions.last().map(String::as_str),
        Some("approve"),
        "{actions:?}"
    );
    c.close().await.expect("closed");
}

#[tokio::test]
async fn an_admin_downloads_the_payroll_csv_and_sees_hours_per_day_charted() {
    let app = spawn_app().await;
    let w = world(&app).await;
    crate::reports::seed_february(&app, &w).await;
    let downloads = tempfile::tempdir().expect("download dir");
    let (_driver, c) = browser_with(Some(downloads.path())).await;
    sign_in(&c, &app.base, "admin@a.example").await;
    c.goto(&format!("{}/dashboard/reports?date=2026-02-14", app.base))
        .await
        .expect("loads");
    let payroll = rows_until(&c, "payroll", |r| r.len() == 2).await;
    assert_eq!(
        payroll,
        [
            "1 Ana Assembly approved 44.00 5.00 0.00 1.50 49.00",
            "2 Bruno Warehouse draft 24.00 0.00 0.00 0.00 24.00"
        ]
    );
    // One bar part per day and department with hours: Ana's 6 days and Bruno's 3.
    let bars = c
        .find_all(Locator::Css("#hours-chart svg rect.bar"))
        .await
        .expect("bars");
    assert_eq!(bars.len(), 9);
    let mut titles = Vec::new();
    for bar in &bars {
        titles.push(
            bar.find(Locator::Css("title"))
                .await
                .expect("title")
                .html(true)
                .await
                .expect("text"),
        );
    }
    assert!(
        titles.contains(&"Mon 2: Assembly 9.00 h".to_owned()),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"Tue 10: Warehouse 8.00 h".to_owned()),
        "{titles:?}"
    );

    c.find(Locator::Id("payroll-csv"))
        .await
        .expect("download link")
        .click()
        .await
        .expect("clicked");
    let file = downloads.path().join("payroll-2026-02-01-2026-02-28.csv");
    let mut csv = String::new();
    for _ in 0..300 {
        if let Ok(text) = std::fs::read_to_string(&file) {
            csv = text;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        csv,
        crate::reports::FEBRUARY_CSV,
        "downloaded {}",
        file.display()
    );
    c.close().await.expect("closed");
}
