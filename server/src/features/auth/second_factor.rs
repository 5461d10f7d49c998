//! The optional TOTP second factor: setting it up (a secret shown once, turned on by a first
//! code, with recovery codes), the code step of a sign-in, turning it off (password and code),
//! and an administrator's reset. The pure parts (codes, sealing, challenges) are in
//! [`super::totp`].
//!
//! A code step counts toward the same lockouts as the password step: the account's e-mail and
//! the client address together (`login`, which the password step of such an account leaves
//! counted until the code succeeds, so a guesser who knows the password cannot reset it), and
//! the account alone (`login_totp`), so guesses spread over many addresses stop too.

use attend_protocol::ids::UserId;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::service::AuthService;
use super::store::TotpRemoval;
use super::totp::{
    CHALLENGE_TTL_S, enrolment, is_totp_code, matching_step, new_secret, recovery_codes,
    recovery_hash,
};
use crate::access::{Action, Caller};
use crate::features::people::service::creatable_roles;
use crate::features::people::{User, UserStatus};
use crate::platform::error::{AppResult, Error};
use crate::platform::limits;
use crate::platform::validate::Check;

/// The password was right and the account has a second factor: send this challenge with a
/// code to finish signing in.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TotpChallenge {
    /// Always `totp`.
    pub second_factor: String,
    /// Opaque; good for `expires_in` seconds, for this account only.
    pub challenge: String,
    pub expires_in: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpLoginRequest {
    /// From the password step's answer.
    pub challenge: String,
    /// The six digits the authenticator app shows, or an unused recovery code.
    pub code: String,
}

/// A code from the authenticator app.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisableTotpRequest {
    pub password: String,
    /// From the authenticator app, or an unused recovery code.
    pub code: String,
}

/// What to set an authenticator app up with. Shown this once: the server keeps the secret
/// sealed and never answers it again.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TotpSetup {
    /// Base32, for typing into the app.
    pub secret: String,
    /// `otpauth://totp/…`, what a QR code would carry.
    pub otpauth_uri: String,
}

/// Single-use codes for signing in without the phone. Shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TotpStatus {
    /// Sign-in asks for a code.
    pub enabled: bool,
    /// A setup was started and waits for its first code.
    pub pending: bool,
    /// The organisation requires a second factor of this account.
    pub required: bool,
    pub recovery_codes_left: u32,
}

const BAD_CODE: &str = "wrong code, or one already used";

/// A typed code without the spaces apps show in the middle.
fn tidy(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect()
}

impl AuthService {
    /// The challenge that stands between the password step and the code step.
    pub(super) fn totp_challenge(&self, user: &User) -> TotpChallenge {
        TotpChallenge {
            second_factor: "totp".into(),
            challenge: self
                .totp_keys
                .challenge(user.id, Timestamp::now().as_second()),
            expires_in: CHALLENGE_TTL_S,
        }
    }

    /// Whether `code` is the account's current authenticator code (never one accepted before)
    /// or one of its unused recovery codes; either is used up by the check.
    async fn second_factor_ok(&self, user: UserId, code: &str, now: Timestamp) -> AppResult<bool> {
        let Some(record) = self.store.totp(user).await?.filter(|r| r.enabled) else {
            return Ok(false);
        };
        let code = tidy(code);
        if !is_totp_code(&code) {
            return Ok(self
                .store
                .use_recovery_code(user, &recovery_hash(&code), now)
                .await?);
        }
        let secret = self.open_secret(user, &record.sealed_secret)?;
        match matching_step(&secret, &code, now.as_second() as u64, record.last_step) {
            Some(step) => Ok(self.store.use_totp_step(user, step).await?),
            None => Ok(false),
        }
    }

