//! Background work with two instances on one database (on SQLite, two servers on one file; on
//! PostgreSQL, the deployment this is for): each notification job runs on one instance, each
//! mail is sent once, and each period's scan runs once, whichever instance takes it.

use attend_protocol::ids::DeviceId;
use attend_server::db::sql::race_hooks::{Point, pause_at};
use attend_server::features::notifications::{Message, Notice};
use jiff::{SignedDuration, Timestamp};

use crate::helpers::{spawn_app, world};

/// Two workers run the same due jobs at once, each pausing between its claim and its work, the
/// second claiming while the first holds its claimed jobs: every job is run by exactly one of
/// them. (Without the lease both ran all of them, 2 × 12 attempts, and this fails.)
#[tokio::test]
async fn two_instances_run_each_notification_job_once() {
    let a = spawn_app().await;
    let w = world(&a).await;
    let b = a.second_instance().await;
    let org = w.a.id.parse().expect("org id");
    // Due an hour from now, out of reach of the instances' own background workers.
    let due = Timestamp::now() + SignedDuration::from_hours(1);
    for minute in 0..12 {
        let notice = Notice::KioskOffline {
            device_id: DeviceId::from_uuid(uuid::Uuid::now_v7()),
            device_name: format!("Kiosk {minute}"),
            last_seen_at: Timestamp::now() - SignedDuration::from_mins(minute),
        };
        assert!(
            a.stores
                .notifications
                .queue_notice(org, notice, due)
                .await
                .expect("queued")
        );
    }
    let run_at = due + SignedDuration::from_mins(1);
    let pause = pause_at(Point::JobClaim, 300);
    // b claims while a, its claim committed, has not yet run its jobs.
    let (on_a, on_b) = tokio::join!(a.state.notifications.run_due(run_at), async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        b.state.notifications.run_due(run_at).await
    });
    drop(pause);
    let (on_a, on_b) = (on_a.expect("run on a"), on_b.expect("run on b"));
    assert_eq!(
        on_a + on_b,
        12,
        "each job run once: {on_a} on a, {on_b} on b"
    );
    let jobs = a
        .rows("SELECT status, attempts, lease_until FROM notification_jobs ORDER BY id")
        .await;
    assert_eq!(jobs.len(), 12);
    for job in &jobs {
        assert_eq!(
            (job[0].as_deref(), job[1].as_deref(), job[2].as_deref()),
            (Some("done"), Some("1"), None),
            "{jobs:?}"
        );
    }
    // One mail per job to the organisation's one admin, none twice.
    let mails = a
        .rows("SELECT COUNT(*), COUNT(DISTINCT subject) FROM mail_outbox WHERE kind = 'kiosk_offline'")
        .await;
    assert_eq!(mails[0][0].as_deref(), Some("12"), "{mails:?}");
}

/// Both instances' mail workers run; every queued mail reaches exactly one of their senders.
#[tokio::test]
async fn two_instances_send_each_mail_once() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    let to: Vec<String> = (0..10).map(|i| format!("person{i}@example.com")).collect();
    for who in &to {
        let message = Message {
            kind: "test",
            subject: format!("for {who}"),
            text: "hello".into(),
            html: "<p>hello</p>".into(),
        };
        a.stores
            .notifications
            .queue_mail(None, who, &message)
            .await
            .expect("queued");
    }
    let delivered = |app: &crate::helpers::TestApp| {
        app.mail
            .0
            .lock()
            .expect("lock")
            .iter()
            .map(|m| m.recipient.clone())
            .collect::<Vec<_>>()
    };
    for _ in 0..200 {
        if delivered(&a).len() + delivered(&b).len() >= to.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // A moment more, for a second send that should not come.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut all = [delivered(&a), delivered(&b)].concat();
    all.sort();
    assert_eq!(all, to, "every mail once, across both instances");
}

/// A period's scan is claimed once, whichever instance asks first; the next period is free again.
#[tokio::test]
async fn a_periodic_scan_is_claimed_once_per_period_across_instances() {
    let a = spawn_app().await;
    let b = a.second_instance().await;
    let now = Timestamp::now() + SignedDuration::from_hours(24);
    let next = now + SignedDuration::from_hours(1);
    let (on_a, on_b) = tokio::join!(
        a.stores.schedule.claim_period("test_scan", now, next),
        b.stores.schedule.claim_period("test_scan", now, next)
    );
    let claimed = [on_a.expect("a"), on_b.expect("b")];
    assert_eq!(claimed.iter().filter(|c| **c).count(), 1, "{claimed:?}");
    let later = now + SignedDuration::from_mins(30);
    assert!(
        !b.stores
            .schedule
            .claim_period("test_scan", later, later + SignedDuration::from_hours(1))
            .await
            .expect("b"),
        "not again within the period"
    );
    assert!(
        b.stores
            .schedule
            .claim_period("test_scan", next, next + SignedDuration::from_hours(1))
            .await
            .expect("b"),
        "the next period"
    );
}
