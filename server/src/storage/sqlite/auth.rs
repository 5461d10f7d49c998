//! Sessions and refresh-token rotation, password resets, failure throttling, invites, and the
//! server's own keys.

use std::str::FromStr;

use async_trait::async_trait;
use attend_protocol::ids::{OrgId, UserId};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{OptionalExtension, params};

use super::users::{create_user_tx, load_user};
use super::{SqliteStore, Audit, db, new_id, queue_mail_tx, ts};
use crate::storage::{
    AuditCtx, AuthStore, InviteRole, NewUser, RefreshOutcome, Role, Scope, StoreError, StoreResult,
    User, UserStatus,
};

fn parse(text: &str) -> StoreResult<Timestamp> {
    Timestamp::from_str(text).map_err(|e| StoreError::Backend(Box::new(e)))
}

#[async_trait]
impl AuthStore for SqliteStore {
    async fn create_session(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        refresh_hash: &str,
        expires: Timestamp,
    ) -> StoreResult<String> {
        let (ctx, hash) = (ctx.clone(), refresh_hash.to_owned());
        self.write(move |tx| {
            let session: String = new_id::<uuid::Uuid>().to_string();
            tx.execute(
                "INSERT INTO auth_sessions (id, user_id, created_at) VALUES (?1, ?2, ?3)",
                params![session, user.to_string(), ts(Timestamp::now())],
            )
            .map_err(db)?;
            tx.execute(
                "INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES (?1, ?2, ?3)",
                params![hash, session, ts(expires)],
            )
            .map_err(db)?;
            let org = load_user(tx, Scope::All, user)?.org_id;
            Audit::new(&ctx, org, "login", "user").id(&user.to_string()).write(tx)?;
            Ok(session)
        })
        .await
    }

    async fn rotate_refresh(
        &self,
        old_hash: &str,
        new_hash: &str,
        expires: Timestamp,
        now: Timestamp,
    ) -> StoreResult<RefreshOutcome> {
        let (old, new) = (old_hash.to_owned(), new_hash.to_owned());
        self.write(move |tx| {
            let row: Option<(String, String, Option<String>, Option<String>, String, String)> = tx
                .query_row(
                    "SELECT r.session_id, r.expires_at, r.used_at, s.revoked_at, s.user_id, u.status
                     FROM refresh_tokens r JOIN auth_sessions s ON s.id = r.session_id
                     JOIN users u ON u.id = s.user_id WHERE r.token_hash = ?1",
                    [&old],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
                )
                .optional()
                .map_err(db)?;
            let Some((session, expires_at, used_at, revoked_at, user_id, status)) = row else {
                return Ok(RefreshOutcome::Invalid);
            };
            if revoked_at.is_some() || status != "active" || parse(&expires_at)? <= now {
                return Ok(RefreshOutcome::Invalid);
            }
            if used_at.is_some() {
                // Reuse of a rotated token means it leaked: end the whole session.
                tx.execute("UPDATE auth_sessions SET revoked_at = ?2 WHERE id = ?1", params![session, ts(now)]).map_err(db)?;
                return Ok(RefreshOutcome::Reused);
            }
            tx.execute("UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1", params![old, ts(now)]).map_err(db)?;
            tx.execute(
                "INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES (?1, ?2, ?3)",
                params![new, session, ts(expires)],
            )
            .map_err(db)?;
            let user_id = UserId::from_str(&user_id).map_err(|e| StoreError::Backend(Box::new(e)))?;
            Ok(RefreshOutcome::Rotated { user_id, session_id: session })
        })
        .await
    }

