//! Kept punches → raw sessions (clock-in to clock-out with breaks) and punch issues.

use jiff::civil::Date;

use crate::ingest::Punch;
use crate::rules::PunchKind;
use crate::work_date::{Schedule, Shift};

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// By a clock-out punch at this instant.
    Punched(i64),
    /// The engine supplied the end: the clock-out is missing.
    AutoClosed(i64),
    /// No clock-out yet, and one could still legitimately arrive.
    Open,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawBreak<'a> {
    pub start: i64,
    pub end: i64,
    pub start_id: &'a str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawSession<'a> {
    pub date: Date,
    pub shift: Option<Shift>,
    pub clock_in: i64,
    pub end: End,
    pub breaks: Vec<RawBreak<'a>>,
    /// Every punch that makes up the session, in time order; the In first.
    pub punch_ids: Vec<&'a str>,
}

impl RawSession<'_> {
    pub fn in_id(&self) -> &str {
        self.punch_ids.first().copied().unwrap_or_default()
    }

    /// The clock-out punch's id, when the session was closed by one.
    pub fn out_id(&self) -> Option<&str> {
        match self.end {
            End::Punched(_) => self.punch_ids.last().copied(),
            End::AutoClosed(_) | End::Open => None,
        }
    }
}

/// Punch-level problems found while pairing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Issue<'a> {
    /// A non-In punch with no session to belong to (no hours are credited).
    Orphan(Punch<'a>),
    /// A break that never ended; it was ended at the session's next punch or its end.
    UnendedBreak { date: Date, id: &'a str },
    /// A break end without a break start; ignored.
    MissingBreakStart { date: Date, id: &'a str },
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Paired<'a> {
    pub sessions: Vec<RawSession<'a>>,
    pub issues: Vec<Issue<'a>>,
}

/// A session being built.
struct Building<'a> {
    session: RawSession<'a>,
    open_break: Option<(i64, &'a str)>,
    /// Latest instant a clock-out is believed: later punches belong elsewhere.
    limit: i64,
    /// Where the session is closed if its clock-out never comes.
    close_at: i64,
}

/// Pairs punches sorted by time. `max_open` is in seconds.
pub(crate) fn pair<'a>(
    punches: &[Punch<'a>],
    schedule: &Schedule,
    max_open: i64,
    now: i64,
) -> Paired<'a> {
    let mut out = Paired::default();
    let mut current: Option<Building<'a>> = None;
    for &p in punches {
        // A punch past the limit cannot be this session's: the clock-out was forgotten.
        if let Some(b) = current.take_if(|b| p.at > b.limit) {
            let at = b.close_at;
            close(b, End::AutoClosed(at), &mut out);
        }
        match (current.as_mut(), p.kind) {
            (None, PunchKind::In) => current = Some(open(p, schedule, max_open)),
            (None, _) => out.issues.push(Issue::Orphan(p)),
            (Some(_), PunchKind::In) => {
                if let Some(b) = current.take() {
                    let at = b.close_at.min(p.at);
                    close(b, End::AutoClosed(at), &mut out);
                }
                current = Some(open(p, schedule, max_open));
            }
            (Some(_), PunchKind::Out) => {
                if let Some(b) = current.take() {
                    close_with_punch(b, p, &mut out);
                }
            }
            (Some(b), PunchKind::BreakStart) => {
                if let Some((start, id)) = b.open_break.take() {
                    end_break(b, start, id, p.at);
                    let date = b.session.date;
                    out.issues.push(Issue::UnendedBreak { date, id });
                }
                b.open_break = Some((p.at, p.id));
                b.session.punch_ids.push(p.id);
            }
            (Some(b), PunchKind::BreakEnd) => {
                if let Some((start, id)) = b.open_break.take() {
                    end_break(b, start, id, p.at);
                    b.session.punch_ids.push(p.id);
                } else {
                    let date = b.session.date;
                    out.issues.push(Issue::MissingBreakStart { date, id: p.id });
                }
            }
        }
    }
    if let Some(b) = current {
        if now > b.limit {
            let at = b.close_at;
            close(b, End::AutoClosed(at), &mut out);
        } else {
            // Still on the clock (or on a break): nothing is final, so nothing is flagged.
            let mut session = b.session;
            session.end = End::Open;
            out.sessions.push(session);
        }
    }
    out
}

fn open<'a>(p: Punch<'a>, schedule: &Schedule, max_open: i64) -> Building<'a> {
    let shift = schedule.shift_for_clock_in(p.at).copied();
    let date = shift.map_or_else(|| schedule.date_for_clock_in(p.at), |s| s.date);
    let capped = p.at.saturating_add(max_open);
    // A scheduled session closes at its shift end but may legitimately run past it
    // (overtime) for as long as any session may.
    let (limit, close_at) = match shift {
        Some(s) => (capped.max(s.end), s.end),
        None => (capped, capped),
    };
    Building {
        session: RawSession {
            date,
            shift,
            clock_in: p.at,
            end: End::Open,
            breaks: Vec::new(),
            punch_ids: vec![p.id],
        },
        open_break: None,
        limit,
        close_at,
    }
}

