//! The audit row, written inside the caller's transaction so a change and its record commit
//! together or not at all.
//!
//! ```ignore
//! Audit::new(&ctx, Some(org), "create", "device").id(id).after(&device).write(tx)?;
//! ```

use crate::db::sql::Sql;
use attend_protocol::ids::OrgId;
use jiff::Timestamp;
use serde::Serialize;

use super::super::{AuditCtx, StoreResult};
use super::codec::{backend, db, opt_org, ts};

/// One audit row: who (from the context) did `action` to which `entity`, with the record as it
/// was before and after, as JSON.
#[derive(Debug)]
#[must_use = "an audit row is written only by `write`"]
pub(crate) struct Audit<'a> {
    ctx: &'a AuditCtx,
    org: Option<OrgId>,
    action: &'a str,
    entity: &'a str,
    entity_id: Option<String>,
    before: Option<serde_json::Result<String>>,
    after: Option<serde_json::Result<String>>,
}

impl<'a> Audit<'a> {
    pub(crate) fn new(
        ctx: &'a AuditCtx,
        org: Option<OrgId>,
        action: &'a str,
        entity: &'a str,
    ) -> Self {
        Self {
            ctx,
            org,
            action,
            entity,
            entity_id: None,
            before: None,
            after: None,
        }
    }

    pub(crate) fn id(mut self, id: impl std::fmt::Display) -> Self {
        self.entity_id = Some(id.to_string());
        self
    }

    pub(crate) fn before(mut self, record: &impl Serialize) -> Self {
        self.before = Some(serde_json::to_string(record));
        self
    }

    /// The record before, when there was one (a create has none).
    pub(crate) fn maybe_before(mut self, record: Option<&impl Serialize>) -> Self {
        self.before = record.map(serde_json::to_string);
        self
    }

    pub(crate) fn after(mut self, record: &impl Serialize) -> Self {
        self.after = Some(serde_json::to_string(record));
        self
    }

    /// Writes the row inside `tx`.
    pub(crate) fn write(self, tx: &Sql<'_>) -> StoreResult<()> {
        let before = self.before.transpose().map_err(backend)?;
        let after = self.after.transpose().map_err(backend)?;
        tx.execute(
            "INSERT INTO audit_log (at, org_id, actor_kind, actor_id, action, entity, entity_id,
                                    before, after, ip, request_id, four_eyes_waived)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            rusqlite::params![
                ts(Timestamp::now()),
                opt_org(self.org),
                self.ctx.actor.kind(),
                self.ctx.actor.id(),
                self.action,
                self.entity,
                self.entity_id,
                before,
                after,
                self.ctx.ip,
                self.ctx.request_id,
                self.ctx.waived,
            ],
        )
        .map_err(db)?;
        Ok(())
    }
}
