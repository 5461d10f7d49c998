//! Password reset: a request answered identically whether or not the account exists, and a
//! single-use token confirmation with a per-client lockout.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::service::{AuthService, secs};
use super::store::Grant;
use super::throttle::ThrottleRule;
use crate::db::StoreError;
use crate::features::notifications::messages;
use crate::platform::error::{AppResult, Error};

use crate::platform::tokens::{random_token, token_hash};
use crate::platform::validate::Check;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Accepted {
    pub status: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    pub token: String,
    pub new_password: String,
}

impl AuthService {
    /// Answers at once; the lookup, token and e-mail happen in the background so the answer
    /// and its timing are the same whether or not the account exists.
    pub fn request_reset(&self, req: ResetRequest) -> AppResult<Accepted> {
        Check::default().email("email", req.email.trim()).finish()?;
        let email = req.email.trim().to_lowercase();
        let service = self.clone();
        tokio::spawn(async move {
            if let Err(error) = service.send_reset(&email).await {
                tracing::error!(%error, "password reset request failed");
            }
        });
        Ok(Accepted {
            status: "if that account exists, a reset e-mail is on its way".into(),
        })
    }

    async fn send_reset(&self, email: &str) -> Result<(), Error> {
        let now = Timestamp::now();
        let auth = &self.settings.auth;
        // Per-address cap on reset mails, so the endpoint cannot be used to flood an inbox.
        if self
            .throttle
            .locked_until("reset_request", email, now)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let cap = ThrottleRule {
            max: auth.max_failures,
            window: secs(3600),
            lock: secs(3600),
        };
        self.throttle
            .failed_with("reset_request", email, now, cap)
            .await?;
        let token = random_token(32);
        let link = format!(
            "{}/dashboard/reset-password?token={token}",
            self.settings.public_url.trim_end_matches('/')
        );
        self.store
            .create_password_reset(
                email,
                &token_hash(&token),
                now + secs(auth.reset_token_ttl_s),
                &messages::password_reset(&link, &token),
            )
            .await?;
        Ok(())
    }

    /// Sets a new password with a reset token; every session of the account ends.
    pub async fn confirm_reset(&self, ip: Option<String>, req: ResetConfirm) -> AppResult<()> {
        Check::default()
            .password("new_password", &req.new_password)
            .finish()?;
        // The hashing turn first: under a flood, the 503 comes before any database work.
        let turn = self.hasher.turn().await?;
        let key = ip.unwrap_or_else(|| "unknown".into());
        let now = Timestamp::now();
        self.throttle
            .ensure_open("reset_confirm", &key, now)
            .await?;
        let token = token_hash(req.token.trim());
        let refused = || Error::field("token", "is invalid, used or expired");
        // A made-up token is refused before any hashing (and counts against the address).
        if !self
            .store
            .grant_live(Grant::PasswordReset, &token, now)
            .await?
        {
            self.throttle.failed("reset_confirm", &key, now).await?;
            return Err(refused());
        }
        let hash = turn.hash(req.new_password).await?;
        match self.store.consume_password_reset(&token, &hash, now).await {
            Ok(_) => Ok(()),
            Err(StoreError::NotFound) => {
                self.throttle.failed("reset_confirm", &key, now).await?;
                Err(refused())
            }
            Err(e) => Err(e.into()),
        }
    }
}
