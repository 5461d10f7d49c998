//! The hardware layer's one error type. Each message names the device and says what to do,
//! because the person reading it is usually standing at a kiosk, not at a debugger.

/// Everything that can go wrong with kiosk hardware or its configuration.
#[derive(Debug, thiserror::Error)]
pub enum HwError {
    #[error("bad camera source `{spec}`: {part}: {reason}")]
    CameraSpec {
        spec: String,
        part: String,
        reason: String,
    },
    #[error(
        "camera {device} not found: check the cable, then list cameras with `v4l2-ctl --list-devices`"
    )]
    CameraNotFound { device: String },
    #[error("camera {device} busy: is another attendd (or another camera program) running?")]
    CameraBusy { device: String },
    #[error("no permission to open camera {device}: add the attendd user to the `video` group")]
    CameraPermission { device: String },
    #[error(
        "camera {device} cannot deliver {wanted}: {reason}; list its modes with `v4l2-ctl -d {device} --list-formats-ext` and change the camera source"
    )]
    CameraFormat {
        device: String,
        wanted: String,
        reason: String,
    },
    #[error("camera {device} failed: {reason}; replug it or restart attendd")]
    Camera { device: String, reason: String },
    #[error("image folder {dir}: {reason}")]
    ImageDir { dir: String, reason: String },
    #[error("camera {name} has no more frames: add `loop=true` to its source to replay it")]
    CameraEnded { name: String },

    #[error("GPIO for {what}: {reason}")]
    Gpio { what: String, reason: String },

    #[error("keypad {device} not found: check the cable and `ls /dev/input/by-id/`")]
    KeypadNotFound { device: String },
    #[error("keypad {device} is grabbed by another program: is another attendd running?")]
    KeypadBusy { device: String },
    #[error("no permission to read keypad {device}: add the attendd user to the `input` group")]
    KeypadPermission { device: String },
    #[error("keypad {device}: {reason}")]
    Keypad { device: String, reason: String },
    #[error("keypad {device} is gone ({reason}): no more keys will arrive; restart attendd")]
    KeypadClosed { device: String, reason: String },
    #[error("bad key input `{input}`: {reason}")]
    KeyInput { input: String, reason: String },

    #[error(
        "relay channel {channel} does not exist: {count} relays are configured (channels count from 0)"
    )]
    NoSuchRelay { channel: u8, count: usize },

    #[error("hardware config: {reason}")]
    Config { reason: String },
}

impl HwError {
    /// Maps an rppal error to advice. `what` names the pin's job, e.g. `relay 0 (BCM 17)`.
    pub(crate) fn gpio(what: impl Into<String>, error: &rppal::gpio::Error) -> Self {
        use rppal::gpio::Error as E;
        let reason = match error {
            E::UnknownModel => "this is not a Raspberry Pi (rppal cannot identify the board); \
                                use `kind = \"fake\"` off a Pi"
                .to_owned(),
            E::PermissionDenied(path) => {
                format!("permission denied on {path}: add the attendd user to the `gpio` group")
            }
            E::PinUsed(pin) => {
                format!("BCM pin {pin} is already in use: is another attendd running?")
            }
            E::PinNotAvailable(pin) => {
                format!("BCM pin {pin} does not exist on this board: use a BCM number from 0 to 27")
            }
            other => other.to_string(),
        };
        HwError::Gpio {
            what: what.into(),
            reason,
        }
    }
}
