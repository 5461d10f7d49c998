//! The keypad grammar, as a pure state machine. The decisions, documented in ARCHITECTURE.md:
//! - PIN punch: employee number, `#`, PIN, `#` (e.g. `1001#1234#`). The PIN is echoed masked.
//! - Function keys before identifying choose the punch: F1 clock in, F2 clock out, F3 break
//!   (start or end, by the person's state). F4 stops the identified worker's machines.
//! - Equipment: for `window_ms` after a worker is identified (by face or PIN), digits and `#`
//!   are a machine's code for that worker.
//! - `*` cancels whatever is being typed. Entries left idle for `timeout_ms` are dropped, a
//!   chosen punch included.
//! - A bad sequence (an empty number, a PIN of the wrong length, too many digits) is answered
//!   with a message and leads to nothing being written.

use attend_protocol::ids::EmployeeId;

use super::punch::PunchKey;
use crate::hw::{Digit, Key};

/// What the daemon should do after a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Update the keypad echo line (digits of a PIN are masked).
    Echo {
        prompt: &'static str,
        shown: String,
    },
    /// A punch type was chosen for the next identification.
    Chosen(Choice),
    /// Check this PIN for this employee number.
    Pin {
        number: String,
        pin: String,
        choice: Option<Choice>,
    },
    /// The identified worker typed a machine code.
    EquipmentCode {
        worker: EmployeeId,
        code: String,
    },
    /// The identified worker pressed stop.
    Stop {
        worker: EmployeeId,
    },
    Cancelled,
    /// A bad sequence: show this and write nothing.
    Invalid(&'static str),
}

/// A punch chosen with a function key; `Break` resolves to start or end by the person's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    Punch(PunchKey),
    Break,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Stage {
    Idle,
    Number(String),
    Pin { number: String, pin: String },
    Code { worker: EmployeeId, code: String },
}

#[derive(Clone, Debug)]
pub struct KeyEntry {
    stage: Stage,
    choice: Option<Choice>,
    worker: Option<(EmployeeId, u64)>,
    last_key_ms: u64,
    window_ms: u64,
    timeout_ms: u64,
}

const MAX_DIGITS: usize = 12;

impl KeyEntry {
    pub fn new(window_ms: u64, timeout_ms: u64) -> Self {
        Self {
            stage: Stage::Idle,
            choice: None,
            worker: None,
            last_key_ms: 0,
            window_ms,
            timeout_ms,
        }
    }

    /// A worker was identified (face or PIN): digits now mean a machine code for a while.
    pub fn identified(&mut self, worker: EmployeeId, now_ms: u64) {
        self.worker = Some((worker, now_ms + self.window_ms));
        self.stage = Stage::Idle;
    }

    fn worker(&self, now_ms: u64) -> Option<EmployeeId> {
        self.worker
            .filter(|(_, until)| now_ms < *until)
            .map(|(w, _)| w)
    }

    fn reset(&mut self) {
        self.stage = Stage::Idle;
        self.choice = None;
    }

    pub fn on_key(&mut self, key: Key, now_ms: u64) -> Outcome {
        // A chosen punch goes stale like a half-typed number: otherwise the next person to type
        // a PIN, however much later, would make the punch someone else chose.
        let pending = self.stage != Stage::Idle || self.choice.is_some();
        if pending && now_ms.saturating_sub(self.last_key_ms) > self.timeout_ms {
            self.reset();
        }
        self.last_key_ms = now_ms;
        let worker = self.worker(now_ms);
        match (key, std::mem::replace(&mut self.stage, Stage::Idle)) {
            (Key::Cancel, _) => {
                self.reset();
                Outcome::Cancelled
            }
            (Key::F1 | Key::F2 | Key::F3, Stage::Idle) => {
                let choice = match key {
                    Key::F1 => Choice::Punch(PunchKey::ClockIn),
                    Key::F2 => Choice::Punch(PunchKey::ClockOut),
                    _ => Choice::Break,
                };
                self.choice = Some(choice);
                Outcome::Chosen(choice)
            }
            (Key::F4, _) => match worker {
                Some(worker) => Outcome::Stop { worker },
                None => Outcome::Invalid("identify yourself before pressing stop"),
            },
            (Key::F1 | Key::F2 | Key::F3, stage) => {
                self.stage = stage;
                Outcome::Invalid("choose the punch before typing")
            }
            (Key::Digit(d), Stage::Idle) => match worker {
                Some(worker) => self.push_digit(
                    Stage::Code {
                        worker,
                        code: String::new(),
                    },
                    d,
                ),
                None => self.push_digit(Stage::Number(String::new()), d),
            },
            (Key::Digit(d), stage) => self.push_digit(stage, d),
            (Key::Enter, Stage::Idle) => Outcome::Invalid("type your employee number first"),
            (Key::Enter, Stage::Number(n)) => {
                self.stage = Stage::Pin {
                    number: n,
                    pin: String::new(),
                };
                Outcome::Echo {
                    prompt: "PIN",
                    shown: String::new(),
                }
            }
            (Key::Enter, Stage::Pin { number, pin }) => {
                let choice = self.choice.take();
                if !(4..=8).contains(&pin.len()) {
                    self.reset();
                    return Outcome::Invalid("a PIN has 4 to 8 digits");
                }
                Outcome::Pin {
                    number,
                    pin,
                    choice,
                }
            }
            (Key::Enter, Stage::Code { worker, code }) => {
                self.worker = Some((worker, now_ms + self.window_ms));
                Outcome::EquipmentCode { worker, code }
            }
        }
    }

