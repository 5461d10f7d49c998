//! Leave: types and allowances (admins), requests (the employee, or staff for them) and
//! balances; the queue and decisions are the request desk's ([`Requests`]).

use attend_protocol::ids::{EmployeeId, LeaveTypeId, OrgId};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rules::working_days;
use super::{Balance, LeaveRequest, LeaveType, NewLeaveRequest, NewLeaveType};
use crate::access::{Action, Caller};
use crate::db::{Page, Paged};
use crate::features::approvals::requests::{Asked, Requests};
use crate::platform::error::{AppResult, Error};
use crate::platform::limits;
use crate::platform::validate::Check;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLeaveType {
    pub org_id: Option<OrgId>,
    pub name: String,
    pub paid: bool,
    /// Days per calendar year; no limit when absent.
    pub annual_days: Option<u32>,
    /// Minutes one leave day counts for (default 480).
    pub day_minutes: Option<u32>,
    /// 1 (a manager approves, the default) or 2 (only an org admin).
    pub approval_level: Option<u8>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestLeave {
    pub leave_type_id: LeaveTypeId,
    #[schema(value_type = String, format = Date)]
    pub first_day: Date,
    #[schema(value_type = String, format = Date)]
    pub last_day: Date,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeeLeave {
    /// One page of the requests, newest first.
    pub requests: Paged<LeaveRequest>,
    /// The year's balance of every leave type.
    pub balances: Vec<Balance>,
}

/// A request for the working days of a range inside one year (it must then overlap no other
/// open request and fit the year's allowance: the store checks those with [`super::rules`]).
impl Asked for RequestLeave {
    type New = NewLeaveRequest;
    fn checked(self) -> AppResult<NewLeaveRequest> {
        let mut check = Check::default();
        if self.last_day < self.first_day {
            check.fail("last_day", "must not be before `first_day`");
        } else if self.last_day.year() != self.first_day.year() {
            check.fail(
                "last_day",
                "must be in the same year as `first_day`: split the request at the new year",
            );
        }
        if let Some(note) = &self.note {
            check.text("note", note, limits::NOTE);
        }
        check.finish()?;
        let days = working_days(self.first_day, self.last_day).count() as u32;
        if days == 0 {
            return Err(Error::field(
                "last_day",
                "the range holds no working day (Monday to Friday)",
            ));
        }
        Ok(NewLeaveRequest {
            leave_type: self.leave_type_id,
            first_day: self.first_day,
            last_day: self.last_day,
            days,
            note: self
                .note
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty()),
        })
    }
}

/// Leave's service: the request desk for leave requests, with what only leave does.
pub type LeaveService = Requests<LeaveRequest>;

impl Requests<LeaveRequest> {
    pub async fn create_type(&self, caller: &Caller, req: CreateLeaveType) -> AppResult<LeaveType> {
        caller.permit(Action::CreateLeaveType)?;
        let mut check = Check::default();
        check.text("name", &req.name, limits::SHORT_NAME);
        let day_minutes = req.day_minutes.unwrap_or(480);
        if !(1..=1440).contains(&day_minutes) {
            check.fail("day_minutes", "must be 1 to 1440");
        }
        let level = req.approval_level.unwrap_or(1);
        if !(1..=2).contains(&level) {
            check.fail("approval_level", "must be 1 (manager) or 2 (org admin)");
        }
        if req.annual_days.is_some_and(|d| d > 366) {
            check.fail("annual_days", "must be at most 366");
        }
        check.finish()?;
        let new = NewLeaveType {
            org_id: caller.target_org(req.org_id)?,
            name: req.name.trim().to_owned(),
            paid: req.paid,
            annual_days: req.annual_days,
            day_minutes,
            approval_level: level,
        };
        Ok(self.store.create_leave_type(&caller.audit(), new).await?)
    }

    pub async fn list_types(&self, caller: &Caller) -> AppResult<Vec<LeaveType>> {
        caller.permit(Action::ListLeaveTypes)?;
        Ok(self.store.list_leave_types(caller.scope()).await?)
    }

    /// A page of one employee's requests (newest first) and the year's balances.
    pub async fn of_employee(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        year: i16,
        page: &Page,
    ) -> AppResult<EmployeeLeave> {
        caller.permit_on(Action::EmployeeLeave, employee)?;
        let (scope, depts) = (caller.scope(), caller.departments());
        Ok(EmployeeLeave {
            requests: self
                .store
                .requests(scope, &depts, Some(employee), None, page)
                .await?,
            balances: self
                .store
                .leave_balances(scope, &depts, employee, year)
                .await?,
        })
    }
}
