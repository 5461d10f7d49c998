//! What the auth service reads and writes: login sessions and refresh tokens, dashboard
//! sessions, password resets, failed attempts, invites, and the server's own keys.

use async_trait::async_trait;
use attend_protocol::ids::{EmployeeId, OrgId, UserId};
use jiff::Timestamp;

use super::throttle::{Attempts, ThrottleRule};
use super::{InviteRole, RefreshLifetime, RefreshOutcome};
use crate::db::{AuditCtx, StoreResult};
use crate::features::notifications::Message;
use crate::features::people::{NewEmployee, NewUser, User};

/// A one-time grant, redeemed by setting a password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    PasswordReset,
    Invite,
}

/// An invite to store.
#[derive(Debug)]
pub struct NewInvite<'a> {
    pub org: OrgId,
    pub role: InviteRole,
    pub email: Option<&'a str>,
    pub code_hash: &'a str,
    pub created_by: UserId,
    /// Who the invitee is (four eyes): their employee record, or marked as not an employee.
    pub employee_id: Option<EmployeeId>,
    pub not_employee: bool,
    pub expires: Timestamp,
    /// The invite mail to queue with it (when the invite names an address).
    pub mail: Option<Message>,
}

/// A self-registration to store, and the mail that answers it either way.
#[derive(Clone, Debug)]
pub struct NewRegistration {
    pub employee: NewEmployee,
    pub user: NewUser,
    /// Refused when the organisation already holds this many pending registrations.
    pub cap: u32,
    /// To a new address: the account waits for approval.
    pub welcome: Message,
    /// To an address that has an account already (at most one an hour).
    pub taken: Message,
}

/// What a registration came to. The registrant is told the same for the first two.
#[derive(Debug)]
pub enum Registration {
    /// A pending employee and account.
    Created(User),
    /// The address has an account: nothing created, its owner is told.
    AddressTaken,
    /// The organisation has `cap` registrations waiting already.
    Full,
}

/// An account's authenticator as stored (see `super::totp`).
#[derive(Debug, Clone)]
pub struct TotpRecord {
    /// The secret, sealed for this account.
    pub sealed_secret: String,
    /// A first code confirmed it; until then it is only a setup in progress.
    pub enabled: bool,
    /// The newest step a code was accepted for.
    pub last_step: Option<u64>,
    /// Recovery codes not used yet.
    pub recovery_left: u32,
}

/// How a second factor comes to be removed, as its audit row says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TotpRemoval {
    /// Its owner turned it off (password and code).
    ByOwner,
    /// An administrator reset it (a lost phone).
    Reset,
}

#[async_trait]
pub trait AuthStore: Send + Sync + std::fmt::Debug {
    /// Starts a session with its first refresh token; returns the session id.
    async fn create_session(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        refresh_hash: &str,
        expires: Timestamp,
    ) -> StoreResult<String>;
    async fn rotate_refresh(
        &self,
        old_hash: &str,
        new_hash: &str,
        lifetime: RefreshLifetime,
        now: Timestamp,
    ) -> StoreResult<RefreshOutcome>;
    async fn revoke_session(&self, ctx: &AuditCtx, session_id: &str) -> StoreResult<()>;
    /// The user, if active and `session_id` is one of its live sessions.
    async fn live_session_user(&self, user: UserId, session_id: &str) -> StoreResult<Option<User>>;

    async fn create_web_session(
        &self,
        user: UserId,
        token_hash: &str,
        csrf_token: &str,
        expires: Timestamp,
    ) -> StoreResult<()>;
    /// The active user and the session's CSRF token, if the session is live at `now`.
    async fn web_session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(User, String)>>;
    async fn revoke_web_session(&self, token_hash: &str, now: Timestamp) -> StoreResult<()>;

