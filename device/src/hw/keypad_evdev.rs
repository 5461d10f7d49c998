//! The real USB keypad: an evdev input device, grabbed so its keys never reach a console or
//! the kiosk browser.
//!
//! Key mapping (raw key codes, so NumLock does not matter):
//! - `0`–`9` and keypad `0`–`9` → digits;
//! - Enter and keypad Enter → [`Key::Enter`];
//! - keypad `*`, Esc and Backspace → [`Key::Cancel`];
//! - F1–F4 → [`Key::F1`]–[`Key::F4`], and on a numeric keypad, which has no F keys,
//!   keypad `/` `-` `+` `.` → F1 F2 F3 F4.
//!
//! Only presses count (value 1); releases and the kernel's autorepeat (value 2) are dropped.
//! The device is read non-blocking and polled every 10 ms: that keeps the code free of
//! `unsafe` poll calls and lets drop release the grab at once.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::path::Path;
use std::time::{Duration, Instant};

use evdev::{Device, EventSummary, KeyCode};

use super::{Digit, HwError, Key, Keypad};

const POLL: Duration = Duration::from_millis(10);

pub struct EvdevKeypad {
    device: Device,
    path: String,
    name: String,
    pending: VecDeque<Key>,
}

impl std::fmt::Debug for EvdevKeypad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvdevKeypad")
            .field("path", &self.path)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The [`Key`] for an evdev key code, if it is one the kiosk uses.
pub fn key_for_code(code: KeyCode) -> Option<Key> {
    let digits = [
        (KeyCode::KEY_0, KeyCode::KEY_KP0),
        (KeyCode::KEY_1, KeyCode::KEY_KP1),
        (KeyCode::KEY_2, KeyCode::KEY_KP2),
        (KeyCode::KEY_3, KeyCode::KEY_KP3),
        (KeyCode::KEY_4, KeyCode::KEY_KP4),
        (KeyCode::KEY_5, KeyCode::KEY_KP5),
        (KeyCode::KEY_6, KeyCode::KEY_KP6),
        (KeyCode::KEY_7, KeyCode::KEY_KP7),
        (KeyCode::KEY_8, KeyCode::KEY_KP8),
        (KeyCode::KEY_9, KeyCode::KEY_KP9),
    ];
    if let Some(n) = digits
        .iter()
        .position(|&(top, pad)| code == top || code == pad)
    {
        return Digit::new(n as u8).map(Key::Digit);
    }
    Some(match code {
        KeyCode::KEY_ENTER | KeyCode::KEY_KPENTER => Key::Enter,
        KeyCode::KEY_KPASTERISK | KeyCode::KEY_ESC | KeyCode::KEY_BACKSPACE => Key::Cancel,
        KeyCode::KEY_F1 | KeyCode::KEY_KPSLASH => Key::F1,
        KeyCode::KEY_F2 | KeyCode::KEY_KPMINUS => Key::F2,
        KeyCode::KEY_F3 | KeyCode::KEY_KPPLUS => Key::F3,
        KeyCode::KEY_F4 | KeyCode::KEY_KPDOT => Key::F4,
        _ => return None,
    })
}

impl EvdevKeypad {
    /// Opens and grabs `path`, e.g. `/dev/input/by-id/usb-…-event-kbd`.
    pub fn open(path: &Path) -> Result<Self, HwError> {
        let shown = path.display().to_string();
        let mut device = Device::open(path).map_err(|e| io_error(&shown, &e))?;
        let has_digits = device
            .supported_keys()
            .is_some_and(|keys| keys.contains(KeyCode::KEY_KP1) || keys.contains(KeyCode::KEY_1));
        if !has_digits {
            return Err(HwError::Keypad {
                device: shown,
                reason: "it has no number keys: pick the keypad's `-event-kbd` node".into(),
            });
        }
        device.grab().map_err(|e| io_error(&shown, &e))?;
        device
            .set_nonblocking(true)
            .map_err(|e| io_error(&shown, &e))?;
        Ok(EvdevKeypad {
            name: device.name().unwrap_or("unnamed").to_owned(),
            device,
            path: shown,
            pending: VecDeque::new(),
        })
    }
}

