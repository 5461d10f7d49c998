//! The kiosk screen in a real headless Chromium. A frame with a face box at a known place is
//! shown in a view of another shape than the frame's (so the picture is letterboxed); the green
//! box the page draws is looked for in a screenshot at the page pixels where that place lands,
//! worked out here from the view's rectangle alone. And a result gives way to the idle prompt.

use std::time::Duration;

use attend_device::screen::{self, FaceBox, PreviewFrame, ScreenState, TurnView};
use attend_device::station::{Message, MessageKind};
use attend_testkit::browser::browser;
use attend_vision::liveness::challenge::Turn;
use fantoccini::{Client, Locator};
use image::{Rgb, RgbImage, RgbaImage};
use tokio::sync::watch;

const FRAME: (u32, u32) = (640, 480);
const FACE: FaceBox = FaceBox {
    x: 400.0,
    y: 120.0,
    w: 150.0,
    h: 180.0,
};
/// The picture's colour: no green in it, so every green pixel is the page's box.
const PICTURE: Rgb<u8> = Rgb([90, 70, 160]);
const IDLE: &str = "Look at the camera, or type your number and PIN";

fn jpeg() -> Vec<u8> {
    let picture = RgbImage::from_pixel(FRAME.0, FRAME.1, PICTURE);
    let mut out = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode");
    out.into_inner()
}

fn is_green(p: image::Rgba<u8>) -> bool {
    p[1] > 150 && p[0] < 120 && p[2] < 150
}

fn is_picture(p: image::Rgba<u8>) -> bool {
    p.0[..3]
        .iter()
        .zip(PICTURE.0)
        .all(|(&a, b)| a.abs_diff(b) < 20)
}

async fn number(c: &Client, script: &str) -> f64 {
    c.execute(script, vec![])
        .await
        .expect("script runs")
        .as_f64()
        .expect("a number")
}

async fn screenshot(c: &Client) -> RgbaImage {
    let png = c.screenshot().await.expect("screenshot");
    image::load_from_memory(&png).expect("png").to_rgba8()
}

async fn message_text(c: &Client) -> String {
    c.find(Locator::Id("message"))
        .await
        .expect("message")
        .text()
        .await
        .expect("text")
}

