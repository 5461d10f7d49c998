//! Hourly pay rates with effective dates (a raise applies from its date on; history stays).

use async_trait::async_trait;
use attend_protocol::ids::EmployeeId;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AuditCtx, DepartmentFilter, Scope, StoreResult};

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

#[async_trait]
pub trait PayRateStore: Send + Sync {
    /// Sets the rate from a date on (replacing one set for that same date).
    async fn set_pay_rate(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        rate: PayRate,
    ) -> StoreResult<Vec<PayRate>>;
    /// One employee's rates, oldest first.
    async fn pay_rates(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
    ) -> StoreResult<Vec<PayRate>>;
    /// Every rate of the employees in scope.
    async fn all_pay_rates(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
    ) -> StoreResult<Vec<PayRate>>;
}
