//! What corrections read and write is only what every kind of request does (filing, the queue,
//! one request, a recorded step), so their store is the request desk's. Its SQLite side refuses
//! filing into, approving into or cancelling out of a period whose timesheet is approved.

use super::Correction;
use crate::features::approvals::requests::RequestStore;

/// The corrections store.
pub type CorrectionStore = dyn RequestStore<Correction>;
