//! Pay rates on SQLite.

use crate::db::sql::{Row, Sql, params};
use async_trait::async_trait;
use attend_protocol::ids::EmployeeId;

use super::PayRate;
use super::store::PayRateStore;
use crate::db::sql::{
    Audit, SqlDb, db, dept_param, employee_in_scope, get_date, get_id, opt_org, query_rows,
};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreResult};

fn row(r: &Row<'_>) -> rusqlite::Result<PayRate> {
    Ok(PayRate {
        employee_id: get_id(r, 0)?,
        effective_from: get_date(r, 1)?,
        hourly_cents: r.get(2)?,
        overtime_rate_percent: r.get(3)?,
    })
}

fn rates_of(c: &Sql<'_>, employee: EmployeeId) -> StoreResult<Vec<PayRate>> {
    query_rows(
        c,
        "SELECT employee_id, effective_from, hourly_cents, overtime_rate_percent FROM pay_rates
         WHERE employee_id = ?1 ORDER BY effective_from",
        [employee.to_string()],
        row,
    )
}

#[async_trait]
impl PayRateStore for SqlDb {
    async fn set_pay_rate(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        rate: PayRate,
    ) -> StoreResult<Vec<PayRate>> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let person = employee_in_scope(tx, scope, &depts, rate.employee_id)?;
            tx.execute(
                "INSERT INTO pay_rates (employee_id, effective_from, hourly_cents, overtime_rate_percent, org_id) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (employee_id, effective_from) DO UPDATE SET hourly_cents = ?3, overtime_rate_percent = ?4",
                params![rate.employee_id.to_string(), rate.effective_from.to_string(), rate.hourly_cents, rate.overtime_rate_percent, person.org_id.to_string()],
            )
            .map_err(db)?;
            Audit::new(&ctx, Some(person.org_id), "set", "pay_rate").id(rate.employee_id.to_string()).after(&rate).write(tx)?;
            rates_of(tx, rate.employee_id)
        })
        .await
    }

    async fn pay_rates(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
    ) -> StoreResult<Vec<PayRate>> {
        let depts = depts.clone();
        self.read(move |c| {
            employee_in_scope(c, scope, &depts, employee)?;
            rates_of(c, employee)
        })
        .await
    }

    async fn all_pay_rates(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
    ) -> StoreResult<Vec<PayRate>> {
        let depts = dept_param(depts);
        self.read(move |c| {
            query_rows(
                c,
                "SELECT p.employee_id, p.effective_from, p.hourly_cents, p.overtime_rate_percent FROM pay_rates p
                 JOIN employees e ON e.id = p.employee_id
                 WHERE (?1 IS NULL OR p.org_id = ?1) AND (?2 IS NULL OR e.department_id IN (SELECT value FROM json_each(?2)))",
                params![opt_org(scope.org()), depts],
                row,
            )
        })
        .await
    }
}
