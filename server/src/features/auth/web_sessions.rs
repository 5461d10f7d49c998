//! Dashboard sessions: signing in (the password step; the code step is in
//! [`super::second_factor`]), the caller of a session cookie, and signing out.

use jiff::{SignedDuration, Timestamp};

use super::service::{AuthService, SignIn, WebSession, caller_of};
use crate::access::Caller;
use crate::features::people::User;
use crate::platform::error::AppResult;
use crate::platform::tokens::{random_token, token_hash};

impl AuthService {
    /// Signs in to the dashboard: a new cookie session with its CSRF token, or (for an account
    /// with a second factor) a challenge for [`AuthService::sign_in_web_totp`].
    pub async fn sign_in_web(
        &self,
        email: &str,
        password: &str,
        hours: i64,
        ip: Option<&str>,
    ) -> AppResult<SignIn<WebSession>> {
        let user = self.check_password(email, password, ip).await?;
        if user.totp_enabled {
            return Ok(SignIn::Code(self.totp_challenge(&user)));
        }
        Ok(SignIn::Done(self.start_web_session(&user, hours).await?))
    }

    /// A dashboard session for an account whose sign-in is complete.
    pub(super) async fn start_web_session(&self, user: &User, hours: i64) -> AppResult<WebSession> {
        let (token, csrf) = (self.jwt.new_session_token(), random_token(32));
        let expires = Timestamp::now() + SignedDuration::from_hours(hours);
        self.store
            .create_web_session(user.id, &token_hash(&token), &csrf, expires)
            .await?;
        Ok(WebSession { token, csrf })
    }

    /// The caller of a live dashboard session (by its token's hash) and its CSRF token.
    pub async fn web_caller(
        &self,
        hash: &str,
        ip: Option<String>,
    ) -> AppResult<Option<(Caller, String)>> {
        let found = self.store.web_session(hash, Timestamp::now()).await?;
        let Some((user, csrf)) = found else {
            return Ok(None);
        };
        // Web sessions are not API sessions; the prefix keeps the two apart in audits.
        let caller = caller_of(user, format!("web:{}", &hash[..12]), ip);
        Ok(Some((self.with_waiver(caller).await?, csrf)))
    }

    pub async fn sign_out_web(&self, hash: &str) -> AppResult<()> {
        Ok(self
            .store
            .revoke_web_session(hash, Timestamp::now())
            .await?)
    }
}
