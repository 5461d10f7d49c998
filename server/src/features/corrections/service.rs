//! Corrections: a missing punch asked for (by the employee, or staff for them), the queue, and
//! decisions through the approval workflow.

use std::sync::Arc;

use attend_protocol::events::PunchType;
use attend_protocol::ids::{CorrectionId, EmployeeId};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use utoipa::ToSchema;

use super::store::CorrectionStore;
use super::{Correction, NewCorrection};
use crate::access::{Action, Caller};
use crate::features::approvals::decide::plan;
use crate::features::approvals::workflow::REQUEST;
use crate::features::approvals::{ApprovalStatus, Step};
use crate::features::orgs::OrgStore;
use crate::features::people::PeopleStore;
use crate::platform::error::AppResult;
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

#[derive(Clone)]
pub struct CorrectionService {
    store: Arc<dyn CorrectionStore>,
    people: Arc<dyn PeopleStore>,
    orgs: Arc<dyn OrgStore>,
}

impl std::fmt::Debug for CorrectionService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CorrectionService")
    }
}

impl CorrectionService {
    pub fn new(
        store: Arc<dyn CorrectionStore>,
        people: Arc<dyn PeopleStore>,
        orgs: Arc<dyn OrgStore>,
    ) -> Self {
        Self {
            store,
            people,
            orgs,
        }
    }

    /// The punch's date on the employee's site clock (UTC without a site).
    async fn local_date(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        at: Timestamp,
    ) -> AppResult<jiff::civil::Date> {
        let scope = caller.scope();
        let person = self
            .people
            .get_employee(scope, &caller.departments(), employee)
            .await?;
        let zone = match person.site_id {
            Some(site) => self
                .orgs
                .get_site(scope, site)
                .await
                .ok()
                .and_then(|s| jiff::tz::TimeZone::get(&s.timezone).ok()),
            None => None,
        };
        Ok(at.to_zoned(zone.unwrap_or(jiff::tz::TimeZone::UTC)).date())
    }

    pub async fn request(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        req: RequestCorrection,
    ) -> AppResult<Correction> {
        caller.permit_on(Action::RequestCorrection, employee)?;
        let mut check = Check::default();
        check.text("reason", &req.reason, 1, 300);
        if req.at > Timestamp::now() + SignedDuration::from_mins(5) {
            check.fail("at", "must not be in the future");
        }
        check.finish()?;
        let new = NewCorrection {
            employee,
            local_date: self.local_date(caller, employee, req.at).await?,
            punch_type: req.punch_type,
            at: req.at,
            reason: req.reason.trim().to_owned(),
        };
        Ok(self
            .store
            .create_correction(&caller.audit(), caller.scope(), &caller.departments(), new)
            .await?)
    }

    pub async fn of_employee(
        &self,
        caller: &Caller,
        employee: EmployeeId,
    ) -> AppResult<Vec<Correction>> {
        caller.permit_on(Action::EmployeeCorrections, employee)?;
        Ok(self
            .store
            .list_corrections(caller.scope(), &caller.departments(), Some(employee), None)
            .await?)
    }

    pub async fn list(
        &self,
        caller: &Caller,
        status: Option<ApprovalStatus>,
    ) -> AppResult<Vec<Correction>> {
        caller.permit(Action::ListCorrections)?;
        Ok(self
            .store
            .list_corrections(caller.scope(), &caller.departments(), None, status)
            .await?)
    }

    /// Approves, rejects (with a reason), escalates or cancels a correction.
    pub async fn decide(
        &self,
        caller: &Caller,
        id: CorrectionId,
        step: Step,
        reason_text: Option<String>,
    ) -> AppResult<Correction> {
        let (scope, depts) = (caller.scope(), caller.departments());
        let current = self.store.get_correction(scope, &depts, id).await?;
        let owner = current.employee_id;
        let recorded = plan(
            caller,
            Action::DecideCorrection,
            &REQUEST,
            owner,
            &current.review,
            id,
            step,
            reason_text,
        )?;
        let local_date = self
            .local_date(caller, current.employee_id, current.at)
            .await?;
        Ok(self
            .store
            .record_correction_step(&caller.audit(), scope, &depts, recorded, local_date)
            .await?)
    }
}
