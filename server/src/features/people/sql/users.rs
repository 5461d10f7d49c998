//! Account rows: the columns (with a manager's departments), the row mapping, and creating an
//! account inside a caller's transaction (registration and invites create one too).

use crate::db::sql::{OptionalExtension, Row, Sql, params};
use attend_protocol::ids::{EmployeeId, OrgId, UserId};
use jiff::Timestamp;

use super::super::accounts::UserUpdate;
use super::super::{Credentials, NewUser, User, UserStatus};
use crate::access::{EmployeeLink, Role};
use crate::db::sql::{
    Audit, db, get_enum, get_id, get_opt_id, get_ts, new_id, opt_org, require_in_org, require_org,
    ts,
};
use crate::db::{AuditCtx, Scope, StoreError, StoreResult};

pub(super) const USER_COLS: &str =
    "id, org_id, email, display_name, role, status, employee_id, created_at,
    (SELECT group_concat(department_id) FROM manager_departments m WHERE m.user_id = users.id),
    password_hash, not_employee,
    EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = users.id AND t.enabled_at IS NOT NULL),
    COALESCE((SELECT o.require_totp_for_approvers FROM organisations o WHERE o.id = users.org_id), 0)";

/// [`EmployeeLink::of`] in SQL, for the accounts list's filter. The roles are those that decide
/// inside an organisation (a test keeps them equal to [`crate::access::decides`]).
pub(super) const LINK_SQL: &str = "CASE WHEN employee_id IS NOT NULL THEN 'linked'
    WHEN not_employee <> 0 THEN 'not_employee'
    WHEN role IN ('org_admin', 'manager') THEN 'unresolved' ELSE 'not_needed' END";

pub(super) fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    let depts: Option<String> = r.get(8)?;
    let departments = depts
        .unwrap_or_default()
        .split(',')
        .filter(|d| !d.is_empty())
        .filter_map(|d| d.parse().ok())
        .collect();
    let role = get_enum(r, 4, Role::parse)?;
    let employee_id = get_opt_id(r, 6)?;
    let org_requires: bool = r.get(12)?;
    Ok(User {
        id: get_id(r, 0)?,
        org_id: get_opt_id(r, 1)?,
        email: r.get(2)?,
        display_name: r.get(3)?,
        role,
        status: get_enum(r, 5, UserStatus::parse)?,
        employee_id,
        link: EmployeeLink::of(role, employee_id, r.get(10)?),
        departments,
        created_at: get_ts(r, 7)?,
        totp_enabled: r.get(11)?,
        totp_required: org_requires && role.can_approve(),
    })
}

pub(super) fn credentials_row(r: &Row<'_>) -> rusqlite::Result<Credentials> {
    Ok(Credentials {
        user: user_row(r)?,
        password_hash: r.get(9)?,
    })
}

pub(crate) fn load_user(c: &Sql<'_>, scope: Scope, id: UserId) -> StoreResult<User> {
    c.query_row(
        &format!("SELECT {USER_COLS} FROM users WHERE id = ?1 AND (?2 IS NULL OR org_id = ?2)"),
        params![id.to_string(), opt_org(scope.org())],
        user_row,
    )
    .map_err(db)
}

/// Refuses to link `employee` to an account unless it is a live employee of `org` that no
/// account but `except` is linked to.
pub(crate) fn require_free_employee(
    c: &Sql<'_>,
    org: OrgId,
    employee: EmployeeId,
    except: Option<UserId>,
) -> StoreResult<()> {
    require_in_org(
        c,
        "employees",
        "employee_id",
        Some(employee.to_string()),
        org,
    )?;
    let taken: Option<String> = c
        .query_row(
            "SELECT id FROM users WHERE employee_id = ?1 AND (?2 IS NULL OR id <> ?2)",
            params![employee.to_string(), except.map(|u| u.to_string())],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    match taken {
        Some(_) => Err(StoreError::Conflict {
            field: "employee_id",
        }),
        None => Ok(()),
    }
}

fn insert_user(tx: &Sql<'_>, new: NewUser) -> StoreResult<UserId> {
    if let Some(org) = new.org_id {
        require_org(tx, org)?;
        if let Some(employee) = new.employee_id {
            require_free_employee(tx, org, employee, None)?;
        }
        for d in &new.departments {
            require_in_org(tx, "departments", "departments", Some(d.to_string()), org)?;
        }
    }
    let id: UserId = new_id();
    let now = ts(Timestamp::now());
    tx.execute(
        "INSERT INTO users (id, org_id, email, display_name, password_hash, role, status, employee_id,
                            created_at, password_changed_at, not_employee)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
        params![
            id.to_string(),
            opt_org(new.org_id),
            new.email,
            new.display_name,
            new.password_hash,
            new.role.as_str(),
            new.status.as_str(),
            new.employee_id.map(|e| e.to_string()),
            now,
            new.not_employee && new.employee_id.is_none(),
        ],
    )
    .map_err(db)?;
    for d in &new.departments {
        tx.execute(
            "INSERT INTO manager_departments (user_id, department_id) VALUES (?1, ?2)",
            params![id.to_string(), d.to_string()],
        )
        .map_err(db)?;
    }
    Ok(id)
}

