//! Timesheets: one computed (live from the engine until it is approved, frozen after), the
//! steps of the workflow, the reviewers' queue, and each organisation's pay calendar.

use std::sync::Arc;

use attend_protocol::ids::{EmployeeId, OrgId};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::ToSchema;

use super::period::{PayCalendar, Period};
use super::store::{TimesheetKey, TimesheetStore};
use super::{Status, TimesheetRow, TimesheetView};
use crate::access::{Action, Caller};
use crate::db::{Page, Paged, StoreError};
use crate::features::approvals::decide::{party, reason};
use crate::features::approvals::workflow::Party;
use crate::features::approvals::workflow::{TIMESHEET, transition};
use crate::features::approvals::{Recorded, State, Step};
use crate::features::attendance::{AttendanceReport, AttendanceService};
use crate::features::people::PeopleStore;
use crate::platform::error::{AppResult, Error};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectTimesheet {
    /// Shown to the employee, e.g. "Tuesday's clock-out is missing".
    pub reason: String,
}

#[derive(Clone, Debug)]
pub struct TimesheetService {
    pub(super) store: Arc<dyn TimesheetStore>,
    pub(super) people: Arc<dyn PeopleStore>,
    attendance: AttendanceService,
    pub(super) blobs: Arc<dyn super::blobs::BlobStore>,
    pub(super) quota_bytes: u64,
}

impl TimesheetService {
    pub fn new(
        store: Arc<dyn TimesheetStore>,
        people: Arc<dyn PeopleStore>,
        attendance: AttendanceService,
        blobs: Arc<dyn super::blobs::BlobStore>,
        quota_bytes: u64,
    ) -> Self {
        Self {
            store,
            people,
            attendance,
            blobs,
            quota_bytes,
        }
    }

    /// The period containing `date`, its stored row and its hours (frozen once approved).
    async fn load(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        date: Date,
        now: Timestamp,
    ) -> AppResult<(Period, Option<TimesheetRow>, AttendanceReport)> {
        let (scope, depts) = (caller.scope(), caller.departments());
        let period = self.period_of(caller, employee, date).await?;
        let row = self
            .store
            .timesheet(scope, &depts, employee, period.start)
            .await?;
        let frozen = row
            .as_ref()
            .filter(|r| r.status == Status::Approved)
            .and_then(|r| r.snapshot.as_deref());
        let hours = match frozen {
            Some(json) => {
                serde_json::from_str(json).map_err(|e| StoreError::Backend(Box::new(e)))?
            }
            None => {
                self.attendance
                    .compute(scope, &depts, employee, period.start, period.end, now)
                    .await?
            }
        };
        Ok((period, row, hours))
    }

    /// The pay period of the employee's organisation that contains `date`.
    pub(super) async fn period_of(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        date: Date,
    ) -> AppResult<Period> {
        let scope = caller.scope();
        let person = self
            .people
            .get_employee(scope, &caller.departments(), employee)
            .await?;
        Ok(self
            .store
            .pay_calendar(scope, person.org_id)
            .await?
            .period_containing(date))
    }

    /// The timesheet of the period containing `date`.
    pub async fn view(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        date: Date,
    ) -> AppResult<TimesheetView> {
        caller.permit_on(Action::ViewTimesheet, employee)?;
        let (period, record, hours) = self.load(caller, employee, date, Timestamp::now()).await?;
        let status = record.as_ref().map_or(Status::Draft, |r| r.status);
        Ok(TimesheetView {
            employee_id: employee,
            period,
            status,
            locked: status == Status::Approved,
            record,
            hours,
        })
    }

    /// Submits the timesheet whose period starts on `start` (once the period is over).
    pub async fn submit(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        start: Date,
    ) -> AppResult<TimesheetView> {
        caller.permit_on(Action::SubmitTimesheet, employee)?;
        self.step(caller, employee, start, Step::Submit, None).await
    }

