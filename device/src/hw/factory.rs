//! Builds the devices named in [`HwConfig`]. Outputs come first and are driven to their safe
//! state before anything else is opened, so a camera that fails to open leaves relays safe.

use std::sync::Arc;

use super::{
    Camera, CameraSpec, Clock, DirCamera, EvdevKeypad, FakeCamera, FakeKeypad, FakeOutputs,
    GpioOutputs, HwConfig, HwError, KeyFeeder, Keypad, KeypadConfig, LineKeypad, MatrixKeypad,
    OutputLog, Outputs, OutputsConfig, SafeState, SocketKeypad, SystemClock, V4lCamera,
};

/// The kiosk's devices, ready to use.
pub struct Hardware {
    pub camera: Box<dyn Camera>,
    pub keypad: Box<dyn Keypad>,
    pub outputs: Box<dyn Outputs>,
    /// With fake outputs: their record.
    pub output_log: Option<OutputLog>,
    /// With a fake keypad: the handle that presses its keys.
    pub key_feeder: Option<KeyFeeder>,
}

impl std::fmt::Debug for Hardware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hardware")
            .field("camera", &self.camera.describe())
            .field("keypad", &self.keypad.describe())
            .field("outputs", &self.outputs.describe())
            .finish_non_exhaustive()
    }
}

/// Validates `config`, opens every device and drives the outputs to their safe state.
pub fn build(config: &HwConfig) -> Result<Hardware, HwError> {
    build_with_clock(config, Arc::new(SystemClock))
}

/// [`build`] with the clock that paces replayed cameras and stamps fake outputs.
pub fn build_with_clock(config: &HwConfig, clock: Arc<dyn Clock>) -> Result<Hardware, HwError> {
    config.validate()?;
    let (mut outputs, output_log) = open_outputs(&config.outputs, Arc::clone(&clock))?;
    outputs.safe_state()?;
    let (keypad, key_feeder) = open_keypad(&config.keypad)?;
    let camera = open_camera(&config.camera.source, clock)?;
    Ok(Hardware {
        camera,
        keypad,
        outputs,
        output_log,
        key_feeder,
    })
}

/// Opens one camera; the daemon can call this again to recover from a camera error.
pub fn open_camera(spec: &CameraSpec, clock: Arc<dyn Clock>) -> Result<Box<dyn Camera>, HwError> {
    Ok(match spec {
        CameraSpec::V4l(v4l) => Box::new(V4lCamera::open(v4l)?),
        CameraSpec::Dir(dir) => Box::new(DirCamera::open(dir, clock)?),
        CameraSpec::Fake(fake) => Box::new(FakeCamera::new(fake, clock)),
    })
}

pub fn open_keypad(config: &KeypadConfig) -> Result<(Box<dyn Keypad>, Option<KeyFeeder>), HwError> {
    Ok(match config {
        KeypadConfig::Matrix(matrix) => (Box::new(MatrixKeypad::open(matrix)?), None),
        KeypadConfig::Evdev { device } => (Box::new(EvdevKeypad::open(device)?), None),
        KeypadConfig::Stdin => (Box::new(LineKeypad::stdin()?), None),
        KeypadConfig::Socket { path } => (Box::new(SocketKeypad::bind(path)?), None),
        KeypadConfig::Fake { script } => {
            let keypad = FakeKeypad::scripted(script)?;
            let feeder = keypad.feeder();
            (Box::new(keypad), Some(feeder))
        }
    })
}

pub fn open_outputs(
    config: &OutputsConfig,
    clock: Arc<dyn Clock>,
) -> Result<(Box<dyn Outputs>, Option<OutputLog>), HwError> {
    Ok(match config {
        OutputsConfig::Gpio(gpio) => (Box::new(GpioOutputs::open(gpio)?), None),
        OutputsConfig::Fake { relays } => {
            let outputs = FakeOutputs::new(vec![SafeState::Off; usize::from(*relays)], clock);
            let log = outputs.log();
            (Box::new(outputs), Some(log))
        }
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::hw::{FakeSpec, Key, ManualClock, OutputChange};

    fn fake_config() -> HwConfig {
        let camera = CameraSpec::Fake(FakeSpec {
            width: 8,
            height: 8,
            fps: 5.0,
        });
        let mut config = HwConfig::fake(camera, 2);
        config.keypad = KeypadConfig::Fake {
            script: "F1 9#".into(),
        };
        config
    }

    #[test]
    fn an_all_fake_config_builds_working_devices_with_relays_safe() {
        let mut hw =
            build_with_clock(&fake_config(), Arc::new(ManualClock::new())).expect("builds");
        let log = hw.output_log.clone().expect("fake outputs have a log");
        assert_eq!(
            log.changes(),
            [
                OutputChange::SafeState,
                OutputChange::Relay {
                    channel: 0,
                    on: false
                },
                OutputChange::Relay {
                    channel: 1,
                    on: false
                },
                OutputChange::Led(crate::hw::LedState::Off),
            ],
            "safe state is driven at start"
        );
        assert_eq!(
            hw.keypad.next_key(Duration::ZERO).expect("key"),
            Some(Key::F1)
        );
        hw.key_feeder
            .as_ref()
            .expect("fake keypad feeder")
            .press(Key::Cancel);
        assert_eq!(
            hw.keypad.next_key(Duration::ZERO).expect("key"),
            Key::from_char('9')
        );
        let frame = hw.camera.next_frame().expect("frame");
        assert_eq!(frame.bytes.len(), 8 * 8 * 3);
        hw.outputs.set_relay(1, true).expect("relay 1");
        assert_eq!(log.relay_history(1), [false, true]);
        assert!(format!("{hw:?}").contains("fake camera 8x8"));
    }

    #[test]
    fn a_missing_camera_fails_the_build_with_the_camera_error() {
        let mut config = fake_config();
        config.camera.source = "v4l:/dev/video99".parse().expect("valid spec");
        let error = build(&config).expect_err("no camera");
        assert!(
            error.to_string().contains("camera /dev/video99 not found"),
            "{error}"
        );
    }

    #[test]
    fn an_invalid_config_is_refused_before_any_device_opens() {
        let mut config = fake_config();
        config.keypad = KeypadConfig::Matrix(crate::hw::MatrixConfig {
            rows: vec![5, 6, 13, 19],
            cols: vec![5, 16, 20, 21],
            debounce_ms: 20,
            scan_interval_ms: 5,
            layout: None,
        });
        let error = build(&config).expect_err("pin 5 twice");
        assert!(matches!(error, HwError::Config { .. }), "{error}");
    }
}