    /// Stores a reset token and queues its e-mail in one transaction. `false` when no active
    /// account has that e-mail (nothing is written).
    async fn create_password_reset(
        &self,
        email: &str,
        token_hash: &str,
        expires: Timestamp,
        mail: &Message,
    ) -> StoreResult<bool>;
    /// Whether a one-time grant (its hash) could still be redeemed at `now`: checked before the
    /// new password is hashed, so a made-up token costs no argon2 run. Redeeming checks again.
    async fn grant_live(&self, grant: Grant, hash: &str, now: Timestamp) -> StoreResult<bool>;
    /// Consumes a valid, unexpired reset token: sets the password, revokes all sessions.
    async fn consume_password_reset(
        &self,
        token_hash: &str,
        new_hash: &str,
        now: Timestamp,
    ) -> StoreResult<UserId>;

    /// Counts one attempt at `(kind, key)` before it is checked, in one transaction, and answers
    /// `Err(until)` (counting nothing) while the key is locked. Counting first is what keeps
    /// parallel guesses from all passing the lock check before the first failure is stored.
    async fn claim_attempt(
        &self,
        kind: &str,
        key: &str,
        now: Timestamp,
        rule: &ThrottleRule,
    ) -> StoreResult<Result<(), Timestamp>>;
    /// Takes back one counted attempt that succeeded (unless the key is locked by then).
    async fn forgive_attempt(&self, kind: &str, key: &str, now: Timestamp) -> StoreResult<()>;
    /// The failed attempts recorded for `(kind, key)`.
    async fn attempts(&self, kind: &str, key: &str) -> StoreResult<Option<Attempts>>;
    /// Counts a failure: `rule` turns the stored attempts into the new ones, in one transaction.
    async fn record_failure(
        &self,
        kind: &str,
        key: &str,
        now: Timestamp,
        rule: &ThrottleRule,
    ) -> StoreResult<()>;
    async fn clear_attempts(&self, kind: &str, key: &str) -> StoreResult<()>;

    /// Stores an invite and queues its mail, if any, in one transaction.
    async fn create_invite(&self, ctx: &AuditCtx, invite: NewInvite<'_>) -> StoreResult<()>;
    /// In one transaction: refuses when the organisation is full; stores the employee (so a
    /// taken employee number is refused whatever the address); then either creates the pending
    /// account and queues `welcome`, or, when any account has the address, undoes the employee
    /// and queues `taken` to that account instead.
    async fn register(&self, ctx: &AuditCtx, new: NewRegistration) -> StoreResult<Registration>;
    /// Redeems an unused, unexpired invite by creating its user.
    async fn accept_invite(
        &self,
        ctx: &AuditCtx,
        code_hash: &str,
        now: Timestamp,
        email: &str,
        display_name: &str,
        password_hash: &str,
    ) -> StoreResult<User>;

    /// The account's authenticator, set up or being set up.
    async fn totp(&self, user: UserId) -> StoreResult<Option<TotpRecord>>;
    /// Starts (or starts over) a setup with a new sealed secret, not on yet. `false` (nothing
    /// written) when the account has one on already.
    async fn begin_totp(&self, user: UserId, sealed_secret: &str) -> StoreResult<bool>;
    /// Turns the setup in progress on, its first code's `step` as used, and stores the hashes
    /// of new recovery codes; audited. `false` when no setup is in progress.
    async fn enable_totp(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        step: u64,
        recovery_hashes: &[String],
    ) -> StoreResult<bool>;
    /// Records `step` as used unless that step or a later one already was: `false` is a replay.
    async fn use_totp_step(&self, user: UserId, step: u64) -> StoreResult<bool>;
    /// Uses up an unused recovery code (its hash); `false` when there is none.
    async fn use_recovery_code(
        &self,
        user: UserId,
        hash: &str,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Removes the authenticator and its recovery codes; audited as `how`. `false` when there
    /// was nothing to remove.
    async fn remove_totp(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        how: TotpRemoval,
    ) -> StoreResult<bool>;

    /// A named server secret, created by `generate` the first time it is asked for.
    async fn server_key(
        &self,
        name: &str,
        generate: &(dyn Fn() -> String + Sync),
    ) -> StoreResult<String>;
}
