//! A keypad for tests and the demo: keys come from a script and from a [`KeyFeeder`] handle
//! that a test keeps. When nothing is queued, `next_key` waits out its timeout like a real
//! keypad would, so a daemon loop never spins.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use super::{HwError, Key, Keypad, parse_key_line};

#[derive(Debug)]
pub struct FakeKeypad {
    keys: Receiver<Key>,
    /// Kept so the channel never disconnects, even after every feeder is dropped.
    feeder: KeyFeeder,
}

/// Presses keys on a [`FakeKeypad`] from another thread or test.
#[derive(Debug, Clone)]
pub struct KeyFeeder {
    keys: Sender<Key>,
}

impl KeyFeeder {
    pub fn press(&self, key: Key) {
        // The keypad owns a sender too, so the receiver is alive whenever a feeder is.
        let _ = self.keys.send(key);
    }

    /// Presses every key of a line in the text form, e.g. `"1001# 1234#"`.
    pub fn type_line(&self, line: &str) -> Result<(), HwError> {
        for key in parse_key_line(line)? {
            self.press(key);
        }
        Ok(())
    }
}

impl FakeKeypad {
    /// A keypad with nothing queued, and the handle that presses its keys.
    pub fn new() -> (Self, KeyFeeder) {
        let (keys, rx) = mpsc::channel();
        let feeder = KeyFeeder { keys };
        (
            FakeKeypad {
                keys: rx,
                feeder: feeder.clone(),
            },
            feeder,
        )
    }

    /// A keypad that plays `script` (text form) and then stays idle.
    pub fn scripted(script: &str) -> Result<Self, HwError> {
        let (keypad, feeder) = Self::new();
        feeder.type_line(script)?;
        Ok(keypad)
    }

    pub fn feeder(&self) -> KeyFeeder {
        self.feeder.clone()
    }
}

impl Keypad for FakeKeypad {
    fn next_key(&mut self, timeout: Duration) -> Result<Option<Key>, HwError> {
        match self.keys.recv_timeout(timeout) {
            Ok(key) => Ok(Some(key)),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => Ok(None),
        }
    }

    fn describe(&self) -> String {
        "fake keypad".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(keypad: &mut FakeKeypad) -> String {
        std::iter::from_fn(|| keypad.next_key(Duration::ZERO).expect("never fails"))
            .map(Key::as_char)
            .collect()
    }

    #[test]
    fn a_script_plays_in_order_then_the_keypad_is_idle() {
        let mut keypad = FakeKeypad::scripted("F1 1001# 1234#").expect("valid script");
        assert_eq!(drain(&mut keypad), "A1001#1234#");
        assert_eq!(keypad.next_key(Duration::ZERO).expect("no error"), None);
    }

    #[test]
    fn a_feeder_presses_keys_later_even_from_a_clone() {
        let (mut keypad, feeder) = FakeKeypad::new();
        assert_eq!(drain(&mut keypad), "");
        feeder.clone().press(Key::Cancel);
        feeder.type_line("42 ENTER").expect("valid");
        drop(feeder);
        assert_eq!(drain(&mut keypad), "*42#");
    }

    #[test]
    fn a_bad_script_is_refused() {
        let error = FakeKeypad::scripted("12Z").expect_err("Z is not a key");
        assert!(error.to_string().contains("`12Z`"), "{error}");
    }
}
