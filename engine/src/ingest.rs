//! Punches in a canonical order, with re-sent events and double taps removed.

use std::collections::HashSet;

use jiff::{SignedDuration, Timestamp};

use crate::instant::secs;
use crate::rules::{PunchInput, PunchKind};

/// Two taps of the same kind this close together are one intention.
const DOUBLE_TAP: SignedDuration = SignedDuration::from_secs(120);

/// A punch kept for pairing, timed in whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Punch<'a> {
    pub id: &'a str,
    pub at: i64,
    pub kind: PunchKind,
}

/// A double tap: ignored for pairing and reported against the punch it repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DoubleTap<'a> {
    pub punch: Punch<'a>,
    pub repeats: Punch<'a>,
}

/// Sorts by (time, id, kind), a total order, so any permutation of the input gives the
/// same result. The first copy of an id wins; later copies are re-sends and vanish.
pub(crate) fn ingest(input: &[PunchInput]) -> (Vec<Punch<'_>>, Vec<DoubleTap<'_>>) {
    let mut sorted: Vec<&PunchInput> = input.iter().collect();
    sorted.sort_unstable_by(|a, b| (a.at, &a.id, a.kind).cmp(&(b.at, &b.id, b.kind)));

    let mut seen: HashSet<&str> = HashSet::with_capacity(sorted.len());
    let mut kept: Vec<(Punch<'_>, Timestamp)> = Vec::with_capacity(sorted.len());
    let mut taps = Vec::new();
    for p in sorted {
        if !seen.insert(p.id.as_str()) {
            continue;
        }
        let punch = Punch {
            id: &p.id,
            at: secs(p.at),
            kind: p.kind,
        };
        // Compared with the previous kept punch only: anything between breaks the tap.
        if let Some(&(prev, prev_at)) = kept.last()
            && prev.kind == p.kind
            && p.at.duration_since(prev_at) <= DOUBLE_TAP
        {
            taps.push(DoubleTap {
                punch,
                repeats: prev,
            });
            continue;
        }
        kept.push((punch, p.at));
    }
    (kept.into_iter().map(|(p, _)| p).collect(), taps)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn p(id: &str, minute: i64, kind: PunchKind) -> PunchInput {
        PunchInput {
            id: id.into(),
            at: Timestamp::from_second(1_700_000_000 + minute * 60).unwrap(),
            kind,
        }
    }

    #[test]
    fn a_resent_punch_with_the_same_id_is_dropped_silently() {
        let input = [p("a", 0, PunchKind::In), p("a", 0, PunchKind::In)];
        let (kept, taps) = ingest(&input);
        assert_eq!(kept.len(), 1);
        assert!(taps.is_empty());
    }

    #[test]
    fn a_second_tap_within_two_minutes_is_a_double_tap() {
        let input = [p("b", 2, PunchKind::In), p("a", 0, PunchKind::In)];
        let (kept, taps) = ingest(&input);
        assert_eq!(kept.iter().map(|k| k.id).collect::<Vec<_>>(), ["a"]);
        assert_eq!((taps[0].punch.id, taps[0].repeats.id), ("b", "a"));
    }

    #[test]
    fn taps_chain_against_the_kept_punch_not_the_dropped_one() {
        let input = [
            p("a", 0, PunchKind::In),
            p("b", 2, PunchKind::In),
            p("c", 3, PunchKind::In),
        ];
        let (kept, taps) = ingest(&input);
        assert_eq!(kept.iter().map(|k| k.id).collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(taps.len(), 1);
    }

    #[test]
    fn a_punch_of_another_kind_between_taps_keeps_both() {
        let input = [
            p("a", 0, PunchKind::In),
            p("b", 1, PunchKind::Out),
            p("c", 2, PunchKind::In),
        ];
        let (kept, taps) = ingest(&input);
        assert_eq!(kept.len(), 3);
        assert!(taps.is_empty());
    }
}
