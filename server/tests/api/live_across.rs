//! The live board with two instances: a punch a kiosk syncs to one instance reaches a board
//! held open on the other (PostgreSQL's `LISTEN`/`NOTIFY` between the instances' feeds). On the
//! SQLite run, where a server is one instance by design, the twin holds the board open on the
//! instance that stored the punch: the same job, and the same assertions.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::dash_client::dash;
use crate::helpers::{provisioned_device, punch, spawn_app, world};
use crate::postgres_run::postgres_server;

/// The next server-sent event's data, or `None` if none comes within `within`.
async fn next_event(
    stream: &mut reqwest::Response,
    buffer: &mut String,
    within: Duration,
) -> Option<String> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            let data: Vec<&str> = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            if !data.is_empty() {
                return Some(data.join("\n"));
            }
            continue; // a keep-alive comment
        }
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .ok()?;
        buffer.push_str(&String::from_utf8_lossy(&chunk.expect("stream reads")?));
    }
}

#[tokio::test]
async fn a_punch_stored_by_one_instance_reaches_a_live_board_held_open_on_another() {
    let a = spawn_app().await;
    let w = world(&a).await;
    let b = a.second_instance().await;
    let board_on = if postgres_server().is_some() { &b } else { &a };
    let viewer = dash(board_on, "admin@a.example").await;
    let mut stream = board_on
        .client
        .get(format!("{}/dashboard/live/events", board_on.base))
        .header("cookie", viewer.cookie())
        .send()
        .await
        .expect("stream opens");
    assert_eq!(stream.status(), StatusCode::OK);
    let mut buffer = String::new();
    let first = next_event(&mut stream, &mut buffer, Duration::from_secs(10))
        .await
        .expect("the board as it is");
    assert!(!first.contains("Ana"), "nobody is in yet: {first}");

    let device = provisioned_device(&a, &w.a.admin, &w.a.site).await;
    let r = a.push(&device, &json!([punch(&w.a.employee, 1)])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let next = next_event(&mut stream, &mut buffer, Duration::from_secs(15))
        .await
        .expect("the board again, after the punch on the other instance");
    assert!(next.contains("Ana"), "Ana is in: {next}");
}
