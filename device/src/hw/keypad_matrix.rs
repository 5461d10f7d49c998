//! The real matrix keypad: a thin rppal driver around [`Debouncer`].
//!
//! Columns are inputs with pull-ups. Each row in turn is made an output driven low, and a
//! column that reads low has its key closed. Rows that are not being scanned are left as
//! inputs (high impedance) rather than driven high: two keys pressed in one column would
//! otherwise short a high row to the low one.
//!
//! Scanning happens only inside `next_key`, so the daemon should call it in a loop on its own
//! thread; a press shorter than the gap between calls can be missed.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rppal::gpio::{Bias, Gpio, InputPin, IoPin, Mode};

use super::matrix::scan_bit;
use super::{Debouncer, HwError, Key, Keypad, MatrixConfig};

/// How long a row is driven before its columns are read, for the pull-ups to settle.
const SETTLE: Duration = Duration::from_micros(10);

#[derive(Debug)]
pub struct MatrixKeypad {
    rows: Vec<IoPin>,
    cols: Vec<InputPin>,
    debouncer: Debouncer,
    scan_interval: Duration,
    pending: VecDeque<Key>,
    description: String,
}

impl MatrixKeypad {
    pub fn open(config: &MatrixConfig) -> Result<Self, HwError> {
        let layout = config.layout()?;
        let gpio = Gpio::new().map_err(|e| HwError::gpio("the matrix keypad", &e))?;
        let pin = |role: &str, i: usize, bcm: u8| {
            gpio.get(bcm)
                .map_err(|e| HwError::gpio(format!("keypad {role} {i} (BCM {bcm})"), &e))
        };
        let mut rows = Vec::new();
        for (i, &bcm) in config.rows.iter().enumerate() {
            let mut row = pin("row", i, bcm)?.into_io(Mode::Input);
            row.set_bias(Bias::Off);
            rows.push(row);
        }
        let mut cols = Vec::new();
        for (i, &bcm) in config.cols.iter().enumerate() {
            cols.push(pin("column", i, bcm)?.into_input_pullup());
        }
        Ok(MatrixKeypad {
            description: format!(
                "matrix keypad {}x{} rows BCM {:?} cols BCM {:?}, debounce {} ms",
                layout.rows(),
                layout.cols(),
                config.rows,
                config.cols,
                config.debounce_ms
            ),
            rows,
            cols,
            debouncer: Debouncer::new(layout, Duration::from_millis(config.debounce_ms)),
            scan_interval: Duration::from_millis(config.scan_interval_ms.max(1)),
            pending: VecDeque::new(),
        })
    }

    /// One pass over the matrix: the scan mask of closed keys.
    fn scan(&mut self) -> u16 {
        let mut closed = 0;
        for (r, row) in self.rows.iter_mut().enumerate() {
            row.set_mode(Mode::Output);
            row.set_low();
            std::thread::sleep(SETTLE);
            for (c, col) in self.cols.iter().enumerate() {
                if col.is_low() {
                    closed |= scan_bit(r, c);
                }
            }
            row.set_mode(Mode::Input);
        }
        closed
    }
}

impl Keypad for MatrixKeypad {
    fn next_key(&mut self, timeout: Duration) -> Result<Option<Key>, HwError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(key) = self.pending.pop_front() {
                return Ok(Some(key));
            }
            let closed = self.scan();
            self.pending
                .extend(self.debouncer.on_scan(Instant::now(), closed));
            if self.pending.is_empty() {
                if Instant::now() >= deadline {
                    return Ok(None);
                }
                std::thread::sleep(self.scan_interval);
            }
        }
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hw::config::running_on_a_pi;

    fn config() -> MatrixConfig {
        MatrixConfig {
            rows: vec![5, 6, 13, 19],
            cols: vec![12, 16, 20, 21],
            debounce_ms: 20,
            scan_interval_ms: 5,
            layout: None,
        }
    }

    #[test]
    fn off_a_pi_the_matrix_keypad_fails_with_a_clear_error() {
        if running_on_a_pi() {
            eprintln!("skipped: this is a Raspberry Pi, so GPIO would open");
            return;
        }
        let error = MatrixKeypad::open(&config()).expect_err("no GPIO here");
        let message = error.to_string();
        assert!(message.contains("not a Raspberry Pi"), "{message}");
        assert!(message.contains("kind = \"fake\""), "{message}");
    }

    #[test]
    fn a_layout_that_does_not_match_the_pins_is_refused_before_gpio() {
        let mut config = config();
        config.layout = Some(["123A", "456B", "789C", "*0#D"].map(String::from).to_vec());
        config.cols.pop();
        let error = MatrixKeypad::open(&config).expect_err("4 layout columns, 3 pins");
        assert!(matches!(error, HwError::Config { .. }), "{error}");
    }

    #[test]
    #[ignore = "needs a Raspberry Pi with a 4x4 keypad on BCM 5,6,13,19 / 12,16,20,21: press 1"]
    fn a_real_keypad_reports_the_pressed_key() {
        let mut keypad = MatrixKeypad::open(&config()).expect("GPIO opens");
        let key = keypad.next_key(Duration::from_secs(30)).expect("scans");
        assert_eq!(key, Key::from_char('1'));
    }
}