fn end_break<'a>(b: &mut Building<'a>, start: i64, start_id: &'a str, end: i64) {
    b.session.breaks.push(RawBreak {
        start,
        end,
        start_id,
    });
}

fn close_with_punch<'a>(mut b: Building<'a>, p: Punch<'a>, out: &mut Paired<'a>) {
    b.session.punch_ids.push(p.id);
    close(b, End::Punched(p.at), out);
}

fn close<'a>(mut b: Building<'a>, end: End, out: &mut Paired<'a>) {
    let at = match end {
        End::Punched(t) | End::AutoClosed(t) => t,
        End::Open => b.session.clock_in,
    };
    if let Some((start, id)) = b.open_break.take() {
        end_break(&mut b, start, id, at.max(start));
        out.issues.push(Issue::UnendedBreak {
            date: b.session.date,
            id,
        });
    }
    b.session.end = end;
    out.sessions.push(b.session);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;

    const H: i64 = 3600;
    /// Instant 0 is the Unix epoch, in UTC.
    const DAY: Date = jiff::civil::date(1970, 1, 1);
    const MAX_OPEN: i64 = 16 * H;

    fn punch(id: &'static str, at: i64, kind: PunchKind) -> Punch<'static> {
        Punch { id, at, kind }
    }

    fn run(punches: &[Punch<'static>], now: i64) -> Paired<'static> {
        pair(punches, &Schedule::new(&[], &TimeZone::UTC), MAX_OPEN, now)
    }

    #[test]
    fn in_then_out_makes_one_closed_session() {
        let p = run(
            &[
                punch("i", 0, PunchKind::In),
                punch("o", 8 * H, PunchKind::Out),
            ],
            9 * H,
        );
        assert_eq!(p.sessions[0].end, End::Punched(8 * H));
        assert_eq!(p.sessions[0].punch_ids, ["i", "o"]);
        assert!(p.issues.is_empty());
    }

    #[test]
    fn out_without_in_is_an_orphan() {
        let p = run(&[punch("o", 0, PunchKind::Out)], H);
        assert!(p.sessions.is_empty());
        assert!(matches!(p.issues[0], Issue::Orphan(o) if o.id == "o"));
    }

    #[test]
    fn a_second_in_closes_the_first_session_at_the_new_in_at_most() {
        let p = run(
            &[
                punch("a", 0, PunchKind::In),
                punch("b", 2 * H, PunchKind::In),
            ],
            3 * H,
        );
        assert_eq!(p.sessions[0].end, End::AutoClosed(2 * H));
        assert_eq!(p.sessions[1].end, End::Open);
    }

    #[test]
    fn an_out_beyond_max_open_hours_is_not_believed() {
        let p = run(
            &[
                punch("i", 0, PunchKind::In),
                punch("o", 20 * H, PunchKind::Out),
            ],
            21 * H,
        );
        assert_eq!(p.sessions[0].end, End::AutoClosed(MAX_OPEN));
        assert!(matches!(p.issues[0], Issue::Orphan(o) if o.id == "o"));
    }

    #[test]
    fn a_session_stays_open_until_max_open_hours_have_passed() {
        let punches = [punch("i", 0, PunchKind::In)];
        assert_eq!(run(&punches, MAX_OPEN).sessions[0].end, End::Open);
        assert_eq!(
            run(&punches, MAX_OPEN + 1).sessions[0].end,
            End::AutoClosed(MAX_OPEN)
        );
    }

    #[test]
    fn a_break_left_open_ends_with_the_session_and_is_flagged() {
        let p = run(
            &[
                punch("i", 0, PunchKind::In),
                punch("bs", 4 * H, PunchKind::BreakStart),
                punch("o", 8 * H, PunchKind::Out),
            ],
            9 * H,
        );
        assert_eq!(p.sessions[0].breaks[0].end, 8 * H);
        assert_eq!(
            p.issues,
            [Issue::UnendedBreak {
                date: DAY,
                id: "bs"
            }]
        );
    }

    #[test]
    fn a_second_break_start_ends_the_first_break() {
        let p = run(
            &[
                punch("i", 0, PunchKind::In),
                punch("b1", H, PunchKind::BreakStart),
                punch("b2", 3 * H, PunchKind::BreakStart),
                punch("e2", 3 * H + 900, PunchKind::BreakEnd),
                punch("o", 8 * H, PunchKind::Out),
            ],
            9 * H,
        );
        let breaks: Vec<_> = p.sessions[0]
            .breaks
            .iter()
            .map(|b| (b.start, b.end))
            .collect();
        assert_eq!(breaks, [(H, 3 * H), (3 * H, 3 * H + 900)]);
        assert_eq!(
            p.issues,
            [Issue::UnendedBreak {
                date: DAY,
                id: "b1"
            }]
        );
    }

    #[test]
    fn a_break_end_without_start_is_ignored_and_flagged() {
        let p = run(
            &[
                punch("i", 0, PunchKind::In),
                punch("e", H, PunchKind::BreakEnd),
                punch("o", 2 * H, PunchKind::Out),
            ],
            3 * H,
        );
        assert!(p.sessions[0].breaks.is_empty());
        assert_eq!(p.issues, [Issue::MissingBreakStart { date: DAY, id: "e" }]);
    }
}
