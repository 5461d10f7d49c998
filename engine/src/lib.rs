//! Attend's attendance engine: one employee's clock punches, equipment sessions and
//! schedule in, work sessions, paid hours and exceptions out. Pure: no I/O, no clock
//! (the caller passes `now`), no panics on any input.
//!
//! # Modules
//! - `rules`: input types (punches, machine sessions, shifts) and the site's [`Rules`].
//! - `instant`: whole-second instants, the internal time scale, and their conversions.
//! - `ingest`: canonical punch order, re-sent punches dropped, double taps set aside.
//! - `pairing`: punches → raw sessions with breaks, missing outs, orphan punches.
//! - `work_date`: the schedule as real instants and the work date of an instant.
//! - `rounding`: a session's paid start/end (early arrival, grace, rounding).
//! - `overtime`: each day's paid minutes → regular, daily and weekly overtime.
//! - `machine`: equipment sessions → machine minutes per day and equipment.
//! - `output`: [`EngineOutput`], [`DaySummary`], [`WorkSession`], [`Exception`].
//! - `summary`: [`compute`], which runs the above in order.
//!
//! # Invariants
//! - Input order never matters: punches are sorted by (time, id, kind), a total order.
//! - Idempotent: a punch whose id was already seen is dropped silently, so re-sending
//!   any batch changes nothing; running `compute` twice gives equal output.
//! - Sessions never overlap, and a paid start is never before the previous paid end.
//! - Every duration is a whole, non-negative number of minutes, and for every day
//!   `clocked = paid + unpaid_break`, `paid = worked + paid_break` and
//!   `paid = regular + daily_overtime + weekly_overtime`.
//! - Durations are real elapsed time (instant differences), never wall-clock
//!   differences: a 22:00–06:00 night is 7 h on a spring-forward night, 9 h on fall-back.
//! - An open session counts zero minutes; nothing about it is flagged until it is final.
//!
//! # Rules applied
//! - **Time scale.** Seconds are dropped from every punch before any duration is
//!   taken (08:00:59 counts as 08:00), so all output is exact whole minutes. Which
//!   punches are double taps is decided at full precision.
//! - **Duplicates.** Same id: the first copy in sorted order wins, others vanish. Double
//!   tap: a punch of the same kind as the previous kept punch and at most 2 minutes after
//!   it is ignored and reported as `DuplicatePunch` (ids: the ignored punch, then the
//!   kept one), dated like the punch it repeats.
//! - **Pairing.** In opens a session; Out closes it; breaks live inside. A non-In punch
//!   with no session open is `MissingIn` and credits nothing (dated by the shift whose
//!   window `(start, end + 4 h]` holds it, nearest end, else its local date). A second
//!   BreakStart ends the open break there; a break still open at the session's end ends
//!   there; both are `UnendedBreak` (an unpaid break therefore runs to that point: the
//!   flag asks a manager to fix it). A BreakEnd with no break open is
//!   `MissingBreakStart` and ignored.
//! - **Work date.** A session (and a machine session) belongs to the date of the
//!   scheduled shift whose window `[start − 4 h, end)` contains its clock-in (nearest
//!   start if windows overlap, then the earlier date); otherwise to the local civil
//!   date of its clock-in. A session counts wholly on its work date, even past midnight.
//! - **Overnight shifts.** `end <= start` ends the next civil day; the shift's date is
//!   the day it starts. Shift times resolve in the site's zone with the compatible
//!   disambiguation (a time in a gap moves forward by the gap, a repeated time takes its
//!   first occurrence). Only the first shift per date (by start, end) is used.
//! - **Forgotten clock-out.** A session's believable length ends at its *limit*:
//!   `in + max_open_hours`, or the shift end if that is later. A punch after the limit
//!   starts over (an Out there is `MissingIn`). A session with no Out is closed at its
//!   shift end (no shift: `in + max_open_hours`), or at the next In if that comes first,
//!   and reported as both `MissingOut` and `AutoClosed { closed_at }`. With no later
//!   punch it is closed only once `now` is past its limit; until then it is `Open` and
//!   counts zero, because its Out may still legitimately arrive. So once a session is
//!   auto-closed no future punch can change that.
//! - **Early arrival.** A clock-in before the shift start is paid from the shift start,
//!   unless `pay_early_arrival` (then it is paid as punched, rounded).
//! - **Grace.** A clock-in at most `grace_late_minutes` after the shift start is paid
//!   from the start; a clock-out at most `grace_early_leave_minutes` before the shift
//!   end is paid to the end. Beyond grace: `LateArrival { minutes }` on the shift's
//!   first session, `EarlyLeave { minutes }` on its last (if it ended with a punch),
//!   minutes measured from the shift boundary. Staying after the shift end is paid.
//! - **Rounding** (optional, increment dividing 60) applies to punched times that grace
//!   and early arrival left alone, on the site's wall clock (so 30- and 60-minute grids
//!   work in +05:30 and +05:45 zones), with the offset in force at the punch. One mode
//!   for in and out: `Nearest` (half up: at 15 min, :07 down and :08 up; neutral over
//!   time, the usual choice), `Up` or `Down`. Times from the schedule or invented by
//!   auto-close are never rounded; a rounded start never falls before an unpaid shift
//!   start; a paid end is never before its start.
//! - **Breaks.** Punched breaks are clipped to the paid span; paid or unpaid per
//!   `breaks.paid`. Auto-deduct is per work date: when the day's paid minutes reach
//!   `after_worked_minutes`, punched breaks (paid or not) are topped up with unpaid time
//!   to `deduct_minutes`, so only a short or missing break is deducted, and never more
//!   than the day's working time.
//! - **Overtime.** Daily first: paid minutes above the daily threshold. Then weekly, per
//!   week starting `week_starts`: regular minutes beyond the weekly threshold, in date
//!   order, become weekly overtime (daily overtime never counts toward the week, so no
//!   minute is counted twice). The caller passes every punch of the weeks concerned.
//! - **Absence.** A shift that has ended (by `now`) with no session on its date is `Absent`.
//! - **Machines.** Paired by the caller; one record per session id (a stopped copy
//!   wins). A session counts in full, in whole minutes, on the work date of its start
//!   (the clock-in rule above), per equipment id. An unstopped session counts zero;
//!   once `now` is past its start + `max_open_hours` it is `UnstoppedMachine`.
//! - **Robustness.** Invalid rule values are clamped, never fatal (`Rules::validate`
//!   reports them): a bad rounding increment disables rounding; `max_open_hours` is
//!   capped at a week and grace at 4 h.

mod ingest;
mod instant;
mod machine;
mod output;
mod overtime;
mod pairing;
mod rounding;
mod rules;
mod summary;
mod work_date;

pub use output::{
    DaySummary, EngineOutput, Exception, ExceptionKind, SessionStatus, Totals, WorkSession,
};
pub use rules::{
    AutoDeduct, BreakRule, MAX_GRACE_MINUTES, MAX_OPEN_HOURS_LIMIT, MachineInput, Overtime,
    PunchInput, PunchKind, Rounding, RoundingMode, Rules, RulesError, ScheduledShift,
};
pub use summary::compute;