pub(crate) fn create_user_tx(tx: &Sql<'_>, ctx: &AuditCtx, new: NewUser) -> StoreResult<User> {
    let org = new.org_id;
    let id = insert_user(tx, new)?;
    let user = load_user(tx, Scope::All, id)?;
    Audit::new(ctx, org, "create", "user")
        .id(id.to_string())
        .after(&user)
        .write(tx)?;
    Ok(user)
}

/// Ends every way in to an account but `keep_api_session` (the caller's own, on a password
/// change): API sessions (and so their refresh tokens), dashboard sessions, and reset tokens
/// not yet used. Runs in the transaction that changes the password, so no session outlives it.
pub(crate) fn end_sessions_tx(
    tx: &Sql<'_>,
    user: UserId,
    now: Timestamp,
    keep_api_session: Option<&str>,
) -> StoreResult<()> {
    let (user, now) = (user.to_string(), ts(now));
    tx.execute(
        "UPDATE auth_sessions SET revoked_at = ?2
         WHERE user_id = ?1 AND revoked_at IS NULL AND (?3 IS NULL OR id <> ?3)",
        params![user, now, keep_api_session],
    )
    .map_err(db)?;
    tx.execute(
        "UPDATE web_sessions SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
        params![user, now],
    )
    .map_err(db)?;
    tx.execute(
        "UPDATE password_resets SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
        params![user, now],
    )
    .map_err(db)?;
    Ok(())
}

/// Applies an account change; disabling (or changing the role) ends the account's sessions in
/// the same transaction. The linked employee must be the account's organisation's and linked to
/// no other account.
pub(crate) fn update_user_tx(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    scope: Scope,
    id: UserId,
    update: &UserUpdate,
) -> StoreResult<User> {
    let before = load_user(tx, scope, id)?;
    let key = id.to_string();
    if let Some(status) = update.status {
        tx.execute(
            "UPDATE users SET status = ?2 WHERE id = ?1",
            params![key, status.as_str()],
        )
        .map_err(db)?;
    }
    if let Some(role) = update.role {
        tx.execute(
            "UPDATE users SET role = ?2 WHERE id = ?1",
            params![key, role.as_str()],
        )
        .map_err(db)?;
    }
    if let Some(departments) = &update.departments {
        tx.execute("DELETE FROM manager_departments WHERE user_id = ?1", [&key])
            .map_err(db)?;
        for d in departments {
            require_in_org(
                tx,
                "departments",
                "departments",
                Some(d.to_string()),
                before.org_id.ok_or(StoreError::BadReference {
                    field: "departments",
                })?,
            )?;
            tx.execute(
                "INSERT INTO manager_departments (user_id, department_id) VALUES (?1, ?2)",
                params![key, d.to_string()],
            )
            .map_err(db)?;
        }
    }
    if let Some(employee) = update.employee_id {
        if let Some(employee) = employee {
            let org = before.org_id.ok_or(StoreError::BadReference {
                field: "employee_id",
            })?;
            require_free_employee(tx, org, employee, Some(id))?;
        }
        tx.execute(
            "UPDATE users SET employee_id = ?2 WHERE id = ?1",
            params![key, employee.map(|e| e.to_string())],
        )
        .map_err(db)?;
    }
    // A link and the mark exclude each other: the last one given wins.
    if update.employee_id.is_some_and(|e| e.is_some()) {
        tx.execute("UPDATE users SET not_employee = 0 WHERE id = ?1", [&key])
            .map_err(db)?;
    }
    if let Some(mark) = update.not_employee {
        tx.execute(
            "UPDATE users SET not_employee = ?2,
                 employee_id = CASE WHEN ?2 <> 0 THEN NULL ELSE employee_id END
             WHERE id = ?1",
            params![key, mark],
        )
        .map_err(db)?;
    }
    if update.status == Some(UserStatus::Disabled) || update.role.is_some_and(|r| r != before.role)
    {
        end_sessions_tx(tx, id, Timestamp::now(), None)?;
    }
    let after = load_user(tx, Scope::All, id)?;
    Audit::new(ctx, after.org_id, "update", "user")
        .id(id)
        .before(&before)
        .after(&after)
        .write(tx)?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::LINK_SQL;
    use crate::access::{Role, decides};

    #[test]
    fn the_link_filter_names_exactly_the_roles_that_decide_inside_an_organisation() {
        for role in Role::ALL {
            let listed = LINK_SQL.contains(&format!("'{}'", role.as_str()));
            assert_eq!(listed, decides(*role) && !role.is_global(), "{role:?}");
        }
    }
}
