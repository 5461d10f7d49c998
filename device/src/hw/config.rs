//! The hardware sections of the kiosk config. Pins are BCM GPIO numbers (not header pin
//! numbers). Unknown keys are refused, so a misspelt setting fails at start.
//!
//! ```toml
//! [camera]
//! source = "v4l:/dev/video0@1280x720:15:mjpeg"   # or "dir:/srv/frames?fps=2", "fake"
//!
//! [keypad]
//! kind = "matrix"                # or "evdev" (device = …), "socket" (path = …), "stdin",
//! rows = [5, 6, 13, 19]          #    "fake" (script = "1001#1234#")
//! cols = [12, 16, 20, 21]
//! debounce_ms = 20               # default 20
//! scan_interval_ms = 5           # default 5
//! layout = ["123A", "456B", "789C", "*0#D"]   # default; 3 columns drop the A-D column
//!
//! [outputs]
//! kind = "gpio"                  # or "fake" (relays = 2)
//! led = { pin = 23 }
//! buzzer = { pin = 24, active_low = false }
//! relays = [{ pin = 17, active_low = true }, { pin = 27, safe = "on" }]
//! ```

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{CameraSpec, HwError, MatrixLayout};

/// `[camera]`, `[keypad]` and `[outputs]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HwConfig {
    pub camera: CameraConfig,
    pub keypad: KeypadConfig,
    pub outputs: OutputsConfig,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CameraConfig {
    pub source: CameraSpec,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum KeypadConfig {
    /// A 4×4 or 4×3 membrane keypad on GPIO.
    Matrix(MatrixConfig),
    /// A USB keypad, e.g. `/dev/input/by-id/usb-…-event-kbd`; grabbed exclusively.
    Evdev { device: PathBuf },
    /// Lines of keys on standard input (development).
    Stdin,
    /// Lines of keys sent to a Unix socket this keypad listens on (demo, tests).
    Socket { path: PathBuf },
    /// Plays `script` (key text form) once, then stays idle.
    Fake {
        // Skipped when empty so the default serialises as `{ kind = "fake" }` alone, and a
        // layered config (figment) that switches `kind` is not left with a stray `script`.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        script: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixConfig {
    pub rows: Vec<u8>,
    pub cols: Vec<u8>,
    #[serde(default = "default_debounce_ms")]
    pub debounce_ms: u64,
    #[serde(default = "default_scan_interval_ms")]
    pub scan_interval_ms: u64,
    /// One string per row; defaults to the standard layout for the number of columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<Vec<String>>,
}

fn default_debounce_ms() -> u64 {
    20
}

fn default_scan_interval_ms() -> u64 {
    5
}

impl MatrixConfig {
    /// The key layout, checked against the number of row and column pins.
    pub fn layout(&self) -> Result<MatrixLayout, HwError> {
        let layout = match &self.layout {
            Some(rows) => MatrixLayout::from_rows(rows)?,
            None => MatrixLayout::standard(self.cols.len())?,
        };
        if layout.rows() != self.rows.len() || layout.cols() != self.cols.len() {
            return Err(HwError::Config {
                reason: format!(
                    "keypad layout is {}x{} but {} row and {} column pins are given",
                    layout.rows(),
                    layout.cols(),
                    self.rows.len(),
                    self.cols.len()
                ),
            });
        }
        Ok(layout)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OutputsConfig {
    Gpio(GpioOutputsConfig),
    /// Records commands instead of switching anything; `relays` channels, all safe off.
    Fake {
        relays: u8,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GpioOutputsConfig {
    /// Channel 0 is the first entry.
    #[serde(default)]
    pub relays: Vec<RelayConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub led: Option<OutputPinConfig>,
    /// An active buzzer (it sounds when powered); passive ones need a tone and are not supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buzzer: Option<OutputPinConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RelayConfig {
    pub pin: u8,
    /// Most opto-isolated relay boards switch on when their input is pulled low.
    #[serde(default)]
    pub active_low: bool,
    #[serde(default)]
    pub safe: SafeState,
}

/// Where a relay goes on start, on shutdown and when anything fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SafeState {
    #[default]
    Off,
    On,
}

impl SafeState {
    pub fn is_on(self) -> bool {
        self == SafeState::On
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutputPinConfig {
    pub pin: u8,
    #[serde(default)]
    pub active_low: bool,
}

impl Default for HwConfig {
    /// A USB camera at `/dev/video0` (640x480 MJPEG at 15 fps), and no keypad or outputs
    /// (fakes that never press a key and have no relays): a kiosk that works by face alone
    /// until its hardware is configured. Each section is replaced whole by a config file.
    fn default() -> Self {
        HwConfig {
            camera: CameraConfig {
                source: CameraSpec::V4l(super::V4lSpec {
                    device: "/dev/video0".into(),
                    width: 640,
                    height: 480,
                    fps: 15,
                    format: super::PixelFormat::Mjpeg,
                }),
            },
            keypad: KeypadConfig::Fake {
                script: String::new(),
            },
            outputs: OutputsConfig::Fake { relays: 0 },
        }
    }
}

impl HwConfig {
    /// Everything fake: replayed or grey frames, a scripted keypad, recorded outputs.
    pub fn fake(camera: CameraSpec, relays: u8) -> Self {
        HwConfig {
            camera: CameraConfig { source: camera },
            keypad: KeypadConfig::Fake {
                script: String::new(),
            },
            outputs: OutputsConfig::Fake { relays },
        }
    }

    /// Checks what serde cannot: keypad shape, pin numbers and that no pin has two jobs.
    pub fn validate(&self) -> Result<(), HwError> {
        let mut pins: Vec<(u8, String)> = Vec::new();
        if let KeypadConfig::Matrix(matrix) = &self.keypad {
            matrix.layout()?;
            pins.extend(
                matrix
                    .rows
                    .iter()
                    .enumerate()
                    .map(|(i, &p)| (p, format!("keypad row {i}"))),
            );
            pins.extend(
                matrix
                    .cols
                    .iter()
                    .enumerate()
                    .map(|(i, &p)| (p, format!("keypad column {i}"))),
            );
        }
        if let OutputsConfig::Gpio(gpio) = &self.outputs {
            pins.extend(
                gpio.relays
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r.pin, format!("relay {i}"))),
            );
            pins.extend(gpio.led.iter().map(|l| (l.pin, "the LED".to_owned())));
            pins.extend(gpio.buzzer.iter().map(|b| (b.pin, "the buzzer".to_owned())));
        }
        for (i, (pin, role)) in pins.iter().enumerate() {
            if *pin > 27 {
                return Err(HwError::Config {
                    reason: format!("{role} is on BCM pin {pin}: the header has BCM 0 to 27"),
                });
            }
            if let Some((_, first)) = pins[..i].iter().find(|(p, _)| p == pin) {
                return Err(HwError::Config {
                    reason: format!("BCM pin {pin} is used by both {first} and {role}"),
                });
            }
        }
        Ok(())
    }
}

/// True on a Raspberry Pi, where GPIO tests would really switch pins.
#[cfg(test)]
pub(crate) fn running_on_a_pi() -> bool {
    std::fs::read_to_string("/proc/device-tree/model").is_ok_and(|m| m.contains("Raspberry Pi"))
}

#[cfg(test)]
#[path = "tests/config.rs"]
mod tests;
