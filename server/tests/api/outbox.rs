//! The mail outbox's claims on the store itself: one worker at a time holds a row, only the
//! current claim records an outcome, a retry waits for its time, a dead letter is never sent.

use jiff::{SignedDuration, Timestamp};

#[tokio::test]
async fn a_queued_mail_is_claimed_by_one_worker_at_a_time_and_only_that_claim_records_its_outcome()
{
    use attend_server::db::Scope;
    use attend_server::features::notifications::messages;
    use attend_server::features::notifications::store::MailOutcome;
    // A server that is built but not run: no worker of its own takes the row first.
    let dir = tempfile::tempdir().expect("dir");
    let app = attend_server::Application::build(
        attend_server::Settings {
            listen: "127.0.0.1:0".parse().expect("addr"),
            database: dir.path().join("attend.db").into(),
            ..attend_server::Settings::default()
        },
        true,
    )
    .await
    .expect("built");
    let store = app.stores().notifications;
    let mail = messages::password_reset("https://x.example/r", "t0ken");
    store
        .queue_mail(None, "a@x.example", &mail)
        .await
        .expect("queued");
    let now = Timestamp::now();
    let mins = SignedDuration::from_mins;
    let first = store
        .claim_mail(now, now + mins(2))
        .await
        .expect("claim")
        .expect("due");
    assert_eq!((first.attempts, first.kind.as_str()), (1, "password_reset"));
    assert!(first.html.is_some_and(|h| h.contains("t0ken")));
    assert!(
        store
            .claim_mail(now, now + mins(2))
            .await
            .expect("claim")
            .is_none(),
        "leased to the first worker"
    );
    // The first worker outlives its lease: another claims the row, and the first one's outcome
    // lands nowhere.
    let later = now + mins(3);
    let second = store
        .claim_mail(later, later + mins(2))
        .await
        .expect("claim")
        .expect("lease over");
    assert_eq!(second.attempts, 2);
    assert!(
        !store
            .record_mail(first.id, first.attempts, MailOutcome::Sent, later)
            .await
            .expect("record")
    );
    let retry_at = later + mins(60);
    assert!(
        store
            .record_mail(
                second.id,
                2,
                MailOutcome::Retry {
                    error: "421 busy".into(),
                    at: retry_at
                },
                later
            )
            .await
            .expect("record")
    );
    assert!(
        store
            .claim_mail(later + mins(30), later + mins(32))
            .await
            .expect("claim")
            .is_none(),
        "not due before its retry time"
    );
    let third = store
        .claim_mail(retry_at, retry_at + mins(2))
        .await
        .expect("claim")
        .expect("due again");
    assert!(
        store
            .record_mail(
                third.id,
                3,
                MailOutcome::Dead {
                    error: "550 no such user".into()
                },
                retry_at
            )
            .await
            .expect("record")
    );
    let dead = store
        .dead_letters(Scope::All, 10)
        .await
        .expect("dead letters");
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (
            dead[0].attempts,
            dead[0].last_error.as_deref(),
            dead[0].kind.as_str()
        ),
        (3, Some("550 no such user"), "password_reset")
    );
    assert!(
        store
            .claim_mail(retry_at + mins(600), retry_at + mins(602))
            .await
            .expect("claim")
            .is_none(),
        "a dead letter is never sent"
    );
}