async fn wait_for_text(c: &Client, want: &str) -> String {
    let mut text = String::new();
    for _ in 0..100 {
        text = message_text(c).await;
        if text == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    text
}

#[tokio::test]
async fn the_face_box_sits_on_the_face_in_the_letterboxed_picture_and_results_give_way_to_the_idle_prompt()
 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (state_tx, state_rx) = watch::channel(ScreenState::default());
    let (_frame_tx, frame_rx) = watch::channel(Some(PreviewFrame {
        seq: 1,
        jpeg: jpeg().into(),
        size: FRAME,
        faces: vec![FACE],
    }));
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(screen::serve(listener, state_rx, frame_rx, async {
        let _ = stop_rx.await;
    }));

    let (_driver, c) = browser().await;
    // A tall window: the view (three fifths of the width) is narrower than 4:3, so the picture
    // gets bands above and below.
    c.set_window_size(1000, 900).await.expect("window size");
    c.goto(&format!("http://{addr}/"))
        .await
        .expect("page loads");

    // Wait until the frame is drawn: the view's centre shows the picture.
    let view = |side: &str| {
        format!("return document.getElementById('view').getBoundingClientRect().{side};")
    };
    let mut shot = screenshot(&c).await;
    for _ in 0..100 {
        let (x, y) = (
            number(&c, &view("left")).await + number(&c, &view("width")).await / 2.0,
            number(&c, &view("top")).await + number(&c, &view("height")).await / 2.0,
        );
        let dpr = number(&c, "return window.devicePixelRatio;").await;
        shot = screenshot(&c).await;
        if is_picture(*shot.get_pixel((x * dpr) as u32, (y * dpr) as u32)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let (left, top, width, height, dpr) = (
        number(&c, &view("left")).await,
        number(&c, &view("top")).await,
        number(&c, &view("width")).await,
        number(&c, &view("height")).await,
        number(&c, "return window.devicePixelRatio;").await,
    );
    // Letterboxing worked out from the view's rectangle and the frame's size alone.
    let scale = (width / f64::from(FRAME.0)).min(height / f64::from(FRAME.1));
    let (ox, oy) = (
        left + (width - f64::from(FRAME.0) * scale) / 2.0,
        top + (height - f64::from(FRAME.1) * scale) / 2.0,
    );
    assert!(
        oy - top > 50.0,
        "the test needs bands above and below the picture: view {width}x{height}"
    );
    let page = |fx: f32, fy: f32| {
        (
            ((ox + f64::from(fx) * scale) * dpr).round() as i64,
            ((oy + f64::from(fy) * scale) * dpr).round() as i64,
        )
    };
    let pixel = |(x, y): (i64, i64)| *shot.get_pixel(x as u32, y as u32);
    let (x0, y0) = page(FACE.x, FACE.y);
    let (x1, y1) = page(FACE.x + FACE.w, FACE.y + FACE.h);
    let (mx, my) = (i64::midpoint(x0, x1), i64::midpoint(y0, y1));
    // The box's four edges, at their middles, within a pixel of where the face is.
    for (name, (x, y)) in [
        ("left", (x0, my)),
        ("right", (x1, my)),
        ("top", (mx, y0)),
        ("bottom", (mx, y1)),
    ] {
        let near = (-1..=1).any(|d| {
            let p = if name == "left" || name == "right" {
                (x + d, y)
            } else {
                (x, y + d)
            };
            is_green(pixel(p))
        });
        assert!(
            near,
            "no box edge at the face's {name} side, page pixel {x},{y}: {:?}",
            pixel((x, y))
        );
    }
    // Inside and outside the box, the picture; above it, the band.
    assert!(is_picture(pixel((mx, my))), "inside: {:?}", pixel((mx, my)));
    assert!(
        is_picture(pixel((x0 - 8, my))),
        "left of it: {:?}",
        pixel((x0 - 8, my))
    );
    let band = (mx, ((top + (oy - top) / 2.0) * dpr) as i64);
    assert!(
        !is_picture(pixel(band)) && !is_green(pixel(band)),
        "band: {:?}",
        pixel(band)
    );

    // A page left open across a restart of attendd asks for frames after a number the new run
    // has not reached: it gets the newest frame at once, not a wait until the count catches up.
    let answer = c
        .execute(
            "return fetch('/frame?after=999999').then(r => [r.status, r.headers.get('x-frame-seq')]);",
            vec![],
        )
        .await
        .expect("fetch runs");
    assert_eq!(answer, serde_json::json!([200, "1"]));

    // A result, then no message: the idle prompt comes back.
    assert_eq!(wait_for_text(&c, IDLE).await, IDLE);
    state_tx.send_modify(|s| {
        s.message = Some(Message {
            kind: MessageKind::Success,
            text: "Lathe stopped".into(),
        });
    });
    assert_eq!(wait_for_text(&c, "Lathe stopped").await, "Lathe stopped");
    state_tx.send_modify(|s| s.message = None);
    assert_eq!(wait_for_text(&c, IDLE).await, IDLE);

    // A head turn: the prompt, an arrow the way to turn and the progress; a result takes the
    // arrow down.
    let prompt = "Ana, turn your head to your left";
    state_tx.send_modify(|s| {
        s.message = Some(Message {
            kind: MessageKind::Turn,
            text: prompt.into(),
        });
        s.turn = Some(TurnView {
            direction: Turn::Left,
            progress: 0.5,
        });
    });
    assert_eq!(wait_for_text(&c, prompt).await, prompt);
    let turn = c
        .execute(
            "return [document.getElementById('turn').hidden, document.getElementById('arrow').textContent, document.getElementById('turned').value];",
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(turn, serde_json::json!([false, "\u{2190}", 0.5]));
    state_tx.send_modify(|s| {
        s.turn = None;
        s.message = Some(Message {
            kind: MessageKind::Success,
            text: "Welcome, Ana".into(),
        });
    });
    assert_eq!(wait_for_text(&c, "Welcome, Ana").await, "Welcome, Ana");
    assert_eq!(
        c.execute("return document.getElementById('turn').hidden;", vec![])
            .await
            .expect("script runs"),
        serde_json::json!(true)
    );

    c.close().await.expect("closed");
    let _ = stop_tx.send(());
    // The page's open SSE and frame requests end with the server.
    let _ = tokio::time::timeout(Duration::from_secs(15), server).await;
}
