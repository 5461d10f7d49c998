//! The roster kiosks pull: who may clock in (employees, their PINs and face templates), which
//! machines a site has and who may run them, and the kiosk's settings, sent as a delta after a
//! cursor over the change log.
//!
//! - [`assemble`]: the delta from the latest changes (a pure rule every backend applies):
//!   each changed entity whole if a kiosk may still have it, else a tombstone.
//! - [`service`]: the pull a signed kiosk makes; [`api`]: its route.
//! - [`store`]: the data access; [`sql`] implements it (on SQLite and PostgreSQL).
//!
//! Invariants: only templates of active employees who granted consent ever reach a kiosk, and
//! nothing reaches a kiosk no administrator has confirmed; a confirmed kiosk that applies every
//! page in cursor order ends with exactly the server's roster.

pub mod api;
pub mod service;
pub mod sql;
pub mod store;

use attend_protocol::roster::{
    DeviceConfig, EntityKind, RosterDelta, RosterEmployee, RosterEquipment, RosterQualification,
    RosterTemplate, Tombstone,
};
use uuid::Uuid;

use crate::db::StoreResult;
use crate::features::devices::{DeviceAuth, DeviceStatus};

pub use service::RosterService;
pub use store::RosterStore;

/// One entity's latest change after the cursor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub kind: EntityKind,
    pub id: Uuid,
    pub seq: u64,
}

/// An entity as a kiosk gets it.
#[derive(Clone, Debug)]
pub enum Entry {
    Employee(RosterEmployee),
    Template(RosterTemplate),
    Equipment(RosterEquipment),
    Qualification(RosterQualification),
}

/// The kiosk's settings, sent with every delta.
pub fn device_config(device: &DeviceAuth) -> DeviceConfig {
    DeviceConfig {
        timezone: device.timezone.clone(),
        enabled: device.status == DeviceStatus::Active,
        punch_repeat_window_s: 60,
        pin_max_attempts: 5,
        heartbeat_interval_s: 60,
        max_clock_offset_s: 120,
        awaiting_confirmation: !device.confirmed,
        // Filled in by the store from the site's rules (none for an unconfirmed kiosk, which
        // gets nobody to check or identify).
        liveness: None,
        face_match: None,
    }
}

/// The answer to a kiosk no administrator has confirmed: nobody, no machine, and its own cursor
/// back (so its first pull once confirmed brings everything), with settings that say why. A
/// leaked provisioning code reveals no PIN hash, face or machine code this way.
pub fn awaiting_confirmation(device: &DeviceAuth, since: u64) -> RosterDelta {
    RosterDelta {
        config: device_config(device),
        ..RosterDelta::empty(since)
    }
}

/// The delta after `since` from the latest changes, oldest first (`limit + 1` of them, to
/// learn whether more remain). `current` answers what a kiosk may have of an entity now
/// (`None`: send a tombstone).
pub fn assemble(
    device: &DeviceAuth,
    since: u64,
    limit: u32,
    changes: Vec<Change>,
    mut current: impl FnMut(&Change) -> StoreResult<Option<Entry>>,
) -> StoreResult<RosterDelta> {
    let mut delta = RosterDelta {
        cursor: since,
        more: changes.len() > limit as usize,
        employees: Vec::new(),
        templates: Vec::new(),
        equipment: Vec::new(),
        qualifications: Vec::new(),
        tombstones: Vec::new(),
        config: device_config(device),
    };
    for change in changes.into_iter().take(limit as usize) {
        delta.cursor = change.seq;
        match current(&change)? {
            Some(Entry::Employee(e)) => delta.employees.push(e),
            Some(Entry::Template(t)) => delta.templates.push(t),
            Some(Entry::Equipment(e)) => delta.equipment.push(e),
            Some(Entry::Qualification(q)) => delta.qualifications.push(q),
            None => delta.tombstones.push(Tombstone {
                entity: change.kind,
                id: change.id,
            }),
        }
    }
    Ok(delta)
}
