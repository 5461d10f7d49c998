//! The matrix keypad's logic without any I/O: the driver scans the pins, packs what it read
//! into a bit mask, and feeds it here with the scan's timestamp.
//!
//! Invariants:
//! - a key is reported once per press, when the whole set of closed keys has read the same
//!   for `debounce`; holding it never repeats it, and it can fire again only after a stable
//!   release;
//! - a contact that bounces (changes before `debounce` has passed) restarts the wait;
//! - when more than two keys are closed at once nothing new is reported, because a matrix
//!   without diodes shows phantom keys for three-key chords.

use std::time::{Duration, Instant};

use super::{HwError, Key};

/// The bit for the key at (`row`, `col`) in a scan mask.
pub fn scan_bit(row: usize, col: usize) -> u16 {
    1 << (row * 4 + col)
}

/// Which key sits at each row and column, at most 4×4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixLayout {
    rows: Vec<Vec<Key>>,
}

impl MatrixLayout {
    /// The usual membrane keypad: `123A / 456B / 789C / *0#D`, keeping the first `cols`
    /// columns (3 for the 12-key version, 4 for the 16-key one).
    pub fn standard(cols: usize) -> Result<Self, HwError> {
        let rows = ["123A", "456B", "789C", "*0#D"].map(|row| row[..cols.min(4)].to_owned());
        Self::from_rows(&rows)
    }

    /// A layout from one string per row, e.g. `["123A", "456B", "789C", "*0#D"]`.
    pub fn from_rows<S: AsRef<str>>(rows: &[S]) -> Result<Self, HwError> {
        let bad = |reason: String| HwError::Config {
            reason: format!("keypad layout: {reason}"),
        };
        if rows.is_empty() || rows.len() > 4 {
            return Err(bad(format!("has {} rows: give 1 to 4", rows.len())));
        }
        let mut parsed = Vec::new();
        let mut seen = Vec::new();
        for row in rows {
            let row = row.as_ref();
            let keys = row
                .chars()
                .map(|c| {
                    Key::from_char(c)
                        .ok_or_else(|| bad(format!("`{c}` in row `{row}` is not 0-9, #, *, A-D")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if keys.is_empty() || keys.len() > 4 {
                return Err(bad(format!(
                    "row `{row}` has {} keys: give 1 to 4",
                    keys.len()
                )));
            }
            if let Some(first) = parsed.first().map(Vec::len).filter(|&n| n != keys.len()) {
                return Err(bad(format!(
                    "row `{row}` has {} keys, the first row {first}",
                    keys.len()
                )));
            }
            for &key in &keys {
                if seen.contains(&key) {
                    return Err(bad(format!("key `{}` appears twice", key.as_char())));
                }
                seen.push(key);
            }
            parsed.push(keys);
        }
        Ok(MatrixLayout { rows: parsed })
    }

    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    pub fn cols(&self) -> usize {
        self.rows.first().map_or(0, Vec::len)
    }

    pub fn key(&self, row: usize, col: usize) -> Option<Key> {
        self.rows.get(row)?.get(col).copied()
    }
}

/// Turns timestamped scan masks into key presses (see the module docs for the rules).
#[derive(Debug, Clone)]
pub struct Debouncer {
    layout: MatrixLayout,
    debounce: Duration,
    /// The latest raw reading and when it started.
    candidate: u16,
    candidate_since: Option<Instant>,
    /// The last reading that held for `debounce`.
    stable: u16,
}

impl Debouncer {
    pub fn new(layout: MatrixLayout, debounce: Duration) -> Self {
        Debouncer {
            layout,
            debounce,
            candidate: 0,
            candidate_since: None,
            stable: 0,
        }
    }

    /// Feeds one scan: `closed` has [`scan_bit`] set for every key that read closed at `at`.
    /// Returns the keys newly pressed, in row-major order (usually none or one).
    pub fn on_scan(&mut self, at: Instant, closed: u16) -> Vec<Key> {
        if closed != self.candidate || self.candidate_since.is_none() {
            self.candidate = closed;
            self.candidate_since = Some(at);
        }
        let held = self
            .candidate_since
            .is_some_and(|since| at.saturating_duration_since(since) >= self.debounce);
        if !held || self.candidate == self.stable {
            return Vec::new();
        }
        let pressed = self.candidate & !self.stable;
        self.stable = self.candidate;
        if self.stable.count_ones() > 2 {
            return Vec::new();
        }
        (0..self.layout.rows())
            .flat_map(|row| (0..self.layout.cols()).map(move |col| (row, col)))
            .filter(|&(row, col)| pressed & scan_bit(row, col) != 0)
            .filter_map(|(row, col)| self.layout.key(row, col))
            .collect()
    }

    pub fn layout(&self) -> &MatrixLayout {
        &self.layout
    }
}

#[cfg(test)]
#[path = "tests/matrix.rs"]
mod tests;
