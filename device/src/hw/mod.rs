//! The kiosk's hardware: camera, keypad, relays, status LED and buzzer.
//!
//! Every device is a trait with a real backend and a fake one, and [`build`] picks them from
//! [`HwConfig`]. Nothing outside this module touches V4L2, GPIO or evdev.
//!
//! - `error`            [`HwError`]: every failure, each message saying what to do
//! - `clock`            [`Clock`]: time that tests can move by hand; frame pacing
//! - `config`           [`HwConfig`]: the `[camera]`, `[keypad]` and `[outputs]` sections
//! - `factory`          [`build`]: config → boxed devices, relays driven to their safe state
//! - `camera_spec`      [`CameraSpec`]: `v4l:…`, `dir:…` and `fake` source strings
//! - `camera_v4l`       real camera: V4L2 through nokhwa, raw MJPEG or YUYV bytes, newest only
//! - `camera_v4l_node`  finding `/dev/videoN`; V4L2 failures turned into advice
//! - `camera_dir`       replays a folder of JPEG/PNG files at a set rate (demo, tests)
//! - `camera_fake`      synthetic grey frames, no files needed
//! - `key`              [`Key`] and the text form of keys (`1234#`, `F1`, `ENTER`)
//! - `matrix`           pure scan/debounce state machine for a 4×4 (or 4×3) matrix keypad
//! - `keypad_matrix`    real keypad: the matrix scanned through rppal GPIO
//! - `keypad_evdev`     real keypad: a USB HID keypad through evdev, grabbed exclusively
//! - `keypad_lines`     development keypads: lines of keys from stdin or a Unix socket
//! - `keypad_fake`      scripted keys and a feeder handle for tests
//! - `outputs_gpio`     real relays, LED and buzzer on rppal output pins
//! - `outputs_fake`     records every output command with a timestamp for tests
//! - `tests/`           unit tests too long to sit beside their module

mod camera_dir;
mod camera_fake;
mod camera_spec;
mod camera_v4l;
mod camera_v4l_node;
mod clock;
mod config;
mod error;
mod factory;
mod key;
mod keypad_evdev;
mod keypad_fake;
mod keypad_lines;
mod keypad_matrix;
mod matrix;
mod outputs_fake;
mod outputs_gpio;

use std::time::{Duration, Instant};

pub use camera_dir::DirCamera;
pub use camera_fake::FakeCamera;
pub use camera_spec::{CameraSpec, DirSpec, FakeSpec, PixelFormat, V4lSpec};
pub use camera_v4l::V4lCamera;
pub use clock::{Clock, ManualClock, Pacer, SystemClock};
pub use config::{
    CameraConfig, GpioOutputsConfig, HwConfig, KeypadConfig, MatrixConfig, OutputPinConfig,
    OutputsConfig, RelayConfig, SafeState,
};
pub use error::HwError;
pub use factory::{Hardware, build, build_with_clock, open_camera, open_keypad, open_outputs};
pub use key::{Digit, Key, parse_key_line};
pub use keypad_evdev::{EvdevKeypad, key_for_code};
pub use keypad_fake::{FakeKeypad, KeyFeeder};
pub use keypad_lines::{LineKeypad, SocketKeypad};
pub use keypad_matrix::MatrixKeypad;
pub use matrix::{Debouncer, MatrixLayout, scan_bit};
pub use outputs_fake::{FakeOutputs, OutputChange, OutputEvent, OutputLog};
pub use outputs_gpio::GpioOutputs;

/// How a frame's bytes are encoded. Decoding happens later, in the vision pipeline; each
/// variant maps one-to-one onto `attend_vision::image::FrameFormat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameFormat {
    /// A JPEG file or one MJPEG frame.
    Jpeg,
    /// A PNG file.
    Png,
    /// YUYV 4:2:2 (Y0 U Y1 V), as V4L2 webcams deliver it.
    Yuyv { width: u32, height: u32 },
    /// Packed 8-bit RGB, row-major, no padding.
    Rgb { width: u32, height: u32 },
}