    /// Approves (freezing its hours) or sends back with a reason the timesheet whose period
    /// starts on `start`. Never one's own.
    pub async fn decide(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        start: Date,
        step: Step,
        reason_text: Option<String>,
    ) -> AppResult<TimesheetView> {
        caller.permit_on(Action::DecideTimesheet, employee)?;
        let reason = reason(step, reason_text)?;
        self.step(caller, employee, start, step, reason).await
    }

    async fn step(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        start: Date,
        step: Step,
        reason: Option<String>,
    ) -> AppResult<TimesheetView> {
        let now = Timestamp::now();
        let (period, record, hours) = self.load(caller, employee, start, now).await?;
        if period.start != start {
            return Err(Error::field(
                "date",
                format!(
                    "`{start}` is not the first day of a pay period (it starts on {})",
                    period.start
                ),
            ));
        }
        let party = party(caller, Some(employee))?;
        let waived = if step == Step::Approve && matches!(party, Party::Reviewer { .. }) {
            self.creator_bar(caller, employee).await?
        } else {
            None
        };
        let today = jiff::tz::TimeZone::get(&hours.time_zone)
            .map_or_else(
                |_| now.to_zoned(jiff::tz::TimeZone::UTC),
                |tz| now.to_zoned(tz),
            )
            .date();
        // Submitting waits for the period's end: later punches would change what was submitted.
        let ready = if today > period.end {
            Ok(())
        } else {
            Err("the timesheet period has not ended yet")
        };
        let status = record.as_ref().map_or(Status::Draft, |r| r.status);
        let before = State {
            stage: status.stage(),
            level: 1,
        };
        let after = transition(&TIMESHEET, before, step, party, ready)?;
        let snapshot = (Status::of(after.stage) == Status::Approved)
            .then(|| serde_json::to_string(&hours))
            .transpose()
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        let recorded = Recorded {
            id: TimesheetKey { employee, period },
            step,
            before,
            after,
            reason,
            waived,
        };
        let record = self
            .store
            .record_step(
                &caller.audit().waiving(waived),
                caller.scope(),
                &caller.departments(),
                recorded,
                snapshot,
            )
            .await?;
        Ok(TimesheetView {
            employee_id: employee,
            period,
            status: record.status,
            locked: record.status == Status::Approved,
            record: Some(record),
            hours,
        })
    }

    /// Four eyes: whoever created an employee does not approve their first timesheet (a
    /// person one invented and the hours one gave them are for someone else to check).
    async fn creator_bar(
        &self,
        caller: &Caller,
        employee: EmployeeId,
    ) -> AppResult<Option<&'static str>> {
        let (scope, depts) = (caller.scope(), caller.departments());
        let person = self.people.get_employee(scope, &depts, employee).await?;
        if person.created_by == Some(caller.user_id)
            && !self
                .store
                .has_approved_timesheet(scope, &depts, employee)
                .await?
        {
            return caller.four_eyes(
                "you created this employee, so another reviewer approves their first timesheet",
            );
        }
        Ok(None)
    }

    /// The review queue: stored timesheets in scope, oldest period first.
    pub async fn list(
        &self,
        caller: &Caller,
        status: Option<Status>,
        page: &Page,
    ) -> AppResult<Paged<TimesheetRow>> {
        caller.permit(Action::ListTimesheets)?;
        Ok(self
            .store
            .list_timesheets(caller.scope(), &caller.departments(), status, page)
            .await?)
    }

    /// The organisation's pay calendar (calendar months when none was set).
    pub async fn pay_calendar(&self, caller: &Caller, org: OrgId) -> AppResult<PayCalendar> {
        caller.permit(Action::GetPayCalendar)?;
        Ok(self.store.pay_calendar(caller.scope(), org).await?)
    }

    pub async fn set_pay_calendar(
        &self,
        caller: &Caller,
        org: OrgId,
        calendar: PayCalendar,
    ) -> AppResult<PayCalendar> {
        caller.permit(Action::SetPayCalendar)?;
        let org = caller.target_org(Some(org))?;
        Ok(self
            .store
            .set_pay_calendar(&caller.audit(), caller.scope(), org, calendar)
            .await?)
    }
}
