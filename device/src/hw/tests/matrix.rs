use super::*;
use crate::hw::Digit;

/// No key reported.
const NONE: [Key; 0] = [];

const DEBOUNCE: Duration = Duration::from_millis(20);

/// Drives a debouncer with scans at millisecond offsets from a fixed start.
struct Bench {
    debouncer: Debouncer,
    start: Instant,
}

impl Bench {
    fn new() -> Self {
        let layout = MatrixLayout::standard(4).expect("standard layout");
        Bench {
            debouncer: Debouncer::new(layout, DEBOUNCE),
            start: Instant::now(),
        }
    }

    fn scan(&mut self, ms: u64, closed: u16) -> Vec<Key> {
        self.debouncer
            .on_scan(self.start + Duration::from_millis(ms), closed)
    }

    /// Scans every 5 ms from `from` to `to` (inclusive) with the same reading; all keys seen.
    fn hold(&mut self, from: u64, to: u64, closed: u16) -> Vec<Key> {
        (from..=to)
            .step_by(5)
            .flat_map(|ms| self.scan(ms, closed))
            .collect()
    }
}

fn digit(n: u8) -> Key {
    Key::Digit(Digit::new(n).expect("a digit"))
}

const KEY_1: u16 = 1; // row 0, col 0
const KEY_5: u16 = 1 << 5; // row 1, col 1
const KEY_HASH: u16 = 1 << 14; // row 3, col 2

#[test]
fn scan_bits_match_the_standard_layout() {
    assert_eq!(scan_bit(0, 0), KEY_1);
    assert_eq!(scan_bit(1, 1), KEY_5);
    assert_eq!(scan_bit(3, 2), KEY_HASH);
    let layout = MatrixLayout::standard(4).expect("layout");
    assert_eq!(layout.key(3, 2), Some(Key::Enter));
    assert_eq!(layout.key(0, 3), Some(Key::F1));
    assert_eq!(layout.key(3, 3), Some(Key::F4));
}

#[test]
fn a_key_fires_once_it_has_read_stable_for_the_debounce_time() {
    let mut bench = Bench::new();
    assert_eq!(bench.scan(0, KEY_5), NONE);
    assert_eq!(bench.scan(19, KEY_5), NONE, "not yet stable");
    assert_eq!(bench.scan(20, KEY_5), [digit(5)]);
}

#[test]
fn a_bouncing_contact_restarts_the_wait_and_fires_once() {
    let mut bench = Bench::new();
    let bounce = [KEY_5, 0, KEY_5, 0, KEY_5];
    for (i, closed) in bounce.into_iter().enumerate() {
        assert_eq!(bench.scan(i as u64 * 4, closed), NONE, "bounce at scan {i}");
    }
    // Closed since 16 ms: fires at 36 ms, not at 20.
    assert_eq!(bench.scan(30, KEY_5), NONE);
    assert_eq!(bench.scan(36, KEY_5), [digit(5)]);
}

#[test]
fn a_short_glitch_never_fires() {
    let mut bench = Bench::new();
    assert_eq!(bench.scan(0, KEY_1), NONE);
    assert_eq!(bench.scan(10, KEY_1), NONE);
    assert_eq!(bench.hold(15, 200, 0), NONE);
}

#[test]
fn holding_a_key_does_not_repeat_it() {
    let mut bench = Bench::new();
    assert_eq!(bench.hold(0, 5000, KEY_HASH), [Key::Enter]);
}

#[test]
fn the_same_key_fires_again_only_after_a_stable_release() {
    let mut bench = Bench::new();
    assert_eq!(bench.hold(0, 100, KEY_1), [digit(1)]);
    // A release shorter than the debounce time (a bounce on release) is not a new press.
    assert_eq!(bench.hold(105, 110, 0), NONE);
    assert_eq!(bench.hold(115, 300, KEY_1), NONE);
    // A real release, then a second press.
    assert_eq!(bench.hold(305, 400, 0), NONE);
    assert_eq!(bench.hold(405, 500, KEY_1), [digit(1)]);
}

#[test]
fn rolling_over_to_the_next_key_reports_both_in_order() {
    let mut bench = Bench::new();
    assert_eq!(bench.hold(0, 50, KEY_1), [digit(1)]);
    assert_eq!(bench.hold(55, 100, KEY_1 | KEY_5), [digit(5)]);
    assert_eq!(bench.hold(105, 150, KEY_5), NONE);
}

#[test]
fn three_keys_at_once_report_nothing_because_of_phantom_keys() {
    let mut bench = Bench::new();
    assert_eq!(bench.hold(0, 100, KEY_1 | KEY_5 | KEY_HASH), NONE);
    assert_eq!(bench.hold(105, 200, 0), NONE);
    assert_eq!(bench.hold(205, 300, KEY_HASH), [Key::Enter]);
}

#[test]
fn zero_debounce_fires_on_the_first_scan() {
    let layout = MatrixLayout::standard(3).expect("layout");
    let mut debouncer = Debouncer::new(layout, Duration::ZERO);
    assert_eq!(debouncer.on_scan(Instant::now(), KEY_HASH), [Key::Enter]);
}

#[test]
fn a_twelve_key_layout_has_no_function_keys() {
    let layout = MatrixLayout::standard(3).expect("layout");
    assert_eq!((layout.rows(), layout.cols()), (4, 3));
    assert_eq!(layout.key(0, 3), None);
    assert_eq!(layout.key(3, 0), Some(Key::Cancel));
}

#[test]
fn bad_layouts_are_refused_with_the_reason() {
    let cases: [(&[&str], &str); 4] = [
        (&["123", "45"], "row `45` has 2 keys, the first row 3"),
        (&["12E"], "`E` in row `12E`"),
        (&["121"], "key `1` appears twice"),
        (&["1", "2", "3", "4", "5"], "has 5 rows"),
    ];
    for (rows, expected) in cases {
        let error = MatrixLayout::from_rows(rows).expect_err("bad layout");
        assert!(error.to_string().contains(expected), "{error}");
    }
}
