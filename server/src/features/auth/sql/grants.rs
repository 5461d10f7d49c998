//! One-time grants: password-reset tokens and invites, each redeemed at most once before it
//! expires.

use std::str::FromStr;

use crate::db::sql::{OptionalExtension, Sql, params, race_hooks};
use attend_protocol::ids::{EmployeeId, OrgId, UserId};
use jiff::Timestamp;

use super::super::InviteRole;
use super::super::store::NewInvite;
use super::parse_ts;
use crate::access::Role;
use crate::db::sql::{Audit, backend, db, require_org, ts};
use crate::db::{AuditCtx, Scope, StoreError, StoreResult};
use crate::features::notifications::Message;
use crate::features::notifications::sql::queue_mail_tx;
use crate::features::people::sql::{
    create_user_tx, end_sessions_tx, load_user, require_free_employee,
};
use crate::features::people::{NewUser, User, UserStatus};

pub(super) fn create_reset(
    tx: &Sql<'_>,
    user: &User,
    hash: &str,
    expires: Timestamp,
    mail: &Message,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
        params![hash, user.id.to_string(), ts(expires)],
    )
    .map_err(db)?;
    queue_mail_tx(tx, user.org_id, &user.email, mail, Timestamp::now())?;
    Audit::new(
        &AuditCtx::system(),
        user.org_id,
        "request_password_reset",
        "user",
    )
    .id(user.id)
    .write(tx)
}

pub(super) fn consume_reset(
    tx: &Sql<'_>,
    token: &str,
    hash: &str,
    now: Timestamp,
) -> StoreResult<UserId> {
    let row: Option<(String, String, Option<String>)> = tx
        .query_row(
            "SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?1",
            [token],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(db)?;
    let Some((user, expires_at, used_at)) = row else {
        return Err(StoreError::NotFound);
    };
    if used_at.is_some() || parse_ts(&expires_at)? <= now {
        return Err(StoreError::NotFound);
    }
    race_hooks::pause(race_hooks::Point::ResetCheck);
    let now_s = ts(now);
    tx.execute(
        "UPDATE password_resets SET used_at = ?2 WHERE token_hash = ?1",
        params![token, now_s],
    )
    .map_err(db)?;
    tx.execute(
        "UPDATE users SET password_hash = ?2, password_changed_at = ?3 WHERE id = ?1",
        params![user, hash, now_s],
    )
    .map_err(db)?;
    let id = UserId::from_str(&user).map_err(backend)?;
    end_sessions_tx(tx, id, now, None)?;
    let org = load_user(tx, Scope::All, id)?.org_id;
    Audit::new(&AuditCtx::system(), org, "reset_password", "user")
        .id(&user)
        .write(tx)?;
    Ok(id)
}

pub(super) fn create_invite(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    invite: &NewInvite<'_>,
) -> StoreResult<()> {
    require_org(tx, invite.org)?;
    if let Some(employee) = invite.employee_id {
        require_free_employee(tx, invite.org, employee, None)?;
    }
    tx.execute(
        "INSERT INTO invites (code_hash, org_id, role, email, created_by, expires_at, employee_id,
                              not_employee)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            invite.code_hash,
            invite.org.to_string(),
            invite.role.as_str(),
            invite.email,
            invite.created_by.to_string(),
            ts(invite.expires),
            invite.employee_id.map(|e| e.to_string()),
            invite.not_employee,
        ],
    )
    .map_err(db)?;
    if let (Some(to), Some(mail)) = (invite.email, &invite.mail) {
        queue_mail_tx(tx, Some(invite.org), to, mail, Timestamp::now())?;
    }
    let after = serde_json::json!({
        "role": invite.role, "email": invite.email, "expires_at": invite.expires,
        "employee_id": invite.employee_id, "not_employee": invite.not_employee,
    });
    Audit::new(ctx, Some(invite.org), "create", "invite")
        .after(&after)
        .write(tx)
}

/// An invite as stored: organisation, role, the e-mail it is for, expiry, when it was used,
/// and who the invitee is (employee record, or marked as not an employee).
type InviteRow = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    bool,
);

/// Who accepts an invite: their e-mail, name and password hash.
#[derive(Clone)]
pub(super) struct Invitee {
    pub(super) email: String,
    pub(super) display_name: String,
    pub(super) password_hash: String,
}

pub(super) fn accept_invite(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    hash: &str,
    now: Timestamp,
    invitee: Invitee,
) -> StoreResult<User> {
    let row: Option<InviteRow> = tx
        .query_row(
            "SELECT org_id, role, email, expires_at, used_at, employee_id, not_employee
             FROM invites WHERE code_hash = ?1",
            [hash],
            |r| InviteRow::try_from(r),
        )
        .optional()
        .map_err(db)?;
    let Some((org, role, invited_email, expires_at, used_at, employee, not_employee)) = row else {
        return Err(StoreError::NotFound);
    };
    if used_at.is_some() || parse_ts(&expires_at)? <= now {
        return Err(StoreError::NotFound);
    }
    if invited_email.is_some_and(|e| !e.eq_ignore_ascii_case(&invitee.email)) {
        return Err(StoreError::State(
            "this invite is for another e-mail address".into(),
        ));
    }
    let role = InviteRole::parse(&role).map_or(Role::Manager, |r| match r {
        InviteRole::OrgAdmin => Role::OrgAdmin,
        InviteRole::Manager => Role::Manager,
    });
    let org = OrgId::from_str(&org).map_err(backend)?;
    let user = create_user_tx(
        tx,
        ctx,
        NewUser {
            org_id: Some(org),
            email: invitee.email,
            display_name: invitee.display_name,
            password_hash: invitee.password_hash,
            role,
            status: UserStatus::Active,
            employee_id: employee
                .as_deref()
                .map(EmployeeId::from_str)
                .transpose()
                .map_err(backend)?,
            not_employee,
            departments: Vec::new(),
        },
    )?;
    tx.execute(
        "UPDATE invites SET used_at = ?2, used_by = ?3 WHERE code_hash = ?1",
        params![hash, ts(now), user.id.to_string()],
    )
    .map_err(db)?;
    Ok(user)
}
