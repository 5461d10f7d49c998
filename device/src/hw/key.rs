//! Keys and their text form.
//!
//! A 4×4 keypad's `#` is [`Key::Enter`], `*` is [`Key::Cancel`] and `A`–`D` are
//! [`Key::F1`]–[`Key::F4`] (the daemon maps those to clock-in, clock-out, break and equipment
//! stop). The text form is used by the development keypads and in logs: a line is words
//! separated by spaces, each word either a key name (`F1`…`F4`, `ENTER`/`OK`, `CANCEL`/`ESC`/
//! `CLEAR`, any case) or a run of key characters (`0`–`9`, `#`, `*`, `A`–`D`), e.g.
//! `F1 1001# 1234#`.

use std::fmt;

use super::HwError;

/// A decimal digit, 0 to 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digit(u8);

impl Digit {
    pub fn new(value: u8) -> Option<Digit> {
        (value <= 9).then_some(Digit(value))
    }

    pub fn value(self) -> u8 {
        self.0
    }

    pub fn as_char(self) -> char {
        char::from(b'0' + self.0)
    }
}

/// One key press.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Digit(Digit),
    /// `#` on a matrix keypad, Enter on a USB one.
    Enter,
    /// `*` on a matrix keypad, Esc or `*` on a USB one.
    Cancel,
    /// `A` on a matrix keypad.
    F1,
    /// `B` on a matrix keypad.
    F2,
    /// `C` on a matrix keypad.
    F3,
    /// `D` on a matrix keypad.
    F4,
}

impl Key {
    /// The key printed as `c` on a 4×4 keypad (`0`–`9`, `#`, `*`, `A`–`D`).
    pub fn from_char(c: char) -> Option<Key> {
        match c {
            '0'..='9' => Digit::new(c as u8 - b'0').map(Key::Digit),
            '#' => Some(Key::Enter),
            '*' => Some(Key::Cancel),
            'A' => Some(Key::F1),
            'B' => Some(Key::F2),
            'C' => Some(Key::F3),
            'D' => Some(Key::F4),
            _ => None,
        }
    }

    /// The inverse of [`Key::from_char`].
    pub fn as_char(self) -> char {
        match self {
            Key::Digit(d) => d.as_char(),
            Key::Enter => '#',
            Key::Cancel => '*',
            Key::F1 => 'A',
            Key::F2 => 'B',
            Key::F3 => 'C',
            Key::F4 => 'D',
        }
    }

    fn from_word(word: &str) -> Option<Key> {
        Some(match word.to_ascii_uppercase().as_str() {
            "F1" => Key::F1,
            "F2" => Key::F2,
            "F3" => Key::F3,
            "F4" => Key::F4,
            "ENTER" | "OK" => Key::Enter,
            "CANCEL" | "ESC" | "CLEAR" => Key::Cancel,
            _ => return None,
        })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Digit(d) => write!(f, "{}", d.as_char()),
            Key::Enter => f.write_str("ENTER"),
            Key::Cancel => f.write_str("CANCEL"),
            Key::F1 => f.write_str("F1"),
            Key::F2 => f.write_str("F2"),
            Key::F3 => f.write_str("F3"),
            Key::F4 => f.write_str("F4"),
        }
    }
}

/// Parses one line of the text form into keys, in order. An empty line is no keys.
pub fn parse_key_line(line: &str) -> Result<Vec<Key>, HwError> {
    let mut keys = Vec::new();
    for word in line.split_whitespace() {
        if let Some(key) = Key::from_word(word) {
            keys.push(key);
            continue;
        }
        for c in word.chars() {
            let key = Key::from_char(c).ok_or_else(|| HwError::KeyInput {
                input: line.trim().to_owned(),
                reason: format!("unknown key `{word}`: use 0-9, #, *, A-D, F1-F4, ENTER or CANCEL"),
            })?;
            keys.push(key);
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_KEYS: [Key; 0] = [];

    fn digit(n: u8) -> Key {
        Key::Digit(Digit::new(n).expect("a digit"))
    }

    #[test]
    fn a_pin_line_parses_to_digits_and_enter() {
        let keys = parse_key_line("1234#").expect("parses");
        assert_eq!(keys, [digit(1), digit(2), digit(3), digit(4), Key::Enter]);
    }

    #[test]
    fn words_and_runs_mix_in_one_line_in_order() {
        let keys = parse_key_line("  f1 10# ENTER cancel *  D ").expect("parses");
        assert_eq!(
            keys,
            [
                Key::F1,
                digit(1),
                digit(0),
                Key::Enter,
                Key::Enter,
                Key::Cancel,
                Key::Cancel,
                Key::F4
            ]
        );
        assert_eq!(parse_key_line("   ").expect("parses"), NO_KEYS);
    }

    #[test]
    fn an_unknown_word_is_named_in_the_error() {
        let error = parse_key_line("F1 F9 12").expect_err("F9 is not a key");
        assert!(error.to_string().contains("unknown key `F9`"), "{error}");
        let error = parse_key_line("12x4").expect_err("x is not a key");
        assert!(error.to_string().contains("`12x4`"), "{error}");
    }

    #[test]
    fn chars_round_trip_for_every_key() {
        for c in "0123456789#*ABCD".chars() {
            let key = Key::from_char(c).expect("a key");
            assert_eq!(key.as_char(), c);
            assert_eq!(parse_key_line(&key.to_string()).expect("parses"), [key]);
        }
        assert_eq!(Key::from_char('E'), None);
        assert_eq!(Digit::new(10), None);
    }
}
