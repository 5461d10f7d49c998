//! Dashboard sessions (see `storage::web_sessions`).

use async_trait::async_trait;
use attend_protocol::ids::UserId;
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, db, ts};
use crate::storage::{StoreResult, User, UserStatus, UserStore as _, WebSessionStore};

#[async_trait]
impl WebSessionStore for SqliteStore {
    async fn create_web_session(
        &self,
        user: UserId,
        token_hash: &str,
        csrf_token: &str,
        expires: Timestamp,
    ) -> StoreResult<()> {
        let (hash, csrf) = (token_hash.to_owned(), csrf_token.to_owned());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![hash, user.to_string(), csrf, ts(Timestamp::now()), ts(expires)],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn web_session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(User, String)>> {
        let hash = token_hash.to_owned();
        let found: Option<(String, String)> = self
            .read(move |c| {
                c.query_row(
                    "SELECT user_id, csrf_token FROM web_sessions WHERE token_hash = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                    params![hash, ts(now)],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(db)
            })
            .await?;
        let Some((user, csrf)) = found else {
            return Ok(None);
        };
        let Ok(id) = user.parse::<UserId>() else {
            return Ok(None);
        };
        let creds = self.credentials_by_id(id).await?;
        Ok((creds.user.status == UserStatus::Active).then_some((creds.user, csrf)))
    }

    async fn revoke_web_session(&self, token_hash: &str, now: Timestamp) -> StoreResult<()> {
        let hash = token_hash.to_owned();
        self.write(move |tx| {
            tx.execute(
                "UPDATE web_sessions SET revoked_at = ?2 WHERE token_hash = ?1",
                params![hash, ts(now)],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }
}
