//! The kiosk's keypad grammar (`device/src/kiosk/keys.rs`) and the keys' text form
//! (`device/src/hw/key.rs`), driven by arbitrary key sequences with time passing.
//!
//! The grammar is pure by design, but its crate is the whole daemon (camera bindings, SQLite,
//! HTTP), which would take minutes to build instrumented. So this target compiles the grammar's
//! own source files, unchanged, with `#[path]`, and gives them the two names they use from the
//! rest of the daemon (`hw::{Digit, Key}` and `HwError`). If those files start to need more of
//! the daemon, this target stops compiling and says so.
//!
//! Input: one byte per step. `0`–`9`, `#`, `*`, `A`–`D` press that key; `i` and `j` identify a
//! worker (by face, or a PIN accepted by the station); `,` `.` `_` `~` let 0.1 s, 1 s, 16 s
//! (past the machine-code window) and 31 s (past the entry timeout) pass; other bytes are
//! skipped. The same bytes are also parsed as the keys' text form.
//!
//! Asserted on every outcome, besides never panicking:
//! - a PIN check, a machine code or a stop comes only from the key that ends it (`#`, `#`,
//!   `D`), and carries exactly the digits typed just before it, none of them typed after a pause
//!   longer than the entry timeout;
//! - a PIN has 4 to 8 digits, an employee number and a machine code 1 to 12, all digits;
//! - the PIN is never echoed: its echo line is bullets only;
//! - a function key chosen before a PIN is the last one chosen, and it goes stale like any
//!   entry: no pause longer than the timeout since it was pressed;
//! - a machine code or a stop is for the worker identified last, inside their window;
//! - the state stays small whatever is typed (echo lines of at most 12 characters).

#![no_main]

use attend_protocol::ids::EmployeeId;
use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unreachable_pub)]
#[rustfmt::skip] // formatted with its own crate
#[path = "../../device/src/hw/key.rs"]
mod key;
#[allow(dead_code, unreachable_pub)]
#[rustfmt::skip] // formatted with its own crate
#[path = "../../device/src/kiosk/keys.rs"]
mod keys;
#[allow(dead_code, unreachable_pub)]
#[rustfmt::skip] // formatted with its own crate
#[path = "../../device/src/kiosk/punch.rs"]
mod punch;

/// What `keys.rs` imports as `crate::hw`.
mod hw {
    pub use crate::key::{Digit, Key};
}

/// What `key.rs` imports as `super::HwError`: the daemon's hardware error, reduced to the one
/// variant the text form returns.
#[derive(Debug, thiserror::Error)]
enum HwError {
    #[error("bad key input `{input}`: {reason}")]
    KeyInput { input: String, reason: String },
}

use hw::Key;
use keys::{Choice, KeyEntry, Outcome};
use punch::PunchKey;

/// The station's settings (`device/src/station/mod.rs`).
const CODE_WINDOW_MS: u64 = 15_000;
const KEY_TIMEOUT_MS: u64 = 30_000;
const MAX_DIGITS: usize = 12;
const WORKERS: [EmployeeId; 2] = [
    EmployeeId(uuid::Uuid::from_u128(1)),
    EmployeeId(uuid::Uuid::from_u128(2)),
];

fuzz_target!(|data: &[u8]| {
    text_form(data);
    grammar(data);
});

/// A line that parses prints back, key by key, as a line that parses to the same keys.
fn text_form(data: &[u8]) {
    let line = String::from_utf8_lossy(data);
    match key::parse_key_line(&line) {
        Ok(keys) => {
            let chars: String = keys.iter().map(|k| k.as_char()).collect();
            assert_eq!(key::parse_key_line(&chars).ok().as_ref(), Some(&keys));
            let words: Vec<String> = keys.iter().map(ToString::to_string).collect();
            assert_eq!(key::parse_key_line(&words.join(" ")).ok(), Some(keys));
        }
        Err(HwError::KeyInput { reason, .. }) => assert!(reason.contains("unknown key")),
    }
}

/// What the harness remembers to judge each outcome.
#[derive(Default)]
struct History {
    /// Every key pressed, with its time; `None` for a function key refused in the middle of an
    /// entry, which leaves the entry as it was (but counts as activity).
    keys: Vec<(Option<Key>, u64)>,
    /// The last function-key choice the grammar accepted, and the index of its key.
    chosen: Option<(Choice, usize)>,
    /// The worker whose machine-code window is open, and until when.
    window: Option<(EmployeeId, u64)>,
}

