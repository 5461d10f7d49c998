//! The kiosk screen: a local page for Chromium in kiosk mode, on 127.0.0.1. It shows the live
//! preview with face boxes, the last result, the keypad echo (PINs masked), an equipment
//! countdown, the online indicator with the queue depth, and whether the kiosk still waits for
//! an administrator to confirm it. Updates arrive over SSE; `GET /status` returns the same
//! state as JSON. Takes a listener and a shutdown future so tests control both.
//!
//! The preview: `GET /frame?after=N` answers the next analysed frame after number `N` as JPEG,
//! with that same frame's face boxes in its headers, so the page draws each box on the picture
//! it was found in (two separate streams, pictures and boxes, drift apart). The page draws the
//! picture letterboxed (whole, centred, as large as fits) and places the boxes by the picture's
//! drawn rectangle, not the element's. `GET /preview.mjpg` streams the same pictures, for other
//! viewers. What the screen shows lasts as [`Lifetimes`] says, then the idle prompt returns.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::get;
use futures_util::stream::{self, Stream, StreamExt as _};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::station::Message;

mod shown;

pub use shown::{Lifetimes, RESULT_SHOWN_MS, Shown};

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
    /// The head turn being asked for: the page draws its arrow and progress.
    pub turn: Option<TurnView>,
}

/// A head turn on screen: which way (the person's own left or right, which is also the
/// screen's, as they face it) and how much of it is done, 0–1.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TurnView {
    pub direction: attend_vision::liveness::challenge::Turn,
    pub progress: f32,
}

/// One analysed camera frame: its picture as JPEG, its size in pixels (upright, as the
/// pipeline saw it) and the faces found in it, in that frame's pixels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PreviewFrame {
    /// Counts up from 1 with each frame.
    pub seq: u64,
    pub jpeg: Bytes,
    pub size: (u32, u32),
    pub faces: Vec<FaceBox>,
}

#[derive(Clone, Debug)]
struct Shared {
    state: watch::Receiver<ScreenState>,
    /// The latest analysed frame, for the preview.
    frame: watch::Receiver<Option<PreviewFrame>>,
}

pub fn router(
    state: watch::Receiver<ScreenState>,
    frame: watch::Receiver<Option<PreviewFrame>>,
) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/status", get(status))
        .route("/events", get(events))
        .route("/frame", get(next_frame))
        .route("/preview.mjpg", get(preview))
        .with_state(Shared { state, frame })
}

/// Serves the screen until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: watch::Receiver<ScreenState>,
    frame: watch::Receiver<Option<PreviewFrame>>,
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

#[derive(Debug, serde::Deserialize)]
struct After {
    #[serde(default)]
    after: u64,
}

/// How long `/frame` waits for a newer frame before answering 204 (the page asks again).
const FRAME_WAIT: Duration = Duration::from_secs(10);

/// The latest frame once it is another than number `after` (numbers count up within one run of
/// attendd and start again after a restart, which the page does not see), as JPEG with
/// `x-frame-seq`, `x-frame-width`, `x-frame-height` and `x-frame-faces` (a JSON list of boxes
/// in frame pixels); 204 if none came within [`FRAME_WAIT`], 503 once frames have stopped for
/// good (the daemon is stopping).
async fn next_frame(State(s): State<Shared>, Query(q): Query<After>) -> Response {
    let mut rx = s.frame;
    let other = rx.wait_for(|f| f.as_ref().is_some_and(|f| f.seq != q.after));
    let frame = match tokio::time::timeout(FRAME_WAIT, other).await {
        Ok(Ok(frame)) => frame.clone().unwrap_or_default(),
        Ok(Err(_)) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Err(_) => return StatusCode::NO_CONTENT.into_response(),
    };
    let faces = serde_json::to_string(&frame.faces).unwrap_or_else(|_| "[]".into());
    let mut response = (
        [
            (header::CONTENT_TYPE, "image/jpeg".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        frame.jpeg,
    )
        .into_response();
    for (name, value) in [
        ("x-frame-seq", frame.seq.to_string()),
        ("x-frame-width", frame.size.0.to_string()),
        ("x-frame-height", frame.size.1.to_string()),
        ("x-frame-faces", faces),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(name), value);
        }
    }
    response
}

const BOUNDARY: &str = "attendframe";

async fn preview(State(s): State<Shared>) -> Response {
    let frames = stream::unfold((s.frame, true), |(mut rx, first)| async move {
        if !first && rx.changed().await.is_err() {
            return None;
        }
        let jpeg = rx
            .borrow_and_update()
            .as_ref()
            .map(|f| f.jpeg.clone())
            .unwrap_or_default();
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
