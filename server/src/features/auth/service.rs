//! Signing in (API tokens and dashboard sessions), refreshing, signing out, and changing one's
//! password. Joining an organisation is in [`super::joining`], password resets in
//! [`super::reset`].

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::lockouts::Throttle;
use super::second_factor::TotpChallenge;
use super::store::AuthStore;
use super::throttle::ThrottleRule;
use super::totp::TotpKeys;
use super::{RefreshLifetime, RefreshOutcome};
use crate::access::{Action, Caller, Role};
use crate::config::Settings;
use crate::db::{AuditActor, AuditCtx, Scope};
use crate::features::orgs::OrgStore;
use crate::features::people::{PeopleStore, User, UserStatus};
use crate::platform::error::{AppResult, Error};
use crate::platform::limits;
use crate::platform::password::Hasher;
use crate::platform::request_id;
use crate::platform::tokens::{Claims, JwtKeys, random_token, token_hash};
use crate::platform::validate::Check;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    /// Seconds until `access_token` expires.
    pub expires_in: i64,
    /// Single use: each refresh returns a new one and retires this one.
    pub refresh_token: String,
    pub user: User,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// A new dashboard session: the cookie's token and the session's CSRF token.
#[derive(Debug)]
pub struct WebSession {
    pub token: String,
    pub csrf: String,
}

/// What the password step of a sign-in comes to.
#[derive(Debug)]
pub enum SignIn<T> {
    /// Signed in: tokens, or a dashboard session.
    Done(T),
    /// The account has a second factor: the code step finishes with this challenge.
    Code(TotpChallenge),
}

/// An audit context for someone not signed in.
pub fn anonymous(ip: Option<String>) -> AuditCtx {
    AuditCtx {
        actor: AuditActor::Anonymous,
        ip,
        request_id: Some(request_id::current()),
        waived: None,
    }
}

/// The caller a signed-in account acts as.
pub fn caller_of(user: User, session_id: String, ip: Option<String>) -> Caller {
    Caller {
        user_id: user.id,
        org_id: user.org_id,
        role: user.role,
        departments: user.departments,
        employee_id: user.employee_id,
        link: user.link,
        waiver: false,
        display_name: user.display_name,
        email: user.email,
        totp_setup_due: user.totp_required && !user.totp_enabled,
        session_id,
        ip,
        request_id: Some(request_id::current()),
    }
}

pub(super) fn secs(s: i64) -> SignedDuration {
    SignedDuration::from_secs(s)
}

#[derive(Clone, Debug)]
pub struct AuthService {
    pub(super) store: Arc<dyn AuthStore>,
    pub(super) people: Arc<dyn PeopleStore>,
    pub(super) orgs: Arc<dyn OrgStore>,
    pub(super) throttle: Throttle,
    pub(super) jwt: Arc<JwtKeys>,
    pub(super) totp_keys: Arc<TotpKeys>,
    pub(super) settings: Arc<Settings>,
    pub(super) hasher: Hasher,
}

impl AuthService {
    pub fn new(
        store: Arc<dyn AuthStore>,
        people: Arc<dyn PeopleStore>,
        orgs: Arc<dyn OrgStore>,
        jwt: Arc<JwtKeys>,
        settings: Arc<Settings>,
        hasher: Hasher,
    ) -> Self {
        Self {
            throttle: Throttle::new(store.clone(), &settings.auth),
            totp_keys: Arc::new(TotpKeys::new(&jwt)),
            store,
            people,
            orgs,
            jwt,
            settings,
            hasher,
        }
    }

    /// The lockouts, for other features that count failures (kiosk provisioning).
    pub(crate) fn throttle(&self) -> &Throttle {
        &self.throttle
    }

