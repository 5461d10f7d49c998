//! User accounts and their credentials.

use async_trait::async_trait;
use attend_protocol::ids::UserId;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::employees::require_in_org;
use crate::db::sqlite::require_org;
use super::{
    SqliteStore, Audit, db, get_enum, get_id, get_opt_id, get_ts, new_id, opt_org, page_params,
    paged, query_rows, ts,
};
use crate::storage::{
    AuditCtx, Credentials, NewUser, Page, Paged, Role, Scope, StoreResult, User, UserStatus,
    UserStore,
};

const USER_COLS: &str = "id, org_id, email, display_name, role, status, employee_id, created_at,
    (SELECT group_concat(department_id) FROM manager_departments m WHERE m.user_id = users.id),
    password_hash";

fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    let depts: Option<String> = r.get(8)?;
    let departments = depts
        .unwrap_or_default()
        .split(',')
        .filter(|d| !d.is_empty())
        .filter_map(|d| d.parse().ok())
        .collect();
    Ok(User {
        id: get_id(r, 0)?,
        org_id: get_opt_id(r, 1)?,
        email: r.get(2)?,
        display_name: r.get(3)?,
        role: get_enum(r, 4, Role::parse)?,
        status: get_enum(r, 5, UserStatus::parse)?,
        employee_id: get_opt_id(r, 6)?,
        departments,
        created_at: get_ts(r, 7)?,
    })
}

fn credentials_row(r: &Row<'_>) -> rusqlite::Result<Credentials> {
    Ok(Credentials {
        user: user_row(r)?,
        password_hash: r.get(9)?,
    })
}

pub(crate) fn load_user(c: &Connection, scope: Scope, id: UserId) -> StoreResult<User> {
    c.query_row(
        &format!("SELECT {USER_COLS} FROM users WHERE id = ?1 AND (?2 IS NULL OR org_id = ?2)"),
        params![id.to_string(), opt_org(scope.org())],
        user_row,
    )
    .map_err(db)
}

fn insert_user(tx: &Transaction<'_>, new: NewUser) -> StoreResult<UserId> {
    if let Some(org) = new.org_id {
        require_org(tx, org)?;
        for d in &new.departments {
            require_in_org(tx, "departments", "departments", Some(d.to_string()), org)?;
        }
    }
    let id: UserId = new_id();
    let now = ts(Timestamp::now());
    tx.execute(
        "INSERT INTO users (id, org_id, email, display_name, password_hash, role, status, employee_id,
                            created_at, password_changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
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

pub(crate) fn create_user_tx(
    tx: &Transaction<'_>,
    ctx: &AuditCtx,
    new: NewUser,
) -> StoreResult<User> {
    let org = new.org_id;
    let id = insert_user(tx, new)?;
    let user = load_user(tx, Scope::All, id)?;
    Audit::new(ctx, org, "create", "user").id(&id.to_string()).after(&user).write(tx)?;
    Ok(user)
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn create_user(&self, ctx: &AuditCtx, new: NewUser) -> StoreResult<User> {
        let ctx = ctx.clone();
        self.write(move |tx| create_user_tx(tx, &ctx, new)).await
    }

    async fn list_users(&self, scope: Scope, page: &Page) -> StoreResult<Paged<User>> {
        let (after, limit) = page_params(page);
        let org = opt_org(scope.org());
        let rows = self
            .read(move |c| {
                query_rows(
                    c,
                    &format!(
                        "SELECT {USER_COLS} FROM users WHERE (?1 IS NULL OR org_id = ?1)
                         AND (?2 IS NULL OR id > ?2) ORDER BY id LIMIT ?3"
                    ),
                    params![org, after, limit],
                    user_row,
                )
            })
            .await?;
        Ok(paged(rows, page, |u| u.id.to_string()))
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
            tx.execute("UPDATE users SET password_hash = ?2, password_changed_at = ?3 WHERE id = ?1", params![id.to_string(), hash, now])
                .map_err(db)?;
            tx.execute(
                "UPDATE auth_sessions SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL AND (?3 IS NULL OR id <> ?3)",
                params![id.to_string(), now, keep],
            )
            .map_err(db)?;
            Audit::new(&ctx, user.org_id, "change_password", "user").id(&id.to_string()).write(tx)
        })
        .await
    }
}