fn io_error(device: &str, error: &std::io::Error) -> HwError {
    let device = device.to_owned();
    match (error.kind(), error.raw_os_error()) {
        (ErrorKind::NotFound, _) => HwError::KeypadNotFound { device },
        (ErrorKind::PermissionDenied, _) => HwError::KeypadPermission { device },
        (_, Some(16)) => HwError::KeypadBusy { device },
        (_, Some(19)) => HwError::KeypadClosed {
            device,
            reason: "unplugged".into(),
        },
        (_, Some(25)) => HwError::Keypad {
            device,
            reason: "not an input event device: use a /dev/input/event* node".into(),
        },
        _ => HwError::Keypad {
            device,
            reason: error.to_string(),
        },
    }
}

impl Keypad for EvdevKeypad {
    fn next_key(&mut self, timeout: Duration) -> Result<Option<Key>, HwError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(key) = self.pending.pop_front() {
                return Ok(Some(key));
            }
            match self.device.fetch_events() {
                Ok(events) => {
                    for event in events {
                        if let EventSummary::Key(_, code, 1) = event.destructure() {
                            self.pending.extend(key_for_code(code));
                        }
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => return Err(io_error(&self.path, &e)),
            }
            if self.pending.is_empty() {
                if Instant::now() >= deadline {
                    return Ok(None);
                }
                std::thread::sleep(POLL);
            }
        }
    }

    fn describe(&self) -> String {
        format!("evdev keypad {} ({})", self.path, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> Option<Key> {
        Key::from_char(c)
    }

    #[test]
    fn number_row_and_keypad_digits_map_to_the_same_digit() {
        assert_eq!(key_for_code(KeyCode::KEY_7), key('7'));
        assert_eq!(key_for_code(KeyCode::KEY_KP7), key('7'));
        assert_eq!(key_for_code(KeyCode::KEY_0), key('0'));
        assert_eq!(key_for_code(KeyCode::KEY_KP0), key('0'));
    }

    #[test]
    fn enter_cancel_and_function_keys_map_as_documented() {
        let cases = [
            (KeyCode::KEY_KPENTER, Key::Enter),
            (KeyCode::KEY_ENTER, Key::Enter),
            (KeyCode::KEY_KPASTERISK, Key::Cancel),
            (KeyCode::KEY_ESC, Key::Cancel),
            (KeyCode::KEY_BACKSPACE, Key::Cancel),
            (KeyCode::KEY_F1, Key::F1),
            (KeyCode::KEY_KPSLASH, Key::F1),
            (KeyCode::KEY_KPMINUS, Key::F2),
            (KeyCode::KEY_F3, Key::F3),
            (KeyCode::KEY_KPPLUS, Key::F3),
            (KeyCode::KEY_KPDOT, Key::F4),
        ];
        for (code, expected) in cases {
            assert_eq!(key_for_code(code), Some(expected), "{code:?}");
        }
        assert_eq!(key_for_code(KeyCode::KEY_NUMLOCK), None);
        assert_eq!(key_for_code(KeyCode::KEY_A), None);
    }

    #[test]
    fn a_missing_device_gives_a_clear_error() {
        let error = EvdevKeypad::open(Path::new("/dev/input/event-nope")).expect_err("missing");
        assert!(matches!(error, HwError::KeypadNotFound { .. }), "{error}");
        assert!(
            error.to_string().contains("/dev/input/event-nope"),
            "{error}"
        );
    }

    #[test]
    fn a_node_that_is_not_an_input_device_is_refused() {
        let error = EvdevKeypad::open(Path::new("/dev/null")).expect_err("not evdev");
        assert!(error.to_string().contains("/dev/null"), "{error}");
        assert!(!matches!(error, HwError::KeypadNotFound { .. }), "{error}");
    }

    #[test]
    #[ignore = "needs a USB keypad at ATTEND_TEST_KEYPAD (an /dev/input/event* path): press 5"]
    fn a_real_usb_keypad_reports_a_press() {
        let path = std::env::var("ATTEND_TEST_KEYPAD").expect("set ATTEND_TEST_KEYPAD");
        let mut keypad = EvdevKeypad::open(Path::new(&path)).expect("opens");
        let pressed = keypad.next_key(Duration::from_secs(30)).expect("reads");
        assert_eq!(pressed, key('5'), "{}", keypad.describe());
    }
}