    fn open_secret(&self, user: UserId, sealed: &str) -> AppResult<Vec<u8>> {
        self.totp_keys.open(user, sealed).ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "the TOTP secret of user {user} does not open: was the server key replaced?"
            ))
        })
    }

    /// The code step of a sign-in: the account its challenge names, once the code is right.
    async fn code_step(&self, challenge: &str, code: &str, ip: Option<&str>) -> AppResult<User> {
        Check::default()
            .text("challenge", challenge, limits::TOTP_CHALLENGE)
            .text("code", code, limits::TOTP_CODE)
            .finish()?;
        let now = Timestamp::now();
        let expired = "the sign-in expired or is not valid: sign in with your password again";
        let user = self
            .totp_keys
            .redeem(challenge, now.as_second())
            .ok_or(Error::Unauthorized(expired))?;
        let creds = self
            .people
            .credentials_by_id(user)
            .await
            .map_err(|_| Error::Unauthorized(expired))?;
        let address = ip.unwrap_or("unknown");
        let pair = format!("{} {address}", creds.user.email.trim().to_lowercase());
        let account = user.to_string();
        self.throttle.claim("login_totp", &account, now).await?;
        self.throttle.claim("login", &pair, now).await?;
        if !self.second_factor_ok(user, code, now).await? {
            return Err(Error::Unauthorized(BAD_CODE));
        }
        self.throttle.clear("login", &pair).await?;
        self.throttle.clear("login_totp", &account).await?;
        self.throttle.forgive("login_address", address, now).await?;
        if creds.user.status != UserStatus::Active {
            return Err(Error::ForbiddenBecause("this account is not active"));
        }
        Ok(creds.user)
    }

    /// Finishes an API sign-in: tokens, once the code is right.
    pub async fn login_totp(
        &self,
        ip: Option<String>,
        req: TotpLoginRequest,
    ) -> AppResult<super::service::TokenResponse> {
        let user = self
            .code_step(&req.challenge, &req.code, ip.as_deref())
            .await?;
        self.start_session(ip, user).await
    }

    /// Finishes a dashboard sign-in: a cookie session, once the code is right.
    pub async fn sign_in_web_totp(
        &self,
        challenge: &str,
        code: &str,
        hours: i64,
        ip: Option<&str>,
    ) -> AppResult<super::service::WebSession> {
        let user = self.code_step(challenge, code, ip).await?;
        self.start_web_session(&user, hours).await
    }

    pub async fn totp_status(&self, caller: &Caller) -> AppResult<TotpStatus> {
        caller.permit(Action::TotpStatus)?;
        let record = self.store.totp(caller.user_id).await?;
        let user = self.people.credentials_by_id(caller.user_id).await?.user;
        Ok(TotpStatus {
            enabled: record.as_ref().is_some_and(|r| r.enabled),
            pending: record.as_ref().is_some_and(|r| !r.enabled),
            required: user.totp_required,
            recovery_codes_left: record.map_or(0, |r| r.recovery_left),
        })
    }

    /// Starts (or starts over) setting up an authenticator app. Nothing changes at sign-in
    /// until [`AuthService::confirm_totp`] sees a first code.
    pub async fn setup_totp(&self, caller: &Caller) -> AppResult<TotpSetup> {
        caller.permit(Action::SetupTotp)?;
        let secret = new_secret();
        let (secret_b32, otpauth_uri) = enrolment(&secret, &caller.email)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("could not build an otpauth URI")))?;
        let sealed = self.totp_keys.seal(caller.user_id, &secret);
        if !self.store.begin_totp(caller.user_id, &sealed).await? {
            return Err(conflict(
                "a second factor is on already: turn it off first to set up another",
            ));
        }
        Ok(TotpSetup {
            secret: secret_b32,
            otpauth_uri,
        })
    }

    /// Turns the second factor on with a first code from the app; answers the recovery codes.
    pub async fn confirm_totp(&self, caller: &Caller, req: TotpCode) -> AppResult<RecoveryCodes> {
        caller.permit(Action::ConfirmTotp)?;
        Check::default()
            .text("code", &req.code, limits::TOTP_CODE)
            .finish()?;
        let Some(record) = self.store.totp(caller.user_id).await? else {
            return Err(conflict("no setup in progress: start one first"));
        };
        if record.enabled {
            return Err(conflict("the second factor is on already"));
        }
        let (key, now) = (caller.user_id.to_string(), Timestamp::now());
        self.throttle.claim("totp_confirm", &key, now).await?;
        let secret = self.open_secret(caller.user_id, &record.sealed_secret)?;
        let Some(step) = matching_step(&secret, &tidy(&req.code), now.as_second() as u64, None)
        else {
            return Err(Error::field(
                "code",
                "is not what the authenticator app shows now: check the phone's clock",
            ));
        };
        self.throttle.clear("totp_confirm", &key).await?;
        let codes = recovery_codes();
        let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
        if !self
            .store
            .enable_totp(&caller.audit(), caller.user_id, step, &hashes)
            .await?
        {
            return Err(conflict("no setup in progress: start one first"));
        }
        Ok(RecoveryCodes {
            recovery_codes: codes,
        })
    }

    /// Turns one's own second factor off: the password and a code (or a recovery code).
    pub async fn disable_totp(&self, caller: &Caller, req: DisableTotpRequest) -> AppResult<()> {
        caller.permit(Action::DisableTotp)?;
        Check::default()
            .text("password", &req.password, limits::PASSWORD_GIVEN)
            .text("code", &req.code, limits::TOTP_CODE)
            .finish()?;
        let (key, now) = (caller.user_id.to_string(), Timestamp::now());
        // Someone at an unlocked screen may not guess at leisure (the password change's rule).
        self.throttle.claim("password_change", &key, now).await?;
        let creds = self.people.credentials_by_id(caller.user_id).await?;
        if !self
            .hasher
            .verify(req.password, Some(creds.password_hash))
            .await?
        {
            return Err(Error::field("password", "is not correct"));
        }
        if !self
            .second_factor_ok(caller.user_id, &req.code, now)
            .await?
        {
            return Err(Error::field("code", BAD_CODE));
        }
        self.throttle.clear("password_change", &key).await?;
        self.store
            .remove_totp(&caller.audit(), caller.user_id, TotpRemoval::ByOwner)
            .await?;
        Ok(())
    }

    /// Turns off the second factor of an account the caller may manage (its owner lost the
    /// phone and the recovery codes). Audited; the owner signs in with the password alone, or,
    /// if their organisation requires it, sets a new one up at their next sign-in.
    pub async fn reset_totp(&self, caller: &Caller, id: UserId) -> AppResult<()> {
        caller.permit(Action::ResetTotp)?;
        if id == caller.user_id {
            return Err(Error::ForbiddenBecause(
                "turn your own second factor off with your password and a code",
            ));
        }
        let target = self.people.get_user(caller.scope(), id).await?;
        if !creatable_roles(caller.role).contains(&target.role) {
            return Err(Error::ForbiddenBecause(
                "this account's role is not one you may manage",
            ));
        }
        if !self
            .store
            .remove_totp(&caller.audit(), id, TotpRemoval::Reset)
            .await?
        {
            return Err(conflict("this account has no second factor"));
        }
        Ok(())
    }
}

fn conflict(message: &str) -> Error {
    Error::Conflict {
        message: message.to_owned(),
        details: Vec::new(),
    }
}
