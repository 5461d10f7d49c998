//! Equipment: creation (the roster sends it to the site's kiosks).

use async_trait::async_trait;
use attend_protocol::ids::EquipmentId;
use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, audit_tx, db, new_id, roster_changed};
use crate::storage::{AuditCtx, EquipmentStore, NewEquipment, StoreError, StoreResult};

#[async_trait]
impl EquipmentStore for SqliteStore {
    async fn create_equipment(
        &self,
        ctx: &AuditCtx,
        new: NewEquipment,
    ) -> StoreResult<EquipmentId> {
        let ctx = ctx.clone();
        self.write(move |tx| {
            let site: Option<i64> = tx
                .query_row("SELECT 1 FROM sites WHERE id = ?1 AND org_id = ?2", params![new.site_id.to_string(), new.org_id.to_string()], |r| r.get(0))
                .optional()
                .map_err(db)?;
            if site.is_none() {
                return Err(StoreError::BadReference { field: "site_id" });
            }
            let id: EquipmentId = new_id();
            tx.execute(
                "INSERT INTO equipment (id, org_id, site_id, name, relay_channel, activation_code_hash, required_qualification_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id.to_string(),
                    new.org_id.to_string(),
                    new.site_id.to_string(),
                    new.name,
                    new.relay_channel,
                    new.activation_code_hash,
                    new.required_qualification.map(|q| q.to_string()),
                ],
            )
            .map_err(db)?;
            roster_changed(tx, new.org_id, "equipment", &id.to_string())?;
            let after = serde_json::json!({ "name": new.name, "relay_channel": new.relay_channel, "site_id": new.site_id });
            audit_tx(tx, &ctx, Some(new.org_id), "create", "equipment", Some(&id.to_string()), None, Some(&after))?;
            Ok(id)
        })
        .await
    }
}
