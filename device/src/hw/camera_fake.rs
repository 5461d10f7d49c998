//! A camera that needs nothing: uniform grey RGB frames (so no face is ever found) at a set
//! rate. For a demo kiosk that runs on keypad alone and for daemon tests.

use std::sync::Arc;

use super::{Camera, Clock, FakeSpec, Frame, FrameFormat, HwError, Pacer};

#[derive(Debug)]
pub struct FakeCamera {
    spec: FakeSpec,
    pacer: Pacer,
    clock: Arc<dyn Clock>,
    frames: u64,
}

impl FakeCamera {
    pub fn new(spec: &FakeSpec, clock: Arc<dyn Clock>) -> Self {
        FakeCamera {
            spec: spec.clone(),
            pacer: Pacer::new(spec.fps),
            clock,
            frames: 0,
        }
    }

    /// Frames handed out so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }
}

impl Camera for FakeCamera {
    fn next_frame(&mut self) -> Result<Frame, HwError> {
        let captured_at = self.pacer.wait(self.clock.as_ref());
        let (width, height) = (self.spec.width, self.spec.height);
        self.frames += 1;
        Ok(Frame {
            format: FrameFormat::Rgb { width, height },
            bytes: vec![128; width as usize * height as usize * 3],
            captured_at,
        })
    }

    fn describe(&self) -> String {
        format!(
            "fake camera {}x{} at {} fps (grey frames)",
            self.spec.width, self.spec.height, self.spec.fps
        )
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::hw::ManualClock;

    #[test]
    fn fake_frames_are_rgb_of_the_configured_size_and_paced() {
        let clock = ManualClock::new();
        let start = clock.now();
        let spec = FakeSpec {
            width: 4,
            height: 2,
            fps: 5.0,
        };
        let mut camera = FakeCamera::new(&spec, Arc::new(clock.clone()));
        let first = camera.next_frame().expect("frame");
        let second = camera.next_frame().expect("frame");
        assert_eq!(
            first.format,
            FrameFormat::Rgb {
                width: 4,
                height: 2
            }
        );
        assert_eq!(first.bytes.len(), 4 * 2 * 3);
        assert_eq!(second.captured_at - start, Duration::from_millis(200));
        assert_eq!(camera.frames(), 2);
    }
}
