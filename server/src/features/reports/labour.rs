//! Labour cost per pay period and department, from the payroll rows and the pay rates in force,
//! with a forecast of the next period and the forecast's error on a held-out period.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::PayRate;
use super::forecast::{Holdout, forecast_next, holdout};
use super::payroll::PayrollRow;
use crate::features::timesheets::period::Period;

/// One period's hours and cost.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PeriodCost {
    pub period: Period,
    /// Per department name (`""` for employees without one): paid minutes and cost in cents.
    #[schema(value_type = Object)]
    pub departments: BTreeMap<String, DepartmentCost>,
    pub paid_minutes: u64,
    pub cost_cents: u64,
    /// Employees with paid time but no pay rate in force: their cost is missing.
    pub employees_without_rate: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DepartmentCost {
    pub paid_minutes: u64,
    pub regular_minutes: u64,
    pub overtime_minutes: u64,
    pub leave_minutes: u64,
    pub cost_cents: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct LabourCost {
    /// Oldest first; the last is the period containing the requested date.
    pub periods: Vec<PeriodCost>,
    /// The period after the last one.
    pub next_period: Period,
    pub forecast_cost_cents: u64,
    /// Fitted on all periods but the last, checked against it.
    pub holdout: Option<Holdout>,
}

/// Regular and paid leave at the hourly rate, overtime at its percentage; whole cents.
pub fn row_cost(row: &PayrollRow, rate: &PayRate) -> u64 {
    let hourly = u64::from(rate.hourly_cents);
    let base = (row.regular_minutes + row.leave_minutes) * hourly;
    let overtime = row.overtime_minutes * hourly * u64::from(rate.overtime_rate_percent) / 100;
    (base + overtime + 30) / 60
}

pub fn period_cost(period: Period, rows: &[PayrollRow], rates: &[PayRate]) -> PeriodCost {
    let mut out = PeriodCost {
        period,
        departments: BTreeMap::new(),
        paid_minutes: 0,
        cost_cents: 0,
        employees_without_rate: 0,
    };
    for row in rows {
        let own: Vec<PayRate> = rates
            .iter()
            .filter(|r| r.employee_id == row.employee_id)
            .cloned()
            .collect();
        let cost = if let Some(rate) = PayRate::on(&own, period.end) {
            row_cost(row, rate)
        } else {
            if row.paid_minutes > 0 {
                out.employees_without_rate += 1;
            }
            0
        };
        let d = out
            .departments
            .entry(row.department.clone().unwrap_or_default())
            .or_default();
        d.paid_minutes += row.paid_minutes;
        d.regular_minutes += row.regular_minutes;
        d.overtime_minutes += row.overtime_minutes;
        d.leave_minutes += row.leave_minutes;
        d.cost_cents += cost;
        out.paid_minutes += row.paid_minutes;
        out.cost_cents += cost;
    }
    out
}

/// Cost per period (oldest first) and the next period's forecast, fitted on the costs.
pub fn labour_cost(periods: Vec<PeriodCost>, next_period: Period) -> LabourCost {
    let series: Vec<f64> = periods.iter().map(|p| p.cost_cents as f64).collect();
    LabourCost {
        next_period,
        forecast_cost_cents: forecast_next(&series).round() as u64,
        holdout: holdout(&series),
        periods,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overtime_is_paid_at_its_percentage() {
        let row = PayrollRow {
            employee_id: attend_protocol::ids::EmployeeId(uuid::Uuid::nil()),
            employee_number: "1".into(),
            name: "Ana".into(),
            department: None,
            period: Period {
                start: jiff::civil::date(2026, 2, 1),
                end: jiff::civil::date(2026, 2, 28),
            },
            status: crate::features::timesheets::Status::Draft,
            regular_minutes: 2_640,
            overtime_minutes: 300,
            leave_minutes: 0,
            machine_minutes: 90,
            paid_minutes: 2_940,
        };
        let rate = PayRate {
            employee_id: row.employee_id,
            effective_from: jiff::civil::date(2026, 1, 1),
            hourly_cents: 2_000,
            overtime_rate_percent: 150,
        };
        // 44 h × 20.00 + 5 h × 30.00 = 880 + 150 = 1,030.00.
        assert_eq!(row_cost(&row, &rate), 103_000);
    }
}
