//! The people store on SQLite: employees in [`employees`], accounts in [`users`].

mod employees;
mod sites;
mod users;

use crate::db::sql::{OptionalExtension, params};
use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, UserId};
use jiff::Timestamp;

use super::store::PeopleStore;
use super::{
    Credentials, Employee, EmployeeStatus, EmployeeUpdate, NewEmployee, NewUser, User,
    consent_as_str,
};
use crate::access::EmployeeLink;
use crate::db::sql::{Audit, ScopedList, SqlDb, db, forget_biometrics, require_in_org, ts};
use crate::db::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreError, StoreResult};
use employees::{employee_roster_changed, employee_row};
pub(crate) use employees::{insert_employee, load_employee};
use users::{USER_COLS, credentials_row, user_row};
pub(crate) use users::{create_user_tx, end_sessions_tx, load_user, require_free_employee};

const EMPLOYEES: ScopedList<'static> = ScopedList {
    select: employees::EMPLOYEE_COLS,
    from: "employees",
    live: "deleted_at IS NULL",
    org_col: "org_id",
    dept_col: Some("department_id"),
    key_col: "id",
};
const USERS: ScopedList<'static> = ScopedList {
    select: users::USER_COLS,
    from: "users",
    live: "1 = 1",
    org_col: "org_id",
    dept_col: None,
    key_col: "id",
};

#[async_trait]
impl PeopleStore for SqlDb {
    async fn update_user(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: UserId,
        update: super::accounts::UserUpdate,
    ) -> StoreResult<User> {
        let ctx = ctx.clone();
        self.write(move |tx| users::update_user_tx(tx, &ctx, scope, id, &update))
            .await
    }

