//! Nonces of signed requests on SQLite. A nonce is looked at twice: read with the device on the
//! first check (a replay is refused before its body is read or any budget spent), then written
//! by the request's own write transaction, which is what makes it single-use when copies race.

use crate::db::sql::{OptionalExtension, Sql, params};
use attend_protocol::ids::DeviceId;

use super::{DEVICE_AUTH_COLS, DEVICE_AUTH_FROM, device_auth_row};
use crate::db::StoreResult;
use crate::db::sql::{db, ts};
use crate::features::devices::store::{NonceUse, Signer};

/// The device with whether this nonce was already seen inside the window.
pub(super) fn signer(c: &Sql<'_>, id: DeviceId, nonce: &NonceUse) -> StoreResult<Option<Signer>> {
    c.query_row(
        &format!(
            "SELECT {DEVICE_AUTH_COLS}, EXISTS(SELECT 1 FROM device_nonces n
                 WHERE n.device_id = d.id AND n.nonce = ?2 AND n.seen_at >= ?3)
             FROM {DEVICE_AUTH_FROM} WHERE d.id = ?1"
        ),
        params![id.to_string(), nonce.nonce, oldest_kept(nonce)],
        |r| {
            Ok(Signer {
                device: device_auth_row(r)?,
                nonce_seen: r.get(7)?,
            })
        },
    )
    .optional()
    .map_err(db)
}

/// Records the nonce and the device's last contact; `false` if it was already seen within the
/// window (a replay), in which case nothing but expired nonces' removal is written.
pub(super) fn spend(tx: &Sql<'_>, device: DeviceId, nonce: &NonceUse) -> StoreResult<bool> {
    // Nonces older than twice the window can never verify again (their timestamp is stale).
    tx.execute(
        "DELETE FROM device_nonces WHERE device_id = ?1 AND seen_at < ?2",
        params![device.to_string(), oldest_kept(nonce)],
    )
    .map_err(db)?;
    let fresh = tx
        .execute(
"INSERT INTO device_nonces (device_id, nonce, seen_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", params![device.to_string(), nonce.nonce, nonce.at.as_second()])
        .map_err(db)?
        == 1;
    if fresh {
        tx.execute(
            "UPDATE devices SET last_seen_at = ?2, last_ip = ?3 WHERE id = ?1",
            params![device.to_string(), ts(nonce.at), nonce.ip],
        )
        .map_err(db)?;
    }
    Ok(fresh)
}

fn oldest_kept(nonce: &NonceUse) -> i64 {
    nonce.at.as_second() - 2 * nonce.window_s
}
