//! Attendance: site policies, shifts and schedules (admins and managers), and the hours the
//! engine computes (staff, and each employee their own).

use std::sync::Arc;

use attend_engine::RulesError;
use attend_protocol::ids::{EmployeeId, ShiftId, SiteId};
use jiff::civil::{Date, Time, Weekday};
use jiff::{SignedDuration, Timestamp, ToSpan as _};
use serde::Deserialize;
use utoipa::ToSchema;

use super::report::{AttendanceReport, MAX_RANGE_DAYS, compute, first_day};
use super::store::AttendanceStore;
use super::{Assignment, NewShift, Policy, Presence, Shift};
use crate::access::{Action, Caller};
use crate::db::{DepartmentFilter, Scope, StoreError};
use crate::features::leave::LeaveStore;
use crate::features::orgs::OrgStore;
use crate::platform::error::{AppResult, Error};
use crate::platform::limits;
use crate::platform::validate::Check;

/// Longest range one schedule change may cover.
const MAX_SCHEDULE_DAYS: i32 = 366;
/// Punches older than this do not put anyone on the live board.
const BOARD_WINDOW_HOURS: i64 = 24;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateShift {
    pub site_id: SiteId,
    pub name: String,
    /// `HH:MM` on the site's wall clock.
    pub start: String,
    /// `HH:MM`; not after `start` means the shift ends the next day.
    pub end: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetSchedule {
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    /// Only these weekdays (`monday` … `sunday`); every day when absent.
    pub weekdays: Option<Vec<String>>,
    /// The shift to work, or `null` to clear those dates.
    pub shift_id: Option<ShiftId>,
}

fn parse_time(check: &mut Check, field: &str, text: &str) -> Option<Time> {
    let parsed = Time::strptime("%H:%M", text.trim()).ok();
    if parsed.is_none() {
        check.fail(field, "must be a time as HH:MM, e.g. 07:30");
    }
    parsed
}

fn parse_weekday(name: &str) -> Option<Weekday> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "monday" => Weekday::Monday,
        "tuesday" => Weekday::Tuesday,
        "wednesday" => Weekday::Wednesday,
        "thursday" => Weekday::Thursday,
        "friday" => Weekday::Friday,
        "saturday" => Weekday::Saturday,
        "sunday" => Weekday::Sunday,
        _ => return None,
    })
}

/// Refuses a range that ends before it starts or spans more than `max_days`.
pub fn check_range(from: Date, to: Date, max_days: i32) -> AppResult<()> {
    if to < from {
        return Err(Error::field("to", "must not be before `from`"));
    }
    if from
        .checked_add(max_days.days())
        .is_ok_and(|limit| to >= limit)
    {
        return Err(Error::field(
            "to",
            format!("at most {max_days} days after `from`"),
        ));
    }
    Ok(())
}

#[derive(Clone, Debug)]
pub struct AttendanceService {
    store: Arc<dyn AttendanceStore>,
    leave: Arc<dyn LeaveStore>,
    orgs: Arc<dyn OrgStore>,
}

impl AttendanceService {
    pub fn new(
        store: Arc<dyn AttendanceStore>,
        leave: Arc<dyn LeaveStore>,
        orgs: Arc<dyn OrgStore>,
    ) -> Self {
        Self { store, leave, orgs }
    }

    pub async fn get_policy(&self, caller: &Caller, site: SiteId) -> AppResult<Policy> {
        caller.permit(Action::GetPolicy)?;
        Ok(self.store.site_policy(caller.scope(), site).await?)
    }

    pub async fn set_policy(
        &self,
        caller: &Caller,
        site: SiteId,
        policy: Policy,
    ) -> AppResult<Policy> {
        caller.permit(Action::SetPolicy)?;
        if let Err(e) = policy.rules(jiff::tz::TimeZone::UTC).validate() {
            let field = match e {
                RulesError::RoundingIncrement(_) => "rounding.increment_minutes",
                RulesError::MaxOpenHours(_) => "max_open_hours",
                RulesError::Grace => "grace_late_minutes",
            };
            return Err(Error::field(field, e.to_string()));
        }
        Ok(self
            .store
            .set_site_policy(&caller.audit(), caller.scope(), site, policy)
            .await?)
    }