    async fn end_sessions(&self, ctx: &AuditCtx, id: UserId) -> StoreResult<()> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let user = load_user(tx, Scope::All, id)?;
            end_sessions_tx(tx, id, Timestamp::now(), None)?;
            Audit::new(&ctx, user.org_id, "end_sessions", "user")
                .id(id)
                .write(tx)
        })
        .await
    }

    async fn punch_sites(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
    ) -> StoreResult<Vec<attend_protocol::ids::SiteId>> {
        let depts = depts.clone();
        self.read(move |c| sites::read(c, scope, &depts, id)).await
    }

    async fn set_punch_sites(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
        sites: Vec<attend_protocol::ids::SiteId>,
    ) -> StoreResult<Vec<attend_protocol::ids::SiteId>> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| sites::replace(tx, &ctx, scope, &depts, id, &sites))
            .await
    }

    async fn create_employee(&self, ctx: &AuditCtx, new: NewEmployee) -> StoreResult<Employee> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let org = new.org_id;
            let id = insert_employee(tx, new.clone())?;
            let e = load_employee(tx, Scope::All, &DepartmentFilter::Any, id)?;
            Audit::new(&ctx, Some(org), "create", "employee")
                .id(id.to_string())
                .after(&e)
                .write(tx)?;
            Ok(e)
        })
        .await
    }

    async fn list_employees(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        page: &Page,
    ) -> StoreResult<Paged<Employee>> {
        self.scoped_page(
            EMPLOYEES,
            scope,
            depts,
            Vec::new(),
            page,
            employee_row,
            |e| e.id.to_string(),
        )
        .await
    }

    async fn get_employee(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
    ) -> StoreResult<Employee> {
        let depts = depts.clone();
        self.read(move |c| load_employee(c, scope, &depts, id))
            .await
    }

    async fn update_employee(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
        update: EmployeeUpdate,
    ) -> StoreResult<Employee> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let before = load_employee(tx, scope, &depts, id)?;
            let org = before.org_id;
            if let Some(Some(d)) = update.department_id {
                require_in_org(tx, "departments", "department_id", Some(d.to_string()), org)?;
            }
            if let Some(Some(s)) = update.site_id {
                require_in_org(tx, "sites", "site_id", Some(s.to_string()), org)?;
            }
            let set = |col: &str, value: Option<String>| -> StoreResult<()> {
                tx.execute(
                    &format!("UPDATE employees SET {col} = ?2 WHERE id = ?1"),
                    params![id.to_string(), value],
                )
                .map(|_| ())
                .map_err(db)
            };
            if let Some(v) = update.display_name.clone() {
                set("display_name", Some(v))?;
            }
            if let Some(v) = update.email.clone() {
                set("email", v)?;
            }
            if let Some(v) = update.department_id {
                set("department_id", v.map(|d| d.to_string()))?;
            }
            if let Some(v) = update.site_id {
                set("site_id", v.map(|s| s.to_string()))?;
            }
            if let Some(v) = update.consent {
                set("consent", Some(consent_as_str(v).to_owned()))?;
                if v != attend_protocol::roster::ConsentState::Granted {
                    forget_biometrics(tx, id, &ts(Timestamp::now()))?;
                }
            }
            if let Some(v) = update.pin_hash.clone() {
                set("pin_hash", v)?;
            }
            if let Some(v) = update.no_head_turn {
                tx.execute(
                    "UPDATE employees SET no_head_turn = ?2 WHERE id = ?1",
                    params![id.to_string(), v],
                )
                .map_err(db)?;
            }
            set("updated_at", Some(ts(Timestamp::now())))?;
            let after = load_employee(tx, Scope::All, &DepartmentFilter::Any, id)?;
            employee_roster_changed(tx, org, id)?;
            Audit::new(&ctx, Some(org), "update", "employee")
                .id(id.to_string())
                .before(&before)
                .after(&after)
                .write(tx)?;
            Ok(after)
        })
        .await
    }

    async fn delete_employee(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
    ) -> StoreResult<()> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let before = load_employee(tx, scope, &depts, id)?;
            let now = ts(Timestamp::now());
            tx.execute(
                "UPDATE employees SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1",
                params![id.to_string(), now],
            )
            .map_err(db)?;
            // Biometric data goes with the person: templates are deleted, kiosks get tombstones.
            forget_biometrics(tx, id, &now)?;
            tx.execute(
                "UPDATE users SET status = 'disabled' WHERE employee_id = ?1",
                [id.to_string()],
            )
            .map_err(db)?;
            employee_roster_changed(tx, before.org_id, id)?;
            Audit::new(&ctx, Some(before.org_id), "delete", "employee")
                .id(id.to_string())
                .before(&before)
                .write(tx)
        })
        .await
    }

    async fn approve_employee(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        id: EmployeeId,
    ) -> StoreResult<Employee> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            // Self-registered employees are not placed yet, so any manager of the organisation
            // may approve them; a placed employee is a manager's only in their departments.
            let before = load_employee(tx, scope, &DepartmentFilter::Any, id)?;
            if let (DepartmentFilter::Only(mine), Some(dept)) = (&depts, before.department_id)
                && !mine.contains(&dept)
            {
                return Err(StoreError::NotFound);
            }
            if before.status == EmployeeStatus::Active {
                return Err(StoreError::State("employee is already active".into()));
            }
            tx.execute(
                "UPDATE employees SET status = 'active', updated_at = ?2 WHERE id = ?1",
                params![id.to_string(), ts(Timestamp::now())],
            )
            .map_err(db)?;
            tx.execute(
                "UPDATE users SET status = 'active' WHERE employee_id = ?1 AND status = 'pending'",
                [id.to_string()],
            )
            .map_err(db)?;
            let after = load_employee(tx, Scope::All, &DepartmentFilter::Any, id)?;
            employee_roster_changed(tx, before.org_id, id)?;
            Audit::new(&ctx, Some(before.org_id), "approve", "employee")
                .id(id.to_string())
                .before(&before)
                .after(&after)
                .write(tx)?;
            Ok(after)
        })
        .await
    }

    async fn register_employee(
        &self,
        ctx: &AuditCtx,
        employee: NewEmployee,
        user: NewUser,
    ) -> StoreResult<User> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let org = employee.org_id;
            let employee_id = insert_employee(tx, employee.clone())?;
            let mut user = user.clone();
            user.employee_id = Some(employee_id);
            let e = load_employee(tx, Scope::All, &DepartmentFilter::Any, employee_id)?;
            Audit::new(&ctx, Some(org), "register", "employee")
                .id(employee_id.to_string())
                .after(&e)
                .write(tx)?;
            create_user_tx(tx, &ctx, user)
        })
        .await
    }

    async fn create_user(&self, ctx: &AuditCtx, new: NewUser) -> StoreResult<User> {
        let ctx = ctx.clone();
        self.write(move |tx| create_user_tx(tx, &ctx, new.clone()))
            .await
    }

    async fn list_users(
        &self,
        scope: Scope,
        link: Option<EmployeeLink>,
        page: &Page,
    ) -> StoreResult<Paged<User>> {
        self.scoped_page(
            USERS,
            scope,
            &DepartmentFilter::Any,
            vec![(users::LINK_SQL, link.map(|l| l.as_str().to_owned()))],
            page,
            user_row,
            |u| u.id.to_string(),
        )
        .await
    }

    async fn get_user(&self, scope: Scope, id: UserId) -> StoreResult<User> {
        self.read(move |c| load_user(c, scope, id)).await
    }

    async fn credentials_by_email(&self, email: &str) -> StoreResult<Option<Credentials>> {
        let email = email.to_owned();
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {USER_COLS} FROM users WHERE lower(email) = lower(?1)"),
                [email],
                credentials_row,
            )
            .optional()
            .map_err(db)
        })
        .await
    }

    async fn credentials_by_id(&self, id: UserId) -> StoreResult<Credentials> {
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {USER_COLS} FROM users WHERE id = ?1"),
                [id.to_string()],
                credentials_row,
            )
            .map_err(db)
        })
        .await
    }

    async fn set_password(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        hash: &str,
        keep_session: Option<&str>,
    ) -> StoreResult<()> {
        let (ctx, hash, keep) = (
            ctx.clone(),
            hash.to_owned(),
            keep_session.map(str::to_owned),
        );
        self.write(move |tx| {
            let user = load_user(tx, Scope::All, id)?;
            let now = ts(Timestamp::now());
            tx.execute(
                "UPDATE users SET password_hash = ?2, password_changed_at = ?3 WHERE id = ?1",
                params![id.to_string(), hash, now],
            )
            .map_err(db)?;
            end_sessions_tx(tx, id, Timestamp::now(), keep.as_deref())?;
            Audit::new(&ctx, user.org_id, "change_password", "user")
                .id(id.to_string())
                .write(tx)
        })
        .await
    }
}
