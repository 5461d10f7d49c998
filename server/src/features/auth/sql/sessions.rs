//! Login sessions with their refresh tokens, and dashboard cookie sessions.

use std::str::FromStr;

use crate::db::sql::{OptionalExtension, Sql, params};
use attend_protocol::ids::UserId;
use jiff::Timestamp;

use super::super::{RefreshLifetime, RefreshOutcome};
use super::parse_ts;
use crate::db::sql::{Audit, backend, db, new_id, ts};
use crate::db::{AuditCtx, Scope, StoreResult};
use crate::features::people::sql::load_user;
use crate::features::people::{User, UserStatus};

pub(super) fn create(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    user: UserId,
    refresh_hash: &str,
    expires: Timestamp,
) -> StoreResult<String> {
    let session: String = new_id::<uuid::Uuid>().to_string();
    tx.execute(
        "INSERT INTO auth_sessions (id, user_id, created_at) VALUES (?1, ?2, ?3)",
        params![session, user.to_string(), ts(Timestamp::now())],
    )
    .map_err(db)?;
    tx.execute(
        "INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES (?1, ?2, ?3)",
        params![refresh_hash, session, ts(expires)],
    )
    .map_err(db)?;
    let org = load_user(tx, Scope::All, user)?.org_id;
    Audit::new(ctx, org, "login", "user").id(user).write(tx)?;
    Ok(session)
}

/// A refresh token as stored: its session, expiry, when it was used, when its session was
/// revoked, the session's user, that user's status, and when the session began.
type RefreshRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

pub(super) fn rotate_refresh(
    tx: &Sql<'_>,
    old: &str,
    new: &str,
    lifetime: RefreshLifetime,
    now: Timestamp,
) -> StoreResult<RefreshOutcome> {
    let row: Option<RefreshRow> = tx
        .query_row(
            "SELECT r.session_id, r.expires_at, r.used_at, s.revoked_at, s.user_id, u.status,
                    s.created_at
             FROM refresh_tokens r JOIN auth_sessions s ON s.id = r.session_id
             JOIN users u ON u.id = s.user_id WHERE r.token_hash = ?1",
            [old],
            |r| RefreshRow::try_from(r),
        )
        .optional()
        .map_err(db)?;
    let Some((session, expires_at, used_at, revoked_at, user_id, status, created)) = row else {
        return Ok(RefreshOutcome::Invalid);
    };
    if revoked_at.is_some() || status != "active" || parse_ts(&expires_at)? <= now {
        return Ok(RefreshOutcome::Invalid);
    }
    let Some(expires) = lifetime.next_expiry(parse_ts(&created)?, now) else {
        return Ok(RefreshOutcome::Invalid);
    };
    crate::db::sql::race_hooks::pause(crate::db::sql::race_hooks::Point::RefreshCheck);
    if used_at.is_some() {
        // Reuse of a rotated token means it leaked: end the whole session.
        tx.execute(
            "UPDATE auth_sessions SET revoked_at = ?2 WHERE id = ?1",
            params![session, ts(now)],
        )
        .map_err(db)?;
        return Ok(RefreshOutcome::Reused);
    }
    tx.execute(
        "UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1",
        params![old, ts(now)],
    )
    .map_err(db)?;
    tx.execute(
        "INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES (?1, ?2, ?3)",
        params![new, session, ts(expires)],
    )
    .map_err(db)?;
    let user_id = UserId::from_str(&user_id).map_err(backend)?;
    Ok(RefreshOutcome::Rotated {
        user_id,
        session_id: session,
    })
}

pub(super) fn revoke(tx: &Sql<'_>, ctx: &AuditCtx, session: &str) -> StoreResult<()> {
    let user: Option<String> = tx
        .query_row(
            "SELECT user_id FROM auth_sessions WHERE id = ?1",
            [session],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    let Some(user) = user else { return Ok(()) };
    tx.execute(
        "UPDATE auth_sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![session, ts(Timestamp::now())],
    )
    .map_err(db)?;
    // A session of an account since deleted has no organisation to log under; any other
    // failure is the transaction's (on PostgreSQL it is aborted, or due for a retry).
    let org = match UserId::from_str(&user).map(|u| load_user(tx, Scope::All, u)) {
        Ok(Ok(found)) => found.org_id,
        Ok(Err(crate::db::StoreError::NotFound)) | Err(_) => None,
        Ok(Err(other)) => return Err(other),
    };
    Audit::new(ctx, org, "logout", "user").id(&user).write(tx)
}

/// The active user of a live session.
pub(super) fn live_user(c: &Sql<'_>, user: UserId, session: &str) -> StoreResult<Option<User>> {
    let live: Option<i64> = c
        .query_row(
            "SELECT 1 FROM auth_sessions WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
            params![session, user.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    if live.is_none() {
        return Ok(None);
    }
    let u = load_user(c, Scope::All, user)?;
    Ok((u.status == UserStatus::Active).then_some(u))
}

pub(super) fn create_web(
    tx: &Sql<'_>,
    user: UserId,
    hash: &str,
    csrf: &str,
    expires: Timestamp,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![hash, user.to_string(), csrf, ts(Timestamp::now()), ts(expires)],
    )
    .map_err(db)?;
    Ok(())
}

/// The active user of a live dashboard session, with the session's CSRF token.
pub(super) fn web(c: &Sql<'_>, hash: &str, now: Timestamp) -> StoreResult<Option<(User, String)>> {
    let found: Option<(String, String)> = c
        .query_row(
            "SELECT user_id, csrf_token FROM web_sessions
             WHERE token_hash = ?1 AND revoked_at IS NULL AND expires_at > ?2",
            params![hash, ts(now)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db)?;
    let Some((user, csrf)) = found else {
        return Ok(None);
    };
    let Ok(id) = user.parse::<UserId>() else {
        return Ok(None);
    };
    let user = load_user(c, Scope::All, id)?;
    Ok((user.status == UserStatus::Active).then_some((user, csrf)))
}

pub(super) fn revoke_web(tx: &Sql<'_>, hash: &str, now: Timestamp) -> StoreResult<()> {
    tx.execute(
        "UPDATE web_sessions SET revoked_at = ?2 WHERE token_hash = ?1",
        params![hash, ts(now)],
    )
    .map_err(db)?;
    Ok(())
}
