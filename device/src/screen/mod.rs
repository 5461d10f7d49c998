//! The kiosk screen: a local page for Chromium in kiosk mode, on 127.0.0.1. It shows the live
//! preview (MJPEG) with face boxes, the last result, the keypad echo (PINs masked), an equipment
//! countdown, the online indicator with the queue depth, and whether the kiosk still waits for
//! an administrator to confirm it. Updates arrive over SSE;
//! `GET /status` returns the same state as JSON. Takes a listener and a shutdown future so
//! tests control both.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::get;
use futures_util::stream::{self, Stream, StreamExt as _};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::station::Message;

/// A face box in frame pixels, for the preview overlay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct FaceBox {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// Everything the page shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ScreenState {
    /// The latest result or prompt.
    pub message: Option<Message>,
    pub online: Option<bool>,
    pub queue_depth: u64,
    pub clock_offset_ms: Option<i64>,
    /// Boxes of the faces in the latest frame and that frame's size.
    pub faces: Vec<FaceBox>,
    pub frame_size: Option<(u32, u32)>,
    /// Running machines' countdown, e.g. "Lathe stops in 45 s unless used".
    pub countdown: Option<String>,
    /// No administrator has confirmed this kiosk yet (the server said so with the roster).
    pub awaiting_confirmation: bool,
}

#[derive(Clone, Debug)]
struct Shared {
    state: watch::Receiver<ScreenState>,
    /// The latest camera frame as JPEG, for the MJPEG preview.
    frame: watch::Receiver<Option<Bytes>>,
}

pub fn router(
    state: watch::Receiver<ScreenState>,
    frame: watch::Receiver<Option<Bytes>>,
) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/status", get(status))
        .route("/events", get(events))
        .route("/preview.mjpg", get(preview))
        .with_state(Shared { state, frame })
}

/// Serves the screen until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: watch::Receiver<ScreenState>,
    frame: watch::Receiver<Option<Bytes>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state, frame))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn page() -> Html<&'static str> {
    Html(include_str!("page.html"))
}

async fn status(State(s): State<Shared>) -> Json<ScreenState> {
    Json(s.state.borrow().clone())
}

async fn events(State(s): State<Shared>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = s.state;
    let updates = stream::unfold((rx, true), |(mut rx, first)| async move {
        if !first && rx.changed().await.is_err() {
            return None;
        }
        let json = serde_json::to_string(&*rx.borrow_and_update()).unwrap_or_default();
        Some((Ok(Event::default().event("state").data(json)), (rx, false)))
    });
    Sse::new(updates).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

const BOUNDARY: &str = "attendframe";

async fn preview(State(s): State<Shared>) -> Response {
    let frames = stream::unfold((s.frame, true), |(mut rx, first)| async move {
        if !first && rx.changed().await.is_err() {
            return None;
        }
        let jpeg = rx.borrow_and_update().clone().unwrap_or_default();
        let mut part = format!(
            "--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
            jpeg.len()
        )
        .into_bytes();
        part.extend_from_slice(&jpeg);
        part.extend_from_slice(b"\r\n");
        Some((Ok::<_, Infallible>(Bytes::from(part)), (rx, false)))
    })
    .boxed();
    (
        [
            (
                header::CONTENT_TYPE,
                format!("multipart/x-mixed-replace; boundary={BOUNDARY}"),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(frames),
    )
        .into_response()
}
