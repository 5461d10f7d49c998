//! The auth store on SQLite: sessions in [`sessions`], one-time grants in [`grants`],
//! self-registration in [`registration`]; failed attempts and the server's keys here.

mod grants;
mod registration;
mod sessions;
mod totp;

use std::str::FromStr;

use crate::db::sql::{OptionalExtension, Sql, params};
use async_trait::async_trait;
use attend_protocol::ids::UserId;
use jiff::Timestamp;

use super::store::{
    AuthStore, Grant, NewInvite, NewRegistration, Registration, TotpRecord, TotpRemoval,
};
use super::throttle::{Attempts, ThrottleRule, locked_until};
use super::{RefreshLifetime, RefreshOutcome};
use crate::db::sql::{SqlDb, backend, db, ts};
use crate::db::{AuditCtx, StoreResult};
use crate::features::notifications::Message;
use crate::features::people::{PeopleStore as _, User, UserStatus};

fn parse_ts(text: &str) -> StoreResult<Timestamp> {
    Timestamp::from_str(text).map_err(backend)
}

fn attempts_of(c: &Sql<'_>, kind: &str, key: &str) -> StoreResult<Option<Attempts>> {
    let row: Option<(u32, String, Option<String>)> = c
        .query_row(
            "SELECT failures, window_start, locked_until FROM auth_throttle WHERE kind = ?1 AND key = ?2",
            params![kind, key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(db)?;
    row.map(|(failures, start, until)| {
        Ok(Attempts {
            failures,
            window_start: parse_ts(&start)?,
            locked_until: until.as_deref().map(parse_ts).transpose()?,
        })
    })
    .transpose()
}

#[async_trait]
impl AuthStore for SqlDb {
    async fn create_session(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        refresh_hash: &str,
        expires: Timestamp,
    ) -> StoreResult<String> {
        let (ctx, hash) = (ctx.clone(), refresh_hash.to_owned());
        self.write(move |tx| sessions::create(tx, &ctx, user, &hash, expires))
            .await
    }

    async fn rotate_refresh(
        &self,
        old_hash: &str,
        new_hash: &str,
        lifetime: RefreshLifetime,
        now: Timestamp,
    ) -> StoreResult<RefreshOutcome> {
        let (old, new) = (old_hash.to_owned(), new_hash.to_owned());
        self.write(move |tx| sessions::rotate_refresh(tx, &old, &new, lifetime, now))
            .await
    }

    async fn revoke_session(&self, ctx: &AuditCtx, session_id: &str) -> StoreResult<()> {
        let (ctx, session) = (ctx.clone(), session_id.to_owned());
        self.write(move |tx| sessions::revoke(tx, &ctx, &session))
            .await
    }

    async fn live_session_user(&self, user: UserId, session_id: &str) -> StoreResult<Option<User>> {
        let session = session_id.to_owned();
        self.read(move |c| sessions::live_user(c, user, &session))
            .await
    }

    async fn create_web_session(
        &self,
        user: UserId,
        token_hash: &str,
        csrf_token: &str,
        expires: Timestamp,
    ) -> StoreResult<()> {
        let (hash, csrf) = (token_hash.to_owned(), csrf_token.to_owned());
        self.write(move |tx| sessions::create_web(tx, user, &hash, &csrf, expires))
            .await
    }

    async fn web_session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(User, String)>> {
        let hash = token_hash.to_owned();
        self.read(move |c| sessions::web(c, &hash, now)).await
    }

    async fn revoke_web_session(&self, token_hash: &str, now: Timestamp) -> StoreResult<()> {
        let hash = token_hash.to_owned();
        self.write(move |tx| sessions::revoke_web(tx, &hash, now))
            .await
    }

    async fn create_password_reset(
        &self,
        email: &str,
        token_hash: &str,
        expires: Timestamp,
        mail: &Message,
    ) -> StoreResult<bool> {
        let Some(creds) = self.credentials_by_email(email).await? else {
            return Ok(false);
        };
        if creds.user.status != UserStatus::Active {
            return Ok(false);
        }
        let (hash, user, mail) = (token_hash.to_owned(), creds.user, mail.clone());
        self.write(move |tx| grants::create_reset(tx, &user, &hash, expires, &mail))
            .await?;
        Ok(true)
    }

    async fn grant_live(&self, grant: Grant, hash: &str, now: Timestamp) -> StoreResult<bool> {
        let sql = match grant {
            Grant::PasswordReset => {
                "SELECT 1 FROM password_resets WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2"
            }
            Grant::Invite => {
                "SELECT 1 FROM invites WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2"
            }
        };
        let (hash, now) = (hash.to_owned(), ts(now));
        self.read(move |c| {
            c.query_row(sql, params![hash, now], |_| Ok(()))
                .optional()
                .map(|found| found.is_some())
                .map_err(db)
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
        self.write(move |tx| grants::consume_reset(tx, &token, &hash, now))
            .await
    }

    async fn attempts(&self, kind: &str, key: &str) -> StoreResult<Option<Attempts>> {
        let (kind, key) = (kind.to_owned(), key.to_owned());
        self.read(move |c| attempts_of(c, &kind, &key)).await
    }

    async fn record_failure(
        &self,
        kind: &str,
        key: &str,
        now: Timestamp,
        rule: &ThrottleRule,
    ) -> StoreResult<()> {
        let (kind, key, rule) = (kind.to_owned(), key.to_owned(), *rule);
        self.write(move |tx| {
            let next = rule.after_failure(attempts_of(tx, &kind, &key)?.as_ref(), now);
            tx.execute(
                "INSERT INTO auth_throttle (kind, key, failures, window_start, locked_until) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (kind, key) DO UPDATE SET failures = ?3, window_start = ?4, locked_until = ?5",
                params![kind, key, next.failures, ts(next.window_start), next.locked_until.map(ts)],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn claim_attempt(
        &self,
        kind: &str,
        key: &str,
        now: Timestamp,
        rule: &ThrottleRule,
    ) -> StoreResult<Result<(), Timestamp>> {
        let (kind, key, rule) = (kind.to_owned(), key.to_owned(), *rule);
        self.write(move |tx| {
            let current = attempts_of(tx, &kind, &key)?;
            if let Some(until) = locked_until(current.as_ref(), now) {
                return Ok(Err(until));
            }
            let next = rule.after_failure(current.as_ref(), now);
            tx.execute(
                "INSERT INTO auth_throttle (kind, key, failures, window_start, locked_until) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (kind, key) DO UPDATE SET failures = ?3, window_start = ?4, locked_until = ?5",
                params![kind, key, next.failures, ts(next.window_start), next.locked_until.map(ts)],
            )
            .map_err(db)?;
            Ok(Ok(()))
        })
        .await
    }

    async fn forgive_attempt(&self, kind: &str, key: &str, now: Timestamp) -> StoreResult<()> {
        let (kind, key) = (kind.to_owned(), key.to_owned());
        self.write(move |tx| {
            let Some(current) = attempts_of(tx, &kind, &key)? else {
                return Ok(());
            };
            if locked_until(Some(&current), now).is_some() {
                return Ok(());
            }
            tx.execute(
                "UPDATE auth_throttle SET failures = ?3, locked_until = NULL WHERE kind = ?1 AND key = ?2",
                params![kind, key, current.failures.saturating_sub(1)],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn clear_attempts(&self, kind: &str, key: &str) -> StoreResult<()> {
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

    async fn create_invite(&self, ctx: &AuditCtx, invite: NewInvite<'_>) -> StoreResult<()> {
        let ctx = ctx.clone();
        let (email, hash) = (invite.email.map(str::to_owned), invite.code_hash.to_owned());
        let (org, role, created_by, expires, mail) = (
            invite.org,
            invite.role,
            invite.created_by,
            invite.expires,
            invite.mail,
        );
        let (employee_id, not_employee) = (invite.employee_id, invite.not_employee);
        self.write(move |tx| {
            let invite = NewInvite {
                org,
                role,
                email: email.as_deref(),
                code_hash: &hash,
                created_by,
                employee_id,
                not_employee,
                expires,
                mail: mail.clone(),
            };
            grants::create_invite(tx, &ctx, &invite)
        })
        .await
    }

    async fn register(&self, ctx: &AuditCtx, new: NewRegistration) -> StoreResult<Registration> {
        let ctx = ctx.clone();
        self.write(move |tx| registration::register(tx, &ctx, new.clone(), Timestamp::now()))
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
        let (ctx, hash) = (ctx.clone(), code_hash.to_owned());
        let invitee = grants::Invitee {
            email: email.to_owned(),
            display_name: display_name.to_owned(),
            password_hash: password_hash.to_owned(),
        };
        self.write(move |tx| grants::accept_invite(tx, &ctx, &hash, now, invitee.clone()))
            .await
    }

    async fn totp(&self, user: UserId) -> StoreResult<Option<TotpRecord>> {
        self.read(move |c| totp::load(c, user)).await
    }

    async fn begin_totp(&self, user: UserId, sealed_secret: &str) -> StoreResult<bool> {
        let sealed = sealed_secret.to_owned();
        self.write(move |tx| totp::begin(tx, user, &sealed, Timestamp::now()))
            .await
    }

    async fn enable_totp(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        step: u64,
        recovery_hashes: &[String],
    ) -> StoreResult<bool> {
        let (ctx, hashes) = (ctx.clone(), recovery_hashes.to_vec());
        self.write(move |tx| totp::enable(tx, &ctx, user, step, &hashes, Timestamp::now()))
            .await
    }

    async fn use_totp_step(&self, user: UserId, step: u64) -> StoreResult<bool> {
        self.write(move |tx| totp::use_step(tx, user, step)).await
    }

    async fn use_recovery_code(
        &self,
        user: UserId,
        hash: &str,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let hash = hash.to_owned();
        self.write(move |tx| totp::use_recovery(tx, user, &hash, now))
            .await
    }

    async fn remove_totp(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        how: TotpRemoval,
    ) -> StoreResult<bool> {
        let ctx = ctx.clone();
        self.write(move |tx| totp::remove(tx, &ctx, user, how))
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
            tx.query_row("SELECT value FROM server_keys WHERE name = ?1", [name.clone()], |r| r.get(0))
                .map_err(db)
        })
        .await
    }
}