fn grammar(data: &[u8]) {
    let mut entry = KeyEntry::new(CODE_WINDOW_MS, KEY_TIMEOUT_MS);
    let mut history = History::default();
    let mut now_ms = 0;
    for &byte in data {
        let step = match byte {
            b',' => 100,
            b'.' => 1_000,
            b'_' => CODE_WINDOW_MS + 1_000,
            b'~' => KEY_TIMEOUT_MS + 1_000,
            _ => 0,
        };
        now_ms += step;
        if let Some(worker) = match byte {
            b'i' => Some(WORKERS[0]),
            b'j' => Some(WORKERS[1]),
            _ => None,
        } {
            entry.identified(worker, now_ms);
            history.window = Some((worker, now_ms + CODE_WINDOW_MS));
        }
        let Some(key) = Key::from_char(char::from(byte)) else {
            continue;
        };
        history.keys.push((Some(key), now_ms));
        let outcome = entry.on_key(key, now_ms);
        check(&outcome, key, now_ms, &history);
        if matches!(key, Key::F1 | Key::F2 | Key::F3) && matches!(outcome, Outcome::Invalid(_)) {
            history.keys.last_mut().expect("just pushed").0 = None;
        }
        match outcome {
            Outcome::Chosen(choice) => history.chosen = Some((choice, history.keys.len() - 1)),
            Outcome::EquipmentCode { worker, .. } => {
                history.window = Some((worker, now_ms + CODE_WINDOW_MS));
            }
            _ => {}
        }
        assert!(
            format!("{entry:?}").len() < 512,
            "the entry grew: {entry:?}"
        );
    }
}

fn check(outcome: &Outcome, key: Key, now_ms: u64, history: &History) {
    match outcome {
        Outcome::Echo { prompt, shown } => {
            assert!(shown.chars().count() <= MAX_DIGITS, "{outcome:?}");
            if *prompt == "PIN" {
                assert!(shown.chars().all(|c| c == '•'), "PIN echoed: {outcome:?}");
            } else {
                assert!(matches!(key, Key::Digit(_)), "{outcome:?} after {key}");
                assert!(shown.bytes().all(|b| b.is_ascii_digit()), "{outcome:?}");
                assert!(typed_last(&history.keys, shown), "{outcome:?}");
            }
        }
        Outcome::Chosen(choice) => {
            let expected = match key {
                Key::F1 => Choice::Punch(PunchKey::ClockIn),
                Key::F2 => Choice::Punch(PunchKey::ClockOut),
                Key::F3 => Choice::Break,
                _ => panic!("{outcome:?} after {key}"),
            };
            assert_eq!(*choice, expected);
        }
        Outcome::Pin {
            number,
            pin,
            choice,
        } => {
            assert_eq!(key, Key::Enter, "{outcome:?}");
            assert!((1..=MAX_DIGITS).contains(&number.len()), "{outcome:?}");
            assert!((4..=8).contains(&pin.len()), "{outcome:?}");
            let typed = format!("{number}#{pin}#");
            assert!(
                typed.bytes().all(|b| b.is_ascii_digit() || b == b'#'),
                "{outcome:?}"
            );
            assert!(typed_last(&history.keys, &typed), "{outcome:?}");
            if let Some(choice) = choice {
                let (last, at) = history.chosen.expect("a choice was made");
                assert_eq!(*choice, last, "{outcome:?}");
                assert!(
                    no_pause_since(&history.keys, at),
                    "a stale choice was used: {outcome:?}"
                );
            }
        }
        Outcome::EquipmentCode { worker, code } => {
            assert_eq!(key, Key::Enter, "{outcome:?}");
            assert!((1..=MAX_DIGITS).contains(&code.len()), "{outcome:?}");
            assert!(code.bytes().all(|b| b.is_ascii_digit()), "{outcome:?}");
            assert!(
                typed_last(&history.keys, &format!("{code}#")),
                "{outcome:?}"
            );
            let (open_for, until) = history.window.expect("a worker was identified");
            assert_eq!(*worker, open_for, "{outcome:?}");
            // The window is checked when the code starts; typing it may run past the window.
            let first_digit = typed_from(&history.keys, code.len() + 1).expect("typed");
            assert!(
                history.keys[first_digit].1 < until,
                "{outcome:?} begun after the window"
            );
        }
        Outcome::Stop { worker } => {
            assert_eq!(key, Key::F4, "{outcome:?}");
            let (open_for, until) = history.window.expect("a worker was identified");
            assert!(*worker == open_for && now_ms < until, "{outcome:?}");
        }
        Outcome::Cancelled => assert_eq!(key, Key::Cancel),
        Outcome::Invalid(why) => assert!(!why.is_empty()),
    }
}

/// Whether the last keys pressed, the one being judged included and refused function keys
/// left out, spell `expected` (`1001#1234#` for a PIN check), with no pause longer than the
/// entry timeout between any two keys from the first of them on.
fn typed_last(keys: &[(Option<Key>, u64)], expected: &str) -> bool {
    let Some(start) = typed_from(keys, expected.len()) else {
        return false;
    };
    let typed: String = keys[start..]
        .iter()
        .filter_map(|(k, _)| k.map(Key::as_char))
        .collect();
    typed == expected && no_pause_since(keys, start)
}

/// The index of the `count`th key from the end, refused function keys left out.
fn typed_from(keys: &[(Option<Key>, u64)], count: usize) -> Option<usize> {
    if count == 0 {
        return Some(keys.len());
    }
    let mut seen = 0;
    keys.iter().rposition(|(k, _)| {
        seen += usize::from(k.is_some());
        seen == count
    })
}

/// No two keys from index `from` on are further apart than the entry timeout.
fn no_pause_since(keys: &[(Option<Key>, u64)], from: usize) -> bool {
    keys[from..]
        .windows(2)
        .all(|w| w[1].1 - w[0].1 <= KEY_TIMEOUT_MS)
}
