//! Dashboard sessions: a cookie token (stored hashed) bound to a user and a CSRF token.

use async_trait::async_trait;
use attend_protocol::ids::UserId;
use jiff::Timestamp;

use super::{StoreResult, User};

#[async_trait]
pub trait WebSessionStore: Send + Sync {
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
}
