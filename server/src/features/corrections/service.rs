//! Corrections: a missing punch asked for (by the employee, or staff for them); the queue and
//! decisions are the approval workflow's request desk ([`Requests`]).

use attend_protocol::events::PunchType;
use attend_protocol::ids::EmployeeId;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Correction, NewCorrection};
use crate::access::{Action, Caller};
use crate::db::{Page, Paged};
use crate::features::approvals::requests::{Asked, Requests};
use crate::platform::error::AppResult;
use crate::platform::limits;
use crate::platform::validate::Check;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestCorrection {
    /// `in`, `out`, `break_start` or `break_end`.
    #[schema(value_type = String)]
    pub punch_type: PunchType,
    /// When it happened (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// Why the kiosk has no record, e.g. "left through the loading bay".
    pub reason: String,
}

/// A missing punch (the store then refuses one inside a period whose timesheet is approved).
impl Asked for RequestCorrection {
    type New = NewCorrection;
    fn checked(self) -> AppResult<NewCorrection> {
        let mut check = Check::default();
        check.text("reason", &self.reason, limits::REASON);
        if self.at > Timestamp::now() + SignedDuration::from_mins(5) {
            check.fail("at", "must not be in the future");
        }
        check.finish()?;
        Ok(NewCorrection {
            punch_type: self.punch_type,
            at: self.at,
            reason: self.reason.trim().to_owned(),
        })
    }
}

/// Corrections' service: the request desk for corrections, with what only corrections do.
pub type CorrectionService = Requests<Correction>;

impl Requests<Correction> {
    /// One employee's corrections, newest first, a page at a time.
    pub async fn of_employee(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        page: &Page,
    ) -> AppResult<Paged<Correction>> {
        caller.permit_on(Action::EmployeeCorrections, employee)?;
        let (scope, depts) = (caller.scope(), caller.departments());
        Ok(self
            .store
            .requests(scope, &depts, Some(employee), None, page)
            .await?)
    }
}