    pub async fn create_shift(&self, caller: &Caller, req: CreateShift) -> AppResult<Shift> {
        caller.permit(Action::CreateShift)?;
        let mut check = Check::default();
        check.text("name", &req.name, limits::SHORT_NAME);
        let start = parse_time(&mut check, "start", &req.start);
        let end = parse_time(&mut check, "end", &req.end);
        if start.is_some() && start == end {
            check.fail("end", "must differ from `start`");
        }
        check.finish()?;
        let (Some(start), Some(end)) = (start, end) else {
            return Err(Error::field("start", "must be a time as HH:MM"));
        };
        let site = self
            .orgs
            .get_site(caller.scope(), req.site_id)
            .await
            .map_err(|_| Error::field("site_id", "does not exist"))?;
        let new = NewShift {
            org_id: site.org_id,
            site_id: site.id,
            name: req.name.trim().to_owned(),
            start,
            end,
        };
        Ok(self.store.create_shift(&caller.audit(), new).await?)
    }

    pub async fn list_shifts(&self, caller: &Caller) -> AppResult<Vec<Shift>> {
        caller.permit(Action::ListShifts)?;
        Ok(self.store.list_shifts(caller.scope()).await?)
    }

    /// No longer assignable; past assignments stay.
    pub async fn delete_shift(&self, caller: &Caller, id: ShiftId) -> AppResult<()> {
        caller.permit(Action::DeleteShift)?;
        Ok(self
            .store
            .delete_shift(&caller.audit(), caller.scope(), id)
            .await?)
    }

    /// Assigns (or clears) a shift on the chosen weekdays of a range; the schedule of the range
    /// afterwards.
    pub async fn set_schedule(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        req: SetSchedule,
    ) -> AppResult<Vec<Assignment>> {
        caller.permit(Action::SetSchedule)?;
        check_range(req.from, req.to, MAX_SCHEDULE_DAYS)?;
        let weekdays = match &req.weekdays {
            None => None,
            Some(names) => {
                let parsed: Option<Vec<Weekday>> = names.iter().map(|n| parse_weekday(n)).collect();
                match parsed {
                    Some(days) if !days.is_empty() => Some(days),
                    _ => {
                        return Err(Error::field(
                            "weekdays",
                            "must be weekday names, e.g. [\"monday\", \"friday\"]",
                        ));
                    }
                }
            }
        };
        let dates: Vec<Date> = req
            .from
            .series(1.day())
            .take_while(|d| *d <= req.to)
            .filter(|d| weekdays.as_ref().is_none_or(|w| w.contains(&d.weekday())))
            .collect();
        let (scope, depts) = (caller.scope(), caller.departments());
        self.store
            .assign_shift(
                &caller.audit(),
                scope,
                &depts,
                employee,
                dates,
                req.shift_id,
            )
            .await?;
        Ok(self
            .store
            .schedule(scope, &depts, employee, req.from, req.to)
            .await?)
    }

    pub async fn get_schedule(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        from: Date,
        to: Date,
    ) -> AppResult<Vec<Assignment>> {
        caller.permit_on(Action::GetSchedule, employee)?;
        check_range(from, to, MAX_SCHEDULE_DAYS)?;
        Ok(self
            .store
            .schedule(caller.scope(), &caller.departments(), employee, from, to)
            .await?)
    }

    /// Hours per work date from the synced punches, shifts and the site's policy.
    pub async fn report(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        from: Date,
        to: Date,
    ) -> AppResult<AttendanceReport> {
        caller.permit_on(Action::Report, employee)?;
        check_range(from, to, MAX_RANGE_DAYS)?;
        self.compute(
            caller.scope(),
            &caller.departments(),
            employee,
            from,
            to,
            Timestamp::now(),
        )
        .await
    }

    /// Runs the engine for `[from, to]` as of `now`, inside `scope`. For other services, which
    /// checked their own permission first (timesheets, reports, notifications).
    pub(crate) async fn compute(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        from: Date,
        to: Date,
        now: Timestamp,
    ) -> AppResult<AttendanceReport> {
        let first =
            first_day(from).ok_or_else(|| StoreError::State("`from` is too early".into()))?;
        let inputs = self
            .store
            .attendance_inputs(scope, depts, employee, first, to)
            .await?;
        let leave = self
            .leave
            .leave_days(scope, depts, employee, from, to)
            .await?;
        // The engine is pure CPU (a year of punches for a report): off the async workers, so a
        // big report never stalls other requests' I/O (security review L7).
        tokio::task::spawn_blocking(move || compute(inputs, leave, employee, from, to, now))
            .await
            .map_err(|e| Error::Internal(e.into()))?
            .map_err(|e| Error::from(StoreError::State(e.to_string())))
    }

    /// Who is in now: each visible employee's latest punch of the last day, by name.
    pub async fn who_is_in(&self, caller: &Caller) -> AppResult<Vec<Presence>> {
        caller.permit(Action::WhoIsIn)?;
        let since = Timestamp::now() - SignedDuration::from_hours(BOARD_WINDOW_HOURS);
        Ok(self
            .store
            .presence(caller.scope(), &caller.departments(), since)
            .await?)
    }
}
