//! Who may read the audit log.

use std::sync::Arc;

use super::AuditEntry;
use super::store::AuditStore;
use crate::access::{Action, Caller};
use crate::db::{Page, Paged};
use crate::platform::error::AppResult;

#[derive(Clone, Debug)]
pub struct AuditService {
    store: Arc<dyn AuditStore>,
}

impl AuditService {
    pub fn new(store: Arc<dyn AuditStore>) -> Self {
        Self { store }
    }

    /// The log, newest first; `waived` keeps the changes the single-admin setting let through
    /// four eyes.
    pub async fn list(
        &self,
        caller: &Caller,
        waived: bool,
        page: &Page,
    ) -> AppResult<Paged<AuditEntry>> {
        caller.permit(Action::ListAudit)?;
        Ok(self.store.list_audit(caller.scope(), waived, page).await?)
    }
}
