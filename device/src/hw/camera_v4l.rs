//! The real camera: a V4L2 device through nokhwa, handing out the raw MJPEG or YUYV bytes.
//! Decoding is left to the vision pipeline, which only decodes the frames it actually uses.
//!
//! - A capture thread owns the device and keeps only the newest frame. V4L2 keeps a few
//!   buffers queued, and when the reader is slower than the camera they hold *old* frames;
//!   draining them continuously means a slow pipeline always sees the present. (It also keeps
//!   nokhwa's camera, which is not `Send`, on one thread.)
//! - nokhwa picks the supported mode closest to the requested size in the requested format;
//!   `describe` reports what was negotiated.
//! - nokhwa identifies V4L2 devices by index, so a path (or a `/dev/v4l/by-id/…` symlink) is
//!   resolved to its `/dev/videoN` first, and obvious faults (missing node, no permission)
//!   are checked before nokhwa runs, for clearer errors.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use nokhwa::Camera as NokhwaCamera;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat as NokhwaFormat, RequestedFormat,
    RequestedFormatType,
};

use super::camera_v4l_node::{check_access, map_error, resolve_device};
use super::{Camera, Frame, FrameFormat, HwError, PixelFormat, V4lSpec};

/// How long `next_frame` waits before calling the camera stalled.
const STALL: Duration = Duration::from_secs(5);

/// An open, streaming V4L2 camera.
#[derive(Debug)]
pub struct V4lCamera {
    device: String,
    negotiated: String,
    shared: Arc<Shared>,
}

/// The newest frame, passed from the capture thread to `next_frame`.
#[derive(Debug, Default)]
struct Shared {
    slot: Mutex<Slot>,
    fresh: Condvar,
    stop: AtomicBool,
}

#[derive(Debug, Default)]
struct Slot {
    latest: Option<Result<Frame, HwError>>,
    /// The capture thread has exited (after handing over its error).
    finished: bool,
}

impl Shared {
    fn put(&self, frame: Result<Frame, HwError>) {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.finished |= frame.is_err();
        slot.latest = Some(frame);
        self.fresh.notify_all();
    }
}

/// What the capture thread reports once the device is open.
struct Opened {
    device: String,
    negotiated: String,
}

impl V4lCamera {
    /// Opens the device, starts streaming and returns once the mode is negotiated.
    pub fn open(spec: &V4lSpec) -> Result<Self, HwError> {
        let (device, index) = resolve_device(&spec.device)?;
        check_access(&device)?;
        let shared = Arc::new(Shared::default());
        let (opened_tx, opened_rx) = mpsc::channel();
        let (spec, thread_shared) = (spec.clone(), Arc::clone(&shared));
        let thread_device = device.clone();
        std::thread::Builder::new()
            .name("camera".into())
            .spawn(move || match start(&thread_device, index, &spec) {
                Ok((camera, format, opened)) => {
                    if opened_tx.send(Ok(opened)).is_ok() {
                        capture(camera, format, &thread_device, &thread_shared);
                    }
                }
                Err(error) => {
                    let _ = opened_tx.send(Err(error));
                }
            })
            .map_err(|e| HwError::Camera {
                device: device.clone(),
                reason: format!("cannot start its capture thread: {e}"),
            })?;
        let opened = opened_rx.recv().map_err(|_| HwError::Camera {
            device: device.clone(),
            reason: "its capture thread stopped while opening".into(),
        })??;
        Ok(V4lCamera {
            device: opened.device,
            negotiated: opened.negotiated,
            shared,
        })
    }
}