/// One captured frame, still encoded.
#[derive(Debug, Clone)]
pub struct Frame {
    pub format: FrameFormat,
    pub bytes: Vec<u8>,
    /// When the frame was taken (or, for replayed sources, handed out).
    pub captured_at: Instant,
}

/// A source of frames. `next_frame` blocks until the next frame is due.
pub trait Camera: Send {
    fn next_frame(&mut self) -> Result<Frame, HwError>;
    /// One line for logs and the status page, e.g. `v4l /dev/video0 1280x720 MJPEG @ 15 fps`.
    fn describe(&self) -> String;
}

/// A source of key presses. Each physical press yields exactly one [`Key`]; holding a key
/// does not repeat it.
pub trait Keypad: Send {
    /// Waits at most `timeout` for a key; `Ok(None)` means no key arrived in time.
    fn next_key(&mut self, timeout: Duration) -> Result<Option<Key>, HwError>;
    fn describe(&self) -> String;
}

/// The status LED's states. The daemon decides what each one means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedState {
    Off,
    On,
    /// About 1 Hz.
    BlinkSlow,
    /// About 4 Hz.
    BlinkFast,
}

impl LedState {
    /// Blink frequency in hertz, or `None` for a steady state.
    pub fn blink_hz(self) -> Option<f64> {
        match self {
            LedState::Off | LedState::On => None,
            LedState::BlinkSlow => Some(1.0),
            LedState::BlinkFast => Some(4.0),
        }
    }
}

/// Buzzer patterns, short enough (< 1 s) that a new one never waits long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeepPattern {
    /// One short beep: a key or an accepted punch.
    Short,
    /// Two short beeps.
    Double,
    /// One long beep: refused or an error.
    Long,
}

impl BeepPattern {
    /// The pattern as (buzzer on?, milliseconds) steps; it always ends with the buzzer off.
    pub fn steps(self) -> &'static [(bool, u64)] {
        match self {
            BeepPattern::Short => &[(true, 80), (false, 20)],
            BeepPattern::Double => &[(true, 80), (false, 80), (true, 80), (false, 20)],
            BeepPattern::Long => &[(true, 600), (false, 20)],
        }
    }
}

/// Relays, the status LED and the buzzer. Relay channels are numbered from 0 in config order.
pub trait Outputs: Send {
    /// Switches relay `channel` on (energised) or off; active-low wiring is handled here.
    fn set_relay(&mut self, channel: u8, on: bool) -> Result<(), HwError>;
    /// The last state set on `channel`; `false` for a channel that does not exist.
    fn relay(&self, channel: u8) -> bool;
    fn relay_count(&self) -> usize;
    fn set_led(&mut self, state: LedState) -> Result<(), HwError>;
    /// Starts a pattern and returns at once; a pattern already playing is not interrupted.
    fn beep(&mut self, pattern: BeepPattern) -> Result<(), HwError>;
    /// Drives every relay to its configured safe state, the LED and buzzer off. Called on
    /// start, on shutdown and (real backend) on drop.
    fn safe_state(&mut self) -> Result<(), HwError>;
    fn describe(&self) -> String;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_beep_pattern_ends_with_the_buzzer_off_and_is_short() {
        for pattern in [BeepPattern::Short, BeepPattern::Double, BeepPattern::Long] {
            let steps = pattern.steps();
            assert_eq!(steps.last().map(|s| s.0), Some(false), "{pattern:?}");
            assert!(steps.iter().all(|s| s.1 > 0), "{pattern:?}");
            assert!(steps.iter().map(|s| s.1).sum::<u64>() < 1000, "{pattern:?}");
        }
    }

    #[test]
    fn only_blinking_led_states_have_a_frequency() {
        assert_eq!(LedState::On.blink_hz(), None);
        assert_eq!(LedState::Off.blink_hz(), None);
        assert!(LedState::BlinkFast.blink_hz() > LedState::BlinkSlow.blink_hz());
    }
}
