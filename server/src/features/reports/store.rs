//! Hourly pay rates with effective dates (a raise applies from its date on; history stays).

use async_trait::async_trait;
use attend_protocol::ids::EmployeeId;

use super::PayRate;
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreResult};

#[async_trait]
pub trait PayRateStore: Send + Sync + std::fmt::Debug {
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