    fn push_digit(&mut self, stage: Stage, d: Digit) -> Outcome {
        let digit = d.as_char();
        let (stage, prompt, shown, len) = match stage {
            Stage::Number(mut n) => {
                n.push(digit);
                let shown = n.clone();
                let len = n.len();
                (Stage::Number(n), "Employee number", shown, len)
            }
            Stage::Pin { number, mut pin } => {
                pin.push(digit);
                let shown = "•".repeat(pin.len());
                let len = pin.len();
                (Stage::Pin { number, pin }, "PIN", shown, len)
            }
            Stage::Code { worker, mut code } => {
                code.push(digit);
                let shown = code.clone();
                let len = code.len();
                (Stage::Code { worker, code }, "Machine code", shown, len)
            }
            Stage::Idle => (
                Stage::Number(digit.to_string()),
                "Employee number",
                digit.to_string(),
                1,
            ),
        };
        if len > MAX_DIGITS {
            self.reset();
            return Outcome::Invalid("too many digits");
        }
        self.stage = stage;
        Outcome::Echo { prompt, shown }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANA: EmployeeId = EmployeeId(uuid::Uuid::from_u128(1));

    fn typed(entry: &mut KeyEntry, keys: &str, now_ms: u64) -> Vec<Outcome> {
        keys.chars()
            .map(|c| {
                let key = Key::from_char(c).expect("a keypad character");
                entry.on_key(key, now_ms)
            })
            .collect()
    }

    #[test]
    fn number_hash_pin_hash_asks_to_check_the_pin_with_the_pin_masked() {
        let mut e = KeyEntry::new(15_000, 30_000);
        let out = typed(&mut e, "1001#1234#", 1);
        assert_eq!(
            out[6],
            Outcome::Echo {
                prompt: "PIN",
                shown: "••".into()
            }
        );
        assert_eq!(
            out[9],
            Outcome::Pin {
                number: "1001".into(),
                pin: "1234".into(),
                choice: None
            }
        );
    }

    #[test]
    fn a_function_key_chooses_the_punch_for_the_next_pin() {
        let mut e = KeyEntry::new(15_000, 30_000);
        let out = typed(&mut e, "C1001#1234#", 1);
        assert_eq!(out[0], Outcome::Chosen(Choice::Break));
        assert_eq!(
            out[10],
            Outcome::Pin {
                number: "1001".into(),
                pin: "1234".into(),
                choice: Some(Choice::Break)
            }
        );
    }

    #[test]
    fn bad_sequences_are_refused_and_reset() {
        let mut e = KeyEntry::new(15_000, 30_000);
        assert_eq!(
            typed(&mut e, "#", 1)[0],
            Outcome::Invalid("type your employee number first")
        );
        assert_eq!(
            typed(&mut e, "1001#12#", 1)[7],
            Outcome::Invalid("a PIN has 4 to 8 digits")
        );
        assert_eq!(
            *typed(&mut e, "1234567890123", 1).last().expect("outcome"),
            Outcome::Invalid("too many digits")
        );
        assert_eq!(
            typed(&mut e, "D", 1)[0],
            Outcome::Invalid("identify yourself before pressing stop")
        );
        assert_eq!(typed(&mut e, "12*", 1)[2], Outcome::Cancelled);
        // After a cancel the next digits start a fresh number.
        assert_eq!(
            *typed(&mut e, "7", 1).last().expect("outcome"),
            Outcome::Echo {
                prompt: "Employee number",
                shown: "7".into()
            }
        );
    }

    #[test]
    fn after_identification_digits_are_a_machine_code_until_the_window_closes() {
        let mut e = KeyEntry::new(15_000, 30_000);
        e.identified(ANA, 1_000);
        assert_eq!(
            *typed(&mut e, "4711#", 2_000).last().expect("outcome"),
            Outcome::EquipmentCode {
                worker: ANA,
                code: "4711".into()
            }
        );
        assert_eq!(typed(&mut e, "D", 3_000)[0], Outcome::Stop { worker: ANA });
        // Window over (15 s after the last code): digits are an employee number again.
        assert_eq!(
            typed(&mut e, "9", 30_000)[0],
            Outcome::Echo {
                prompt: "Employee number",
                shown: "9".into()
            }
        );
    }

    #[test]
    fn a_function_key_left_alone_times_out_like_an_entry() {
        let mut e = KeyEntry::new(15_000, 30_000);
        assert_eq!(
            typed(&mut e, "B", 1)[0],
            Outcome::Chosen(Choice::Punch(PunchKey::ClockOut))
        );
        // The next person types a PIN a minute later: their punch is theirs to decide.
        assert_eq!(
            *typed(&mut e, "1001#1234#", 60_000).last().expect("outcome"),
            Outcome::Pin {
                number: "1001".into(),
                pin: "1234".into(),
                choice: None
            }
        );
    }

    #[test]
    fn an_abandoned_entry_times_out() {
        let mut e = KeyEntry::new(15_000, 30_000);
        typed(&mut e, "1001#12", 1);
        // Much later, Enter does not submit the stale half PIN.
        assert_eq!(
            e.on_key(Key::Enter, 100_000),
            Outcome::Invalid("type your employee number first")
        );
    }
}
