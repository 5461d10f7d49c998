//! Telling the other instances: PostgreSQL's `LISTEN`/`NOTIFY` as a relay between the
//! in-process fan-outs of every instance on one database (the live board's
//! feed, `features/attendance/live.rs`).
//!
//! Invariants:
//! - **Local first.** The feed tells its own listeners at once, whatever the database does; the
//!   relay only adds the other instances, so a database hiccup never silences a board on the
//!   instance that stored the punch.
//! - **Own notices are dropped.** Each relay tags what it sends with a random instance tag and
//!   ignores notices carrying its own, so no instance is told twice.
//! - **Lossy, like the feed.** A notice sent while the listening connection is down (the
//!   database restarted) is not replayed; the listener reconnects with a growing wait, and a
//!   board catches up at its next notice. Payloads are short texts (an organisation id). The
//!   listening connection is probed every 30 s, so a silently dropped one is replaced within
//!   about 40 s. `LISTEN` needs a session of its own: through pgbouncer, use session pooling.
//! - The listener holds one connection of its own, outside the pool (a pooled connection is
//!   reset between uses, which would end its `LISTEN`); publishing borrows a pooled one.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::sync::{mpsc, watch};
use tokio_postgres::AsyncMessage;

use super::pool::PgPool;

/// The channel every instance listens on.
pub const CHANNEL: &str = "attend_live";

/// How often the listening connection is asked whether it still answers, and how long it has.
const PROBE_EVERY: Duration = Duration::from_secs(30);
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a relay hands each notice from another instance to.
pub type Deliver = Arc<dyn Fn(&str) + Send + Sync>;

/// Starts the relay until `stop` flips: returns where to send a text for the other instances;
/// texts they send reach `deliver`.
pub fn spawn(
    pool: PgPool,
    deliver: Deliver,
    stop: watch::Receiver<bool>,
) -> mpsc::UnboundedSender<String> {
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(publish(pool.clone(), tag.clone(), rx, stop.clone()));
    tokio::spawn(listen(pool, tag, deliver, stop));
    tx
}

/// Sends each text as one `NOTIFY`, a burst in one round trip per text on one connection.
async fn publish(
    pool: PgPool,
    tag: String,
    mut texts: mpsc::UnboundedReceiver<String>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let first = tokio::select! {
            got = texts.recv() => match got { Some(text) => text, None => return },
            _ = stop.changed() => return,
        };
        let mut burst = vec![first];
        while let Ok(more) = texts.try_recv() {
            if !burst.contains(&more) {
                burst.push(more);
            }
        }
        let payloads: Vec<String> = burst.iter().map(|t| format!("{tag} {t}")).collect();
        if let Err(error) = pool.notify(CHANNEL, &payloads).await {
            tracing::warn!(%error, "telling the other instances failed");
        }
    }
}

/// Holds a listening connection, reconnecting with a growing wait when it ends.
async fn listen(pool: PgPool, tag: String, deliver: Deliver, mut stop: watch::Receiver<bool>) {
    let first_wait = Duration::from_millis(500);
    let mut wait = first_wait;
    loop {
        let started = tokio::time::Instant::now();
        let ended = tokio::select! {
            ended = listen_once(&pool, &tag, &deliver) => ended,
            _ = stop.changed() => return,
        };
        // A connection that held a while was a success: the next failure waits from the start.
        if started.elapsed() > Duration::from_mins(1) {
            wait = first_wait;
        }
        match ended {
            Ok(()) => tracing::warn!("the listening connection closed; reconnecting"),
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), "listening for other instances failed; reconnecting");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        wait = (wait * 2).min(Duration::from_secs(30));
    }
}

/// One listening connection, until it ends.
async fn listen_once(pool: &PgPool, tag: &str, deliver: &Deliver) -> anyhow::Result<()> {
    let url = pool.url();
    let (config, policy) = url
        .connection()
        .map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
    let (client, mut connection) = config.connect(policy.connector()?).await?;
    let (messages_tx, mut messages) = mpsc::unbounded_channel();
    // The connection only makes progress while polled: drive it, passing notices on.
    let driver = tokio::spawn(async move {
        let mut stream = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = stream.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if messages_tx.send(n.payload().to_owned()).is_err() {
                        return Ok(());
                    }
                }
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    tracing::debug!("listening for the other instances' notices");
    // A connection that only listens would not notice a peer gone silent (a dropped NAT entry,
    // a fail-over without a reset) for TCP's keepalive hours: ask it something now and then.
    let mut probe = tokio::time::interval(PROBE_EVERY);
    probe.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            got = messages.recv() => match got {
                Some(payload) => match payload.split_once(' ') {
                    Some((from, _)) if from == tag => {}
                    Some((_, text)) => deliver(text),
                    None => {}
                },
                None => break,
            },
            _ = probe.tick() => {
                tokio::time::timeout(PROBE_TIMEOUT, client.simple_query("SELECT 1"))
                    .await
                    .map_err(|_| anyhow::anyhow!("the listening connection did not answer in {PROBE_TIMEOUT:?}"))??;
            }
        }
    }
    drop(client);
    driver.await??;
    Ok(())
}