/// Opens the camera on the capture thread, where it will stay.
fn start(
    device: &str,
    index: u32,
    spec: &V4lSpec,
) -> Result<(NokhwaCamera, FrameFormat, Opened), HwError> {
    let fourcc = match spec.format {
        PixelFormat::Mjpeg => NokhwaFormat::MJPEG,
        PixelFormat::Yuyv => NokhwaFormat::YUYV,
    };
    let wanted = format!(
        "{}x{} {fourcc} at {} fps",
        spec.width, spec.height, spec.fps
    );
    let formats = [fourcc];
    let request = RequestedFormat::with_formats(
        RequestedFormatType::Closest(CameraFormat::new_from(
            spec.width,
            spec.height,
            fourcc,
            spec.fps,
        )),
        &formats,
    );
    let fail = |error| map_error(device, &wanted, error);
    let mut camera =
        NokhwaCamera::with_backend(CameraIndex::Index(index), request, ApiBackend::Video4Linux)
            .map_err(fail)?;
    camera.open_stream().map_err(fail)?;
    let got = camera.camera_format();
    let format = match got.format() {
        NokhwaFormat::MJPEG => FrameFormat::Jpeg,
        NokhwaFormat::YUYV => FrameFormat::Yuyv {
            width: got.width(),
            height: got.height(),
        },
        other => {
            return Err(HwError::CameraFormat {
                device: device.to_owned(),
                wanted,
                reason: format!("it offered {other} instead"),
            });
        }
    };
    let opened = Opened {
        device: format!("{device} ({})", camera.info().human_name()),
        negotiated: format!(
            "{}x{} {} @ {} fps",
            got.width(),
            got.height(),
            got.format(),
            got.frame_rate()
        ),
    };
    Ok((camera, format, opened))
}

/// Reads frames until stopped or failed, keeping only the newest.
fn capture(mut camera: NokhwaCamera, format: FrameFormat, device: &str, shared: &Shared) {
    let mut empty = 0;
    while !shared.stop.load(Ordering::SeqCst) {
        match camera.frame_raw() {
            // Some UVC cameras hand out an empty buffer now and then; skip a few.
            Ok(bytes) if bytes.is_empty() => {
                empty += 1;
                if empty == 3 {
                    shared.put(Err(HwError::Camera {
                        device: device.to_owned(),
                        reason: "it keeps sending empty frames".into(),
                    }));
                    return;
                }
            }
            Ok(bytes) => {
                empty = 0;
                shared.put(Ok(Frame {
                    format,
                    bytes: bytes.into_owned(),
                    captured_at: Instant::now(),
                }));
            }
            Err(error) => {
                shared.put(Err(map_error(device, "frames", error)));
                return;
            }
        }
    }
}

impl Camera for V4lCamera {
    fn next_frame(&mut self) -> Result<Frame, HwError> {
        let slot = self
            .shared
            .slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (mut slot, _) = self
            .shared
            .fresh
            .wait_timeout_while(slot, STALL, |s| s.latest.is_none() && !s.finished)
            .unwrap_or_else(PoisonError::into_inner);
        match slot.latest.take() {
            Some(frame) => frame,
            None if slot.finished => Err(HwError::Camera {
                device: self.device.clone(),
                reason: "capture stopped after an earlier error: reopen the camera".into(),
            }),
            None => Err(HwError::Camera {
                device: self.device.clone(),
                reason: format!(
                    "no frame for {} s: check the cable and the camera's power",
                    STALL.as_secs()
                ),
            }),
        }
    }

    fn describe(&self) -> String {
        format!("v4l {} {}", self.device, self.negotiated)
    }
}

impl Drop for V4lCamera {
    fn drop(&mut self) {
        // The thread notices after its current read (at most one frame time) and closes the
        // device; it is not joined, so a stalled camera cannot hang shutdown.
        self.shared.stop.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(device: &str) -> V4lSpec {
        V4lSpec {
            device: device.into(),
            width: 640,
            height: 480,
            fps: 15,
            format: PixelFormat::Mjpeg,
        }
    }

    #[test]
    fn a_missing_device_gives_a_clear_error_not_a_panic() {
        for device in ["/dev/video99", "99"] {
            let error = V4lCamera::open(&spec(device)).expect_err("no such camera");
            assert!(matches!(error, HwError::CameraNotFound { .. }), "{error}");
            assert!(error.to_string().contains("/dev/video99"), "{error}");
        }
    }

    #[test]
    #[ignore = "needs a real V4L2 camera (ATTEND_TEST_CAMERA, default /dev/video0)"]
    fn a_real_camera_delivers_fresh_mjpeg_frames() {
        let device = std::env::var("ATTEND_TEST_CAMERA").unwrap_or_else(|_| "/dev/video0".into());
        let mut camera = V4lCamera::open(&spec(&device)).expect("camera opens");
        let first = camera.next_frame().expect("a frame");
        let second = camera.next_frame().expect("a second frame");
        assert_eq!(first.format, FrameFormat::Jpeg, "{}", camera.describe());
        assert!(
            first.bytes.starts_with(&[0xFF, 0xD8]),
            "MJPEG frame starts with SOI"
        );
        assert!(
            second.captured_at > first.captured_at,
            "each frame is handed out once"
        );
    }
}
