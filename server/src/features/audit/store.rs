//! Reading the audit log.

use async_trait::async_trait;

use super::AuditEntry;
use crate::db::{Page, Paged, Scope, StoreResult};

#[async_trait]
pub trait AuditStore: Send + Sync + std::fmt::Debug {
    /// Newest first; `after` is the last id of the previous page; `waived` keeps only the rows
    /// of changes the single-admin setting let through.
    async fn list_audit(
        &self,
        scope: Scope,
        waived: bool,
        page: &Page,
    ) -> StoreResult<Paged<AuditEntry>>;
}
