//! The attendance store on SQLite: policies, shifts and schedules, the engine's inputs, and
//! presence ([`presence`]); row mapping in [`rows`].

mod presence;
mod rows;

use crate::db::sql::{OptionalExtension, params};
use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, ShiftId, SiteId};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan as _};

use super::report::engine_inputs;
use super::store::AttendanceStore;
use super::{Assignment, AttendanceInputs, NewShift, Policy, Presence, Shift};
use crate::db::sql::site_in_scope;
use crate::db::sql::{Audit, SqlDb, db, new_id, opt_org, query_rows, ts};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreError, StoreResult};
use crate::features::people::sql::load_employee;
use rows::{SHIFT_COLS, events_of, hhmm, policy_of, schedule_of, shift_row};

#[async_trait]
impl AttendanceStore for SqlDb {
    async fn site_policy(&self, scope: Scope, site: SiteId) -> StoreResult<Policy> {
        self.read(move |c| {
            site_in_scope(c, scope, site)?;
            policy_of(c, site)
        })
        .await
    }

    async fn set_site_policy(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        site: SiteId,
        policy: Policy,
    ) -> StoreResult<Policy> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let (org, _) = site_in_scope(tx, scope, site)?;
            let before = policy_of(tx, site)?;
            let json = serde_json::to_string(&policy).map_err(|e| StoreError::Backend(Box::new(e)))?;
            tx.execute(
                "INSERT INTO site_policies (site_id, org_id, policy, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (site_id) DO UPDATE SET policy = ?3, updated_at = ?4",
                params![site.to_string(), org.to_string(), json, ts(Timestamp::now())],
            )
            .map_err(db)?;
            Audit::new(&ctx, Some(org), "update", "site_policy").id(site.to_string()).before(&before).after(&policy).write(tx)?;
            Ok(policy.clone())
        })
        .await
    }

    async fn create_shift(&self, ctx: &AuditCtx, new: NewShift) -> StoreResult<Shift> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            site_in_scope(tx, Scope::Org(new.org_id), new.site_id).map_err(|e| match e {
                StoreError::NotFound => StoreError::BadReference { field: "site_id" },
                other => other,
            })?;
            let id: ShiftId = new_id();
            tx.execute(
                "INSERT INTO shifts (id, org_id, site_id, name, start_time, end_time, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id.to_string(),
                    new.org_id.to_string(),
                    new.site_id.to_string(),
                    new.name,
                    hhmm(new.start),
                    hhmm(new.end),
                    ts(Timestamp::now())
                ],
            )
            .map_err(db)?;
            let shift = Shift {
                id,
                org_id: new.org_id,
                site_id: new.site_id,
                name: new.name.clone(),
                start: new.start,
                end: new.end,
                overnight: new.end <= new.start,
            };
            Audit::new(&ctx, Some(new.org_id), "create", "shift")
                .id(id.to_string())
                .after(&shift)
                .write(tx)?;
            Ok(shift)
        })
        .await
    }

    async fn list_shifts(&self, scope: Scope) -> StoreResult<Vec<Shift>> {
        self.read(move |c| {
            query_rows(
                c,
                &format!("SELECT {SHIFT_COLS} FROM shifts s WHERE s.deleted_at IS NULL AND (?1 IS NULL OR s.org_id = ?1) ORDER BY s.site_id, s.name"),
                params![opt_org(scope.org())],
                shift_row,
            )
        })
        .await
    }

    async fn delete_shift(&self, ctx: &AuditCtx, scope: Scope, id: ShiftId) -> StoreResult<()> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let shift = tx
                .query_row(
                    &format!("SELECT {SHIFT_COLS} FROM shifts s WHERE s.id = ?1 AND s.deleted_at IS NULL AND (?2 IS NULL OR s.org_id = ?2)"),
                    params![id.to_string(), opt_org(scope.org())],
                    shift_row,
                )
                .map_err(db)?;
            tx.execute("UPDATE shifts SET deleted_at = ?2 WHERE id = ?1", params![id.to_string(), ts(Timestamp::now())])
                .map_err(db)?;
            Audit::new(&ctx, Some(shift.org_id), "delete", "shift").id(id.to_string()).before(&shift).write(tx)
        })
        .await
    }

    async fn assign_shift(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        dates: Vec<Date>,
        shift: Option<ShiftId>,
    ) -> StoreResult<()> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let person = load_employee(tx, scope, &depts, employee)?;
            if let Some(shift) = shift {
                let site: Option<String> = tx
                    .query_row(
                        "SELECT site_id FROM shifts WHERE id = ?1 AND org_id = ?2 AND deleted_at IS NULL",
                        params![shift.to_string(), person.org_id.to_string()],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(db)?;
                let Some(site) = site else {
                    return Err(StoreError::BadReference { field: "shift_id" });
                };
                if person.site_id.is_some_and(|s| s.to_string() != site) {
                    return Err(StoreError::State("the shift belongs to another site than the employee's".into()));
                }
            }
            for date in &dates {
                tx.execute(
                    "DELETE FROM shift_assignments WHERE employee_id = ?1 AND work_date = ?2",
                    params![employee.to_string(), date.to_string()],
                )
                .map_err(db)?;
                if let Some(shift) = shift {
                    tx.execute(
                        "INSERT INTO shift_assignments (employee_id, work_date, shift_id, org_id) VALUES (?1, ?2, ?3, ?4)",
                        params![employee.to_string(), date.to_string(), shift.to_string(), person.org_id.to_string()],
                    )
                    .map_err(db)?;
                }
            }
            let after = serde_json::json!({
                "shift_id": shift, "dates": dates.len(),
                "first": dates.iter().min(), "last": dates.iter().max(),
            });
            Audit::new(&ctx, Some(person.org_id), "assign", "schedule").id(employee.to_string()).after(&after).write(tx)
        })
        .await
    }

    async fn schedule(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<Assignment>> {
        let depts = depts.clone();
        self.read(move |c| {
            load_employee(c, scope, &depts, employee)?;
            schedule_of(c, employee, from, to)
        })
        .await
    }

    async fn attendance_inputs(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        first: Date,
        last: Date,
    ) -> StoreResult<AttendanceInputs> {
        let depts = depts.clone();
        self.read(move |c| {
            let person = load_employee(c, scope, &depts, employee)?;
            // The employee's site, else the organisation's first: its zone and policy apply.
            let site: Option<(String, String)> = c
                .query_row(
                    "SELECT id, timezone FROM sites WHERE org_id = ?1 AND (?2 IS NULL OR id = ?2) ORDER BY created_at LIMIT 1",
                    params![person.org_id.to_string(), person.site_id.map(|s| s.to_string())],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(db)?;
            let (policy, time_zone) = match site {
                Some((id, tz)) => (policy_of(c, id.parse().map_err(|_| StoreError::NotFound)?)?, tz),
                None => (Policy::default(), "UTC".to_owned()),
            };
            let window = |d: Date, days: i32| {
                d.checked_add(days.days())
                    .ok()
                    .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
                    .map_or(Timestamp::MIN, |z| z.timestamp())
            };
            let (from, to) = (window(first, -2), window(last, 3));
            let events = events_of(c, employee, from, to)?;
            let (mut punches, machines) = engine_inputs(&events);
            punches.extend(crate::features::corrections::sql::approved_punches(c, employee, from, to)?);
            Ok(AttendanceInputs {
                schedule: schedule_of(c, employee, first, last)?,
                employee: person,
                time_zone,
                policy,
                punches,
                machines,
            })
        })
        .await
    }

    async fn presence(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        since: Timestamp,
    ) -> StoreResult<Vec<Presence>> {
        self.presence_since(scope, depts, since).await
    }
}
