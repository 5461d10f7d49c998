//! An account's authenticator and recovery codes. The secret arrives sealed (see
//! `features/auth/totp.rs`); nothing here can read it.

use crate::db::sql::{OptionalExtension, Sql, params};
use attend_protocol::ids::UserId;
use jiff::Timestamp;

use super::super::store::{TotpRecord, TotpRemoval};
use crate::db::sql::{Audit, db, ts};
use crate::db::{AuditCtx, Scope, StoreResult};
use crate::features::people::sql::load_user;

pub(super) fn load(c: &Sql<'_>, user: UserId) -> StoreResult<Option<TotpRecord>> {
    c.query_row(
        "SELECT sealed_secret, enabled_at IS NOT NULL, last_step,
                (SELECT count(*) FROM totp_recovery_codes r
                 WHERE r.user_id = t.user_id AND r.used_at IS NULL)
         FROM user_totp t WHERE user_id = ?1",
        [user.to_string()],
        |r| {
            Ok(TotpRecord {
                sealed_secret: r.get(0)?,
                enabled: r.get(1)?,
                last_step: r.get::<_, Option<i64>>(2)?.map(|s| s as u64),
                recovery_left: r.get(3)?,
            })
        },
    )
    .optional()
    .map_err(db)
}

pub(super) fn begin(tx: &Sql<'_>, user: UserId, sealed: &str, now: Timestamp) -> StoreResult<bool> {
    // A setup in progress is replaced; one that is on stays (turning it off needs a code).
    let written = tx
        .execute(
            "INSERT INTO user_totp (user_id, sealed_secret, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (user_id) DO UPDATE SET sealed_secret = excluded.sealed_secret,
                 created_at = excluded.created_at, last_step = NULL
             WHERE user_totp.enabled_at IS NULL",
            params![user.to_string(), sealed, ts(now)],
        )
        .map_err(db)?;
    Ok(written == 1)
}

pub(super) fn enable(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    user: UserId,
    step: u64,
    hashes: &[String],
    now: Timestamp,
) -> StoreResult<bool> {
    let id = user.to_string();
    let on = tx
        .execute(
            "UPDATE user_totp SET enabled_at = ?2, last_step = ?3
             WHERE user_id = ?1 AND enabled_at IS NULL",
            params![id, ts(now), step as i64],
        )
        .map_err(db)?;
    if on == 0 {
        return Ok(false);
    }
    tx.execute("DELETE FROM totp_recovery_codes WHERE user_id = ?1", [&id])
        .map_err(db)?;
    for hash in hashes {
        tx.execute(
            "INSERT INTO totp_recovery_codes (user_id, code_hash) VALUES (?1, ?2)",
            params![id, hash],
        )
        .map_err(db)?;
    }
    let org = load_user(tx, Scope::All, user)?.org_id;
    Audit::new(ctx, org, "totp_enable", "user")
        .id(&id)
        .write(tx)?;
    Ok(true)
}

pub(super) fn use_step(tx: &Sql<'_>, user: UserId, step: u64) -> StoreResult<bool> {
    let n = tx
        .execute(
            "UPDATE user_totp SET last_step = ?2
             WHERE user_id = ?1 AND enabled_at IS NOT NULL
               AND (last_step IS NULL OR last_step < ?2)",
            params![user.to_string(), step as i64],
        )
        .map_err(db)?;
    Ok(n == 1)
}

pub(super) fn use_recovery(
    tx: &Sql<'_>,
    user: UserId,
    hash: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    let n = tx
        .execute(
            "UPDATE totp_recovery_codes SET used_at = ?3
             WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
            params![user.to_string(), hash, ts(now)],
        )
        .map_err(db)?;
    Ok(n == 1)
}

pub(super) fn remove(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    user: UserId,
    how: TotpRemoval,
) -> StoreResult<bool> {
    let id = user.to_string();
    tx.execute("DELETE FROM totp_recovery_codes WHERE user_id = ?1", [&id])
        .map_err(db)?;
    let n = tx
        .execute("DELETE FROM user_totp WHERE user_id = ?1", [&id])
        .map_err(db)?;
    if n == 0 {
        return Ok(false);
    }
    let action = match how {
        TotpRemoval::ByOwner => "totp_disable",
        TotpRemoval::Reset => "totp_reset",
    };
    let org = load_user(tx, Scope::All, user)?.org_id;
    Audit::new(ctx, org, action, "user").id(&id).write(tx)?;
    Ok(true)
}
