use std::time::Duration;

use super::*;
use crate::hw::ManualClock;

/// Writes a `size`×`size` solid image whose red channel is `shade`, so frames can be told apart.
fn write_image(dir: &Path, name: &str, shade: u8, size: u32) {
    let image = image::RgbImage::from_pixel(size, size, image::Rgb([shade, 100, 50]));
    let path = dir.join(name);
    if let Err(error) = image.save(&path) {
        panic!("writing {}: {error}", path.display());
    }
}

fn frames_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    // Written out of order: the camera must sort by name.
    write_image(dir.path(), "frame-03.png", 30, 8);
    write_image(dir.path(), "frame-01.png", 10, 8);
    write_image(dir.path(), "frame-02.jpg", 20, 16);
    std::fs::write(dir.path().join("notes.txt"), "not a frame").expect("write notes");
    dir
}

fn spec(dir: &Path, fps: f64, looping: bool) -> DirSpec {
    DirSpec {
        path: dir.to_owned(),
        fps,
        looping,
    }
}

fn red_of(frame: &Frame) -> u8 {
    let format = match frame.format {
        FrameFormat::Png => image::ImageFormat::Png,
        FrameFormat::Jpeg => image::ImageFormat::Jpeg,
        other => panic!("unexpected format {other:?}"),
    };
    let decoded = image::load_from_memory_with_format(&frame.bytes, format).expect("decodes");
    decoded.to_rgb8().get_pixel(0, 0).0[0]
}

#[test]
fn replays_images_in_name_order_with_their_formats() {
    let dir = frames_dir();
    let mut camera =
        DirCamera::open(&spec(dir.path(), 2.0, true), Arc::new(ManualClock::new())).expect("opens");
    assert_eq!(camera.files().len(), 3, "the .txt file is skipped");
    let frames: Vec<Frame> = (0..3)
        .map(|_| camera.next_frame().expect("frame"))
        .collect();
    let formats: Vec<FrameFormat> = frames.iter().map(|f| f.format).collect();
    assert_eq!(
        formats,
        [FrameFormat::Png, FrameFormat::Jpeg, FrameFormat::Png]
    );
    assert_eq!(red_of(&frames[0]), 10);
    // JPEG is lossy: the shade comes back close, not exact.
    assert!(red_of(&frames[1]).abs_diff(20) <= 4);
    assert_eq!(red_of(&frames[2]), 30);
}

#[test]
fn frames_are_paced_at_the_configured_rate() {
    let dir = frames_dir();
    let clock = ManualClock::new();
    let start = clock.now();
    let mut camera =
        DirCamera::open(&spec(dir.path(), 4.0, true), Arc::new(clock.clone())).expect("opens");
    let offsets: Vec<Duration> = (0..3)
        .map(|_| camera.next_frame().expect("frame").captured_at - start)
        .collect();
    assert_eq!(
        offsets,
        [
            Duration::ZERO,
            Duration::from_millis(250),
            Duration::from_millis(500)
        ]
    );
}

#[test]
fn looping_starts_again_after_the_last_image() {
    let dir = frames_dir();
    let mut camera = DirCamera::open(&spec(dir.path(), 10.0, true), Arc::new(ManualClock::new()))
        .expect("opens");
    let reds: Vec<u8> = (0..4)
        .map(|_| red_of(&camera.next_frame().expect("frame")))
        .collect();
    assert_eq!((reds[0], reds[2], reds[3]), (10, 30, 10));
}

#[test]
fn without_loop_the_camera_ends_with_a_clear_error() {
    let dir = frames_dir();
    let mut camera = DirCamera::open(&spec(dir.path(), 10.0, false), Arc::new(ManualClock::new()))
        .expect("opens");
    for _ in 0..3 {
        camera.next_frame().expect("frame");
    }
    let error = camera.next_frame().expect_err("no fourth frame");
    assert!(matches!(error, HwError::CameraEnded { .. }), "{error}");
    assert!(error.to_string().contains("loop=true"), "{error}");
    assert!(
        camera.describe().contains("3 images"),
        "{}",
        camera.describe()
    );
}

#[test]
fn a_folder_without_images_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("readme.md"), "x").expect("write");
    let error = DirCamera::open(&spec(dir.path(), 1.0, true), Arc::new(ManualClock::new()))
        .expect_err("no images");
    assert!(error.to_string().contains("has no .jpg"), "{error}");
}

#[test]
fn a_missing_folder_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nope");
    let error = DirCamera::open(&spec(&missing, 1.0, true), Arc::new(ManualClock::new()))
        .expect_err("missing");
    assert!(error.to_string().contains("nope"), "{error}");
}

#[test]
fn a_mislabelled_file_fails_by_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("broken.jpg"), "plain text").expect("write");
    let mut camera =
        DirCamera::open(&spec(dir.path(), 1.0, true), Arc::new(ManualClock::new())).expect("opens");
    let error = camera.next_frame().expect_err("not a JPEG");
    let message = error.to_string();
    assert!(
        message.contains("broken.jpg") && message.contains("not a JPEG or PNG"),
        "{message}"
    );
}
