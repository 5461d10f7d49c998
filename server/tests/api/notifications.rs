//! Notifications as background jobs: queued with their cause, delivered as mail once, retried
//! with backoff when they cannot be, and every outcome recorded.

use attend_server::features::notifications::Notice;
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, provisioned_device, spawn_app, world};

async fn jobs(app: &TestApp, token: &str) -> Vec<serde_json::Value> {
    let r = app.get("/api/v1/notification-jobs", token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body.as_array().expect("jobs").clone()
}

async fn mails_to(app: &TestApp, who: &str) -> Vec<String> {
    // The mail worker delivers in the background; give it a bounded moment.
    for _ in 0..100 {
        let subjects: Vec<String> = app
            .mail
            .0
            .lock()
            .expect("lock")
            .iter()
            .filter(|m| m.recipient == who)
            .map(|m| m.subject.clone())
            .collect();
        if !subjects.is_empty() {
            return subjects;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Vec::new()
}

#[tokio::test]
async fn a_submitted_timesheet_notifies_its_reviewers_once() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let sheet = format!(
        "/api/v1/employees/{}/timesheets/2026-02-01/submit",
        w.a.employee
    );
    assert_eq!(
        app.post(&sheet, Some(&w.a.employee_token), json!({}))
            .await
            .status,
        StatusCode::OK
    );
    app.state
        .notifications
        .run_due(Timestamp::now())
        .await
        .expect("run");
    app.state
        .notifications
        .run_due(Timestamp::now())
        .await
        .expect("run again: nothing left");
    let all = jobs(&app, &w.a.admin).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(
        (all[0]["status"].as_str(), all[0]["notice"]["kind"].as_str()),
        (Some("done"), Some("timesheet_submitted"))
    );
    assert_eq!(
        all[0]["outcome"],
        "notified admin@a.example, manager@a.example"
    );
    assert_eq!(
        mails_to(&app, "manager@a.example").await,
        vec!["Timesheet waiting for approval: Ana"]
    );
    assert_eq!(mails_to(&app, "admin@a.example").await.len(), 1);
    assert!(
        jobs(&app, &w.b.admin).await.is_empty(),
        "another organisation sees none"
    );
    assert_eq!(
        app.get("/api/v1/notification-jobs", &w.a.manager)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_forgotten_clock_out_is_found_once_and_mailed_to_the_employee_and_managers() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/sites/{}/policy", w.a.site),
            Some(&w.a.admin),
            Some(json!({"max_open_hours": 10})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let now = Timestamp::now();
    // The scan looks at the day before the moment it runs (`later`): take "yesterday" from
    // that moment, so the test does not depend on the hour it runs at.
    let later = now + SignedDuration::from_hours(1);
    let yesterday = later
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .yesterday()
        .expect("date");
    let punch = json!({"event_id": uuid::Uuid::now_v7(), "seq": 1, "captured_at": format!("{yesterday}T08:00:00Z"),
        "body": {"kind": "punch", "employee_id": w.a.employee, "punch_type": "in", "method": "pin"}});
    assert_eq!(
        app.push(&device, &json!([punch])).await.status,
        StatusCode::OK
    );

    assert_eq!(
        app.state
            .notifications
            .scan_missed_clock_outs(later)
            .await
            .expect("scan"),
        1
    );
    assert_eq!(
        app.state
            .notifications
            .scan_missed_clock_outs(later)
            .await
            .expect("scan"),
        0,
        "found once"
    );
    app.state.notifications.run_due(later).await.expect("run");
    let job = jobs(&app, &w.a.admin)
        .await
        .into_iter()
        .find(|j| j["notice"]["kind"] == "missed_clock_out")
        .expect("job");
    assert_eq!(
        (job["status"].as_str(), job["notice"]["date"].as_str()),
        (Some("done"), Some(yesterday.to_string().as_str()))
    );
    let subject = format!("Missed clock-out on {yesterday}: Ana");
    assert_eq!(
        mails_to(&app, "worker@a.example").await,
        vec![subject.clone()],
        "the employee's own account"
    );
    assert_eq!(mails_to(&app, "manager@a.example").await, vec![subject]);
}

#[tokio::test]
async fn an_undeliverable_notice_is_retried_with_backoff_then_failed_and_recorded() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let ghost = attend_protocol::ids::EmployeeId(uuid::Uuid::now_v7());
    let org = w.a.id.parse().expect("org");
    let start = Timestamp::now();
    let notice = Notice::MissedClockOut {
        employee_id: ghost,
        date: jiff::civil::date(2026, 3, 2),
    };
    assert!(
        app.stores
            .notifications
            .queue_notice(org, notice.clone(), start)
            .await
            .expect("queued")
    );
    assert!(
        !app.stores
            .notifications
            .queue_notice(org, notice, start)
            .await
            .expect("deduplicated")
    );
    let mut now = start;
    let mut waits = Vec::new();
    for _ in 0..5 {
        assert_eq!(app.state.notifications.run_due(now).await.expect("run"), 1);
        assert_eq!(
            app.state.notifications.run_due(now).await.expect("run"),
            0,
            "not due again before its backoff"
        );
        let job = &jobs(&app, &w.a.admin).await[0];
        let next: Timestamp = job["run_at"].as_str().expect("run_at").parse().expect("ts");
        waits.push((next.duration_since(now).as_secs_f64() / 60.0).round() as i64);
        now = next;
    }
    assert_eq!(&waits[..4], &[1, 2, 4, 8], "exponential backoff");
    let job = &jobs(&app, &w.a.admin).await[0];
    assert_eq!(
        (job["status"].as_str(), job["attempts"].as_u64()),
        (Some("failed"), Some(5))
    );
    assert_eq!(job["outcome"], "the employee no longer exists");
    assert_eq!(
        app.state
            .notifications
            .run_due(now + SignedDuration::from_hours(24))
            .await
            .expect("run"),
        0,
        "failed for good"
    );
}

#[tokio::test]
async fn a_kiosk_offline_too_long_is_reported_to_its_admins_once_per_outage() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    assert_eq!(app.push(&device, &json!([])).await.status, StatusCode::OK);
    let notifications = &app.state.notifications;

    let soon = Timestamp::now() + SignedDuration::from_mins(5);
    assert_eq!(
        notifications.scan_offline_kiosks(soon).await.expect("scan"),
        0,
        "not yet"
    );
    let later = Timestamp::now() + SignedDuration::from_hours(1);
    assert_eq!(
        notifications
            .scan_offline_kiosks(later)
            .await
            .expect("scan"),
        1
    );
    assert_eq!(
        notifications
            .scan_offline_kiosks(later + SignedDuration::from_hours(3))
            .await
            .expect("scan"),
        0,
        "the same outage is reported once"
    );
    notifications.run_due(later).await.expect("run");
    assert_eq!(
        mails_to(&app, "admin@a.example").await,
        vec!["Kiosk offline: Kiosk"]
    );
    assert!(
        mails_to(&app, "manager@a.example").await.is_empty(),
        "admins only"
    );

    // Back, then silent again: a new outage, reported again.
    assert_eq!(app.push(&device, &json!([])).await.status, StatusCode::OK);
    let much_later = Timestamp::now() + SignedDuration::from_hours(2);
    assert_eq!(
        notifications
            .scan_offline_kiosks(much_later)
            .await
            .expect("scan"),
        1
    );
    let job = jobs(&app, &w.a.admin)
        .await
        .into_iter()
        .find(|j| j["notice"]["kind"] == "kiosk_offline")
        .expect("job");
    assert_eq!(job["notice"]["device_id"], device.id);
}

#[tokio::test]
async fn reviewers_get_one_digest_a_day_of_what_waits_for_them() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let sheet = format!(
        "/api/v1/employees/{}/timesheets/2026-02-01/submit",
        w.a.employee
    );
    assert_eq!(
        app.post(&sheet, Some(&w.a.employee_token), json!({}))
            .await
            .status,
        StatusCode::OK
    );
    let notifications = &app.state.notifications;
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let at = |hour: i8| {
        today
            .at(hour, 30, 0, 0)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .expect("time")
            .timestamp()
    };
    assert_eq!(
        notifications
            .queue_approval_digests(at(3))
            .await
            .expect("scan"),
        0,
        "not before notifications.approvals_digest_hour_utc"
    );
    assert_eq!(
        notifications
            .queue_approval_digests(at(9))
            .await
            .expect("scan"),
        1
    );
    assert_eq!(
        notifications
            .queue_approval_digests(at(15))
            .await
            .expect("scan"),
        0,
        "once a day"
    );
    notifications.run_due(at(9)).await.expect("run");
    let digest = "1 request(s) waiting for your approval".to_owned();
    for reviewer in ["manager@a.example", "admin@a.example"] {
        // The timesheet's own notice may reach them first: wait for the digest itself.
        let mut subjects = Vec::new();
        for _ in 0..100 {
            subjects = mails_to(&app, reviewer).await;
            if subjects.contains(&digest) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(
            subjects.iter().filter(|s| **s == digest).count(),
            1,
            "{reviewer}: {subjects:?}"
        );
    }
    assert!(
        !mails_to(&app, "admin@b.example").await.contains(&digest),
        "another organisation's admin is not told"
    );
}