    fn issue_tokens(
        &self,
        user: User,
        session_id: String,
        refresh: String,
    ) -> AppResult<TokenResponse> {
        let now = Timestamp::now().as_second();
        let ttl = self.settings.auth.access_token_ttl_s;
        let claims = Claims {
            sub: user.id,
            sid: session_id,
            role: user.role,
            org: user.org_id,
            iat: now,
            exp: now + ttl,
        };
        let access_token = self
            .jwt
            .issue(&claims)
            .map_err(|e| Error::Internal(e.into()))?;
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in: ttl,
            refresh_token: refresh,
            user,
        })
    }

    /// The caller behind a bearer token: its signature and expiry, then its session and user
    /// in the store, so logout, disabling and role changes take effect at once.
    pub async fn authenticate(&self, token: &str, ip: Option<String>) -> AppResult<Caller> {
        let claims = self
            .jwt
            .verify(token)
            .ok_or(Error::Unauthorized("invalid or expired access token"))?;
        let user = self
            .store
            .live_session_user(claims.sub, &claims.sid)
            .await?
            .ok_or(Error::Unauthorized("session has ended"))?;
        self.with_waiver(caller_of(user, claims.sid, ip)).await
    }

    /// Whether the organisation's single-admin setting applies to `caller` (asked on every
    /// request, so turning it off, or a second admin joining, takes effect at once).
    pub(super) async fn with_waiver(&self, mut caller: Caller) -> AppResult<Caller> {
        if let (Role::OrgAdmin, Some(org)) = (caller.role, caller.org_id) {
            caller.waiver = self.orgs.single_admin_waiver(org, caller.user_id).await?;
        }
        Ok(caller)
    }

    /// Checks an e-mail and password against the lockouts; the account if they match.
    ///
    /// Each attempt is counted before the password is checked (so parallel guesses cannot all
    /// pass a lock check first), per e-mail and address together (a guesser elsewhere cannot
    /// lock the owner out) and per address (password spraying); a success takes its count back.
    pub(super) async fn check_password(
        &self,
        email: &str,
        password: &str,
        ip: Option<&str>,
    ) -> AppResult<User> {
        Check::default()
            .text("email", email, limits::EMAIL)
            .text("password", password, limits::PASSWORD_GIVEN)
            .finish()?;
        // The hashing turn first: under a flood, the 503 comes before any database work.
        let turn = self.hasher.turn().await?;
        let email = email.trim().to_lowercase();
        let address = ip.unwrap_or("unknown");
        let pair = format!("{email} {address}");
        let now = Timestamp::now();
        let spray = ThrottleRule {
            max: self.settings.auth.max_failures_per_address,
            ..self.throttle.rule()
        };
        self.throttle
            .claim_with("login_address", address, now, spray)
            .await?;
        self.throttle.claim("login", &pair, now).await?;
        let creds = self.people.credentials_by_email(&email).await?;
        let ok = turn
            .verify(
                password.to_owned(),
                creds.as_ref().map(|c| c.password_hash.clone()),
            )
            .await?;
        let Some(creds) = creds.filter(|_| ok) else {
            return Err(Error::Unauthorized("invalid e-mail or password"));
        };
        // With a second factor the attempt stays counted until its code step succeeds, so
        // knowing the password never wipes the count of wrong codes.
        if !creds.user.totp_enabled {
            self.throttle.clear("login", &pair).await?;
            self.throttle.forgive("login_address", address, now).await?;
        }
        match creds.user.status {
            UserStatus::Active => {}
            UserStatus::Pending => {
                return Err(Error::ForbiddenBecause(
                    "this account is waiting for a manager's approval",
                ));
            }
            UserStatus::Disabled => {
                return Err(Error::ForbiddenBecause("this account is disabled"));
            }
        }
        Ok(creds.user)
    }

    /// The password step: tokens, or (for an account with a second factor) a challenge for
    /// [`AuthService::login_totp`].
    pub async fn login(
        &self,
        ip: Option<String>,
        req: LoginRequest,
    ) -> AppResult<SignIn<TokenResponse>> {
        let user = self
            .check_password(&req.email, &req.password, ip.as_deref())
            .await?;
        if user.totp_enabled {
            return Ok(SignIn::Code(self.totp_challenge(&user)));
        }
        Ok(SignIn::Done(self.start_session(ip, user).await?))
    }

    /// A login session for an account whose sign-in is complete, and its tokens.
    pub(super) async fn start_session(
        &self,
        ip: Option<String>,
        user: User,
    ) -> AppResult<TokenResponse> {
        let refresh = random_token(32);
        let expires = Timestamp::now() + secs(self.settings.auth.refresh_token_ttl_s);
        let ctx = AuditCtx {
            actor: AuditActor::User {
                id: user.id,
                org: user.org_id,
            },
            ..anonymous(ip)
        };
        let session = self
            .store
            .create_session(&ctx, user.id, &token_hash(&refresh), expires)
            .await?;
        self.issue_tokens(user, session, refresh)
    }

    pub async fn refresh(&self, req: RefreshRequest) -> AppResult<TokenResponse> {
        let now = Timestamp::now();
        let next = random_token(32);
        let lifetime = RefreshLifetime {
            idle: secs(self.settings.auth.refresh_token_ttl_s),
            max_age: secs(self.settings.auth.session_max_age_s),
        };
        let outcome = self
            .store
            .rotate_refresh(
                &token_hash(&req.refresh_token),
                &token_hash(&next),
                lifetime,
                now,
            )
            .await?;
        match outcome {
            RefreshOutcome::Rotated {
                user_id,
                session_id,
            } => {
                let creds = self.people.credentials_by_id(user_id).await?;
                self.issue_tokens(creds.user, session_id, next)
            }
            RefreshOutcome::Reused => Err(Error::Unauthorized(
                "refresh token was already used; the session has been ended",
            )),
            RefreshOutcome::Invalid => Err(Error::Unauthorized("invalid or expired refresh token")),
        }
    }

    pub async fn logout(&self, caller: &Caller) -> AppResult<()> {
        caller.permit(Action::Logout)?;
        Ok(self
            .store
            .revoke_session(&caller.audit(), &caller.session_id)
            .await?)
    }

    pub async fn me(&self, caller: &Caller) -> AppResult<User> {
        caller.permit(Action::Me)?;
        Ok(self.people.get_user(Scope::All, caller.user_id).await?)
    }

    /// Changes one's own password; every other session ends.
    pub async fn change_password(
        &self,
        caller: &Caller,
        req: ChangePasswordRequest,
    ) -> AppResult<()> {
        caller.permit(Action::ChangePassword)?;
        Check::default()
            .password("new_password", &req.new_password)
            .finish()?;
        // Someone at an unlocked screen may not guess the current password at leisure.
        let key = caller.user_id.to_string();
        let now = Timestamp::now();
        self.throttle.claim("password_change", &key, now).await?;
        let creds = self.people.credentials_by_id(caller.user_id).await?;
        if !self
            .hasher
            .verify(req.current_password, Some(creds.password_hash))
            .await?
        {
            return Err(Error::field("current_password", "is not correct"));
        }
        self.throttle.clear("password_change", &key).await?;
        let hash = self.hasher.hash(req.new_password).await?;
        Ok(self
            .people
            .set_password(
                &caller.audit(),
                caller.user_id,
                &hash,
                Some(&caller.session_id),
            )
            .await?)
    }
}