    async fn revoke_session(&self, ctx: &AuditCtx, session_id: &str) -> StoreResult<()> {
        let (ctx, session) = (ctx.clone(), session_id.to_owned());
        self.write(move |tx| {
            let user: Option<String> = tx
                .query_row(
                    "SELECT user_id FROM auth_sessions WHERE id = ?1",
                    [&session],
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
            let org = UserId::from_str(&user)
                .ok()
                .and_then(|u| load_user(tx, Scope::All, u).ok())
                .and_then(|u| u.org_id);
            Audit::new(&ctx, org, "logout", "user").id(&user).write(tx)
        })
        .await
    }

    async fn session_for_refresh(&self, refresh_hash: &str) -> StoreResult<Option<String>> {
        let hash = refresh_hash.to_owned();
        self.read(move |c| {
            c.query_row(
                "SELECT session_id FROM refresh_tokens WHERE token_hash = ?1",
                [hash],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)
        })
        .await
    }

    async fn live_session_user(&self, user: UserId, session_id: &str) -> StoreResult<Option<User>> {
        let session = session_id.to_owned();
        self.read(move |c| {
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
        })
        .await
    }

    async fn create_password_reset(
        &self,
        email: &str,
        token_hash: &str,
        expires: Timestamp,
        subject: &str,
        body: &str,
    ) -> StoreResult<bool> {
        let Some(creds) = crate::storage::UserStore::credentials_by_email(self, email).await?
        else {
            return Ok(false);
        };
        if creds.user.status != UserStatus::Active {
            return Ok(false);
        }
        let (subject, body) = (subject.to_owned(), body.to_owned());
        let (hash, user) = (token_hash.to_owned(), creds.user);
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
                params![hash, user.id.to_string(), ts(expires)],
            )
            .map_err(db)?;
            queue_mail_tx(tx, &user.email, &subject, &body, Timestamp::now())?;
            Audit::new(&crate::storage::AuditCtx::system(), user.org_id, "request_password_reset", "user").id(&user.id.to_string()).write(tx)?;
            Ok(true)
        })
        .await
    }

    async fn consume_password_reset(
        &self,
        token_hash: &str,
        new_hash: &str,
        now: Timestamp,
    ) -> StoreResult<UserId> {
        let (token, hash) = (token_hash.to_owned(), new_hash.to_owned());
        self.write(move |tx| {
            let row: Option<(String, String, Option<String>)> = tx
                .query_row(
                    "SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?1",
                    [&token],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(db)?;
            let Some((user, expires_at, used_at)) = row else { return Err(StoreError::NotFound) };
            if used_at.is_some() || parse(&expires_at)? <= now {
                return Err(StoreError::NotFound);
            }
            let now_s = ts(now);
            tx.execute("UPDATE password_resets SET used_at = ?2 WHERE token_hash = ?1", params![token, now_s]).map_err(db)?;
            tx.execute("UPDATE users SET password_hash = ?2, password_changed_at = ?3 WHERE id = ?1", params![user, hash, now_s])
                .map_err(db)?;
            tx.execute("UPDATE auth_sessions SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL", params![user, now_s])
                .map_err(db)?;
            let id = UserId::from_str(&user).map_err(|e| StoreError::Backend(Box::new(e)))?;
            let org = load_user(tx, Scope::All, id)?.org_id;
            Audit::new(&AuditCtx::system(), org, "reset_password", "user").id(&user).write(tx)?;
            Ok(id)
        })
        .await
    }

    async fn throttle_locked_until(
        &self,
        kind: &str,
        key: &str,
        now: Timestamp,
    ) -> StoreResult<Option<Timestamp>> {
        let (kind, key) = (kind.to_owned(), key.to_owned());
        let until: Option<Option<String>> = self
            .read(move |c| {
                c.query_row(
                    "SELECT locked_until FROM auth_throttle WHERE kind = ?1 AND key = ?2",
                    params![kind, key],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)
            })
            .await?;
        match until.flatten() {
            Some(t) => Ok(Some(parse(&t)?).filter(|t| *t > now)),
            None => Ok(None),
        }
    }

    async fn throttle_failure(
        &self,
        kind: &str,
        key: &str,
        now: Timestamp,
        max: u32,
        window: SignedDuration,
        lock: SignedDuration,
    ) -> StoreResult<()> {
        let (kind, key) = (kind.to_owned(), key.to_owned());
        self.write(move |tx| {
            let row: Option<(u32, String)> = tx
                .query_row("SELECT failures, window_start FROM auth_throttle WHERE kind = ?1 AND key = ?2", params![kind, key], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
                .map_err(db)?;
            let (failures, start) = match row {
                Some((n, start)) if parse(&start)? + window > now => (n + 1, start),
                _ => (1, ts(now)),
            };
            let locked = (failures >= max).then(|| ts(now + lock));
            tx.execute(
                "INSERT INTO auth_throttle (kind, key, failures, window_start, locked_until) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (kind, key) DO UPDATE SET failures = ?3, window_start = ?4, locked_until = ?5",
                params![kind, key, failures, start, locked],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn throttle_clear(&self, kind: &str, key: &str) -> StoreResult<()> {
        let (kind, key) = (kind.to_owned(), key.to_owned());
        self.write(move |tx| {
            tx.execute(
                "DELETE FROM auth_throttle WHERE kind = ?1 AND key = ?2",
                params![kind, key],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn create_invite(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        role: InviteRole,
        email: Option<&str>,
        code_hash: &str,
        created_by: UserId,
        expires: Timestamp,
    ) -> StoreResult<()> {
        let (ctx, email, hash) = (ctx.clone(), email.map(str::to_owned), code_hash.to_owned());
        self.write(move |tx| {
            crate::db::sqlite::require_org(tx, org)?;
            tx.execute(
                "INSERT INTO invites (code_hash, org_id, role, email, created_by, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![hash, org.to_string(), role.as_str(), email, created_by.to_string(), ts(expires)],
            )
            .map_err(db)?;
            let after = serde_json::json!({ "role": role, "email": email, "expires_at": expires });
            Audit::new(&ctx, Some(org), "create", "invite").after(&after).write(tx)
        })
        .await
    }

    async fn accept_invite(
        &self,
        ctx: &AuditCtx,
        code_hash: &str,
        now: Timestamp,
        email: &str,
        display_name: &str,
        password_hash: &str,
    ) -> StoreResult<User> {
        let (ctx, hash, email, name, pw) = (
            ctx.clone(),
            code_hash.to_owned(),
            email.to_owned(),
            display_name.to_owned(),
            password_hash.to_owned(),
        );
        self.write(move |tx| {
            let row: Option<(String, String, Option<String>, String, Option<String>)> = tx
                .query_row(
                    "SELECT org_id, role, email, expires_at, used_at FROM invites WHERE code_hash = ?1",
                    [&hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()
                .map_err(db)?;
            let Some((org, role, invited_email, expires_at, used_at)) = row else { return Err(StoreError::NotFound) };
            if used_at.is_some() || parse(&expires_at)? <= now {
                return Err(StoreError::NotFound);
            }
            if invited_email.is_some_and(|e| !e.eq_ignore_ascii_case(&email)) {
                return Err(StoreError::State("this invite is for another e-mail address".into()));
            }
            let role = InviteRole::parse(&role).map_or(Role::Manager, |r| match r {
                InviteRole::OrgAdmin => Role::OrgAdmin,
                InviteRole::Manager => Role::Manager,
            });
            let org = OrgId::from_str(&org).map_err(|e| StoreError::Backend(Box::new(e)))?;
            let user = create_user_tx(
                tx,
                &ctx,
                NewUser {
                    org_id: Some(org),
                    email,
                    display_name: name,
                    password_hash: pw,
                    role,
                    status: UserStatus::Active,
                    employee_id: None,
                    departments: Vec::new(),
                },
            )?;
            tx.execute("UPDATE invites SET used_at = ?2, used_by = ?3 WHERE code_hash = ?1", params![hash, ts(now), user.id.to_string()])
                .map_err(db)?;
            Ok(user)
        })
        .await
    }

    async fn server_key(
        &self,
        name: &str,
        generate: &(dyn Fn() -> String + Sync),
    ) -> StoreResult<String> {
        let (name, candidate) = (name.to_owned(), generate());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO server_keys (name, value, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING",
                params![name, candidate, ts(Timestamp::now())],
            )
            .map_err(db)?;
            tx.query_row("SELECT value FROM server_keys WHERE name = ?1", [name], |r| r.get(0)).map_err(db)
        })
        .await
    }
}
