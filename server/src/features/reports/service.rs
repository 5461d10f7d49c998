//! Reports: payroll for a pay period (staff), labour cost with its forecast and pay rates
//! (admins: pay is confidential).

use std::collections::HashMap;
use std::sync::Arc;

use attend_protocol::ids::{DepartmentId, EmployeeId, OrgId};
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::ToSchema;

use super::PayRate;
use super::labour::{LabourCost, labour_cost, period_cost};
use super::payroll::{PayrollRow, row_of};
use super::store::PayRateStore;
use crate::access::{Action, Caller};
use crate::features::orgs::OrgService;
use crate::features::people::{EmployeeStatus, PeopleService};
use crate::features::timesheets::{TimesheetService, TimesheetView};
use crate::platform::error::{AppResult, Error};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPayRate {
    #[schema(value_type = String, format = Date)]
    pub effective_from: Date,
    #[schema(minimum = 1, maximum = 1e6)]
    pub hourly_cents: u32,
    /// Default 150.
    #[schema(minimum = 100, maximum = 400)]
    pub overtime_rate_percent: Option<u32>,
}

/// Labour-cost computations one instance runs at once. Each runs the engine for every employee
/// in up to 26 periods (security review L7), so more at once would only share the same cores;
/// a caller who waits [`LABOUR_COST_WAIT`] without a turn is told to come back (503).
const CONCURRENT_LABOUR_COSTS: usize = 1;
const LABOUR_COST_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Clone, Debug)]
pub struct ReportService {
    rates: Arc<dyn PayRateStore>,
    timesheets: TimesheetService,
    people: PeopleService,
    orgs: OrgService,
    labour_cost_turns: Arc<tokio::sync::Semaphore>,
}

impl ReportService {
    pub fn new(
        rates: Arc<dyn PayRateStore>,
        timesheets: TimesheetService,
        people: PeopleService,
        orgs: OrgService,
    ) -> Self {
        Self {
            rates,
            timesheets,
            people,
            orgs,
            labour_cost_turns: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_LABOUR_COSTS)),
        }
    }

    /// The payroll rows of every active employee in scope (optionally one department) for the
    /// pay period containing `date`, by employee number.
    pub async fn payroll(
        &self,
        caller: &Caller,
        date: Date,
        department: Option<DepartmentId>,
    ) -> AppResult<Vec<PayrollRow>> {
        caller.permit(Action::Payroll)?;
        let sheets = self.sheets(caller, date, department).await?;
        Ok(sheets.into_iter().map(|(row, _)| row).collect())
    }

    /// The payroll rows with their timesheets (the hours chart draws the days from the same
    /// timesheets the rows were summed from: the engine runs once per employee either way).
    pub async fn hours_chart(
        &self,
        caller: &Caller,
        date: Date,
        department: Option<DepartmentId>,
    ) -> AppResult<Vec<(PayrollRow, TimesheetView)>> {
        caller.permit(Action::HoursChart)?;
        self.sheets(caller, date, department).await
    }

    async fn sheets(
        &self,
        caller: &Caller,
        date: Date,
        department: Option<DepartmentId>,
    ) -> AppResult<Vec<(PayrollRow, TimesheetView)>> {
        let names: HashMap<DepartmentId, String> = self
            .orgs
            .all_departments(caller)
            .await?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        let mut rows = Vec::new();
        for e in self.people.all_employees(caller).await? {
            if e.status != EmployeeStatus::Active
                || department.is_some_and(|d| e.department_id != Some(d))
            {
                continue;
            }
            let sheet = self.timesheets.view(caller, e.id, date).await?;
            let department = e.department_id.and_then(|d| names.get(&d).cloned());
            rows.push((
                row_of(e.employee_number, e.display_name, department, &sheet),
                sheet,
            ));
        }
        rows.sort_by(|a, b| a.0.employee_number.cmp(&b.0.employee_number));
        Ok(rows)
    }

    /// Cost of the `history` periods up to the one containing `date`, and the forecast.
    pub async fn labour_cost(
        &self,
        caller: &Caller,
        org: Option<OrgId>,
        date: Date,
        history: usize,
    ) -> AppResult<LabourCost> {
        caller.permit(Action::LabourCost)?;
        if !(2..=26).contains(&history) {
            return Err(Error::field("history", "must be 2 to 26 periods"));
        }
        let org = caller.target_org(org)?;
        let _turn = tokio::time::timeout(
            LABOUR_COST_WAIT,
            self.labour_cost_turns.clone().acquire_owned(),
        )
        .await
        .map_err(|_| Error::Busy { retry_after_s: 5 })?
        .map_err(|e| Error::Internal(e.into()))?;
        let calendar = self.timesheets.pay_calendar(caller, org).await?;
        let rates = self
            .rates
            .all_pay_rates(caller.scope(), &caller.departments())
            .await?;
        let mut starts = vec![calendar.period_containing(date)];
        while starts.len() < history.max(1) {
            let Some(before) = starts.last().and_then(|p| p.start.yesterday().ok()) else {
                break;
            };
            starts.push(calendar.period_containing(before));
        }
        starts.reverse();
        let mut periods = Vec::with_capacity(starts.len());
        for period in starts {
            let rows: Vec<PayrollRow> = self
                .sheets(caller, period.start, None)
                .await?
                .into_iter()
                .map(|(row, _)| row)
                .collect();
            periods.push(period_cost(period, &rows, &rates));
        }
        let last_end = periods.last().map_or(date, |p| p.period.end);
        let next_period = calendar.period_containing(last_end.tomorrow().unwrap_or(last_end));
        Ok(labour_cost(periods, next_period))
    }

    /// Sets a rate from a date on; all of the employee's rates, oldest first.
    pub async fn set_pay_rate(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        req: SetPayRate,
    ) -> AppResult<Vec<PayRate>> {
        caller.permit(Action::SetPayRate)?;
        let percent = req.overtime_rate_percent.unwrap_or(150);
        if !(100..=400).contains(&percent) {
            return Err(Error::field("overtime_rate_percent", "must be 100 to 400"));
        }
        if req.hourly_cents == 0 || req.hourly_cents > 1_000_000 {
            return Err(Error::field("hourly_cents", "must be 1 to 1,000,000"));
        }
        let rate = PayRate {
            employee_id: employee,
            effective_from: req.effective_from,
            hourly_cents: req.hourly_cents,
            overtime_rate_percent: percent,
        };
        Ok(self
            .rates
            .set_pay_rate(&caller.audit(), caller.scope(), &caller.departments(), rate)
            .await?)
    }

    pub async fn pay_rates(
        &self,
        caller: &Caller,
        employee: EmployeeId,
    ) -> AppResult<Vec<PayRate>> {
        caller.permit(Action::PayRates)?;
        Ok(self
            .rates
            .pay_rates(caller.scope(), &caller.departments(), employee)
            .await?)
    }
}
