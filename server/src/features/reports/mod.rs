//! Reports built on timesheets: hours per employee and department for one pay period, the
//! payroll CSV, labour cost with its forecast, the dashboard's hours chart, and the pay rates
//! they are priced with. Each employee's hours are their timesheet's (frozen if approved, live
//! otherwise), so the export and the timesheet screen never disagree.
//!
//! - [`payroll`]: payroll rows and the CSV (pure); [`labour`]: cost per period and department
//!   (pure); [`forecast`]: the next period's cost and its held-out error (pure).
//! - [`service`]: permission checks and the reads; [`api`]: the JSON and CSV routes (heavy
//!   tier) and pay rates; [`pages`]: the reports page; [`svg`]: its server-drawn chart.
//! - [`store`]: pay rates; [`sql`] implements it (on SQLite and PostgreSQL).

pub mod api;
pub mod forecast;
pub mod labour;
pub mod pages;
pub mod payroll;
pub mod service;
pub mod sql;
pub mod store;
pub mod svg;

use attend_protocol::ids::EmployeeId;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use service::ReportService;
pub use store::PayRateStore;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PayRate {
    pub employee_id: EmployeeId,
    #[schema(value_type = String, format = Date)]
    pub effective_from: Date,
    /// Per hour, in cents of the organisation's currency.
    pub hourly_cents: u32,
    /// Overtime pay as a percentage of the hourly rate, e.g. 150.
    pub overtime_rate_percent: u32,
}

impl PayRate {
    /// The rate in force on `date` among `rates` (any order), if any.
    pub fn on(rates: &[PayRate], date: Date) -> Option<&PayRate> {
        rates
            .iter()
            .filter(|r| r.effective_from <= date)
            .max_by_key(|r| r.effective_from)
    }
}
