//! Presence: who is in now, from each employee's latest punch. Read-only, for the live board.
//!
//! Rules every backend keeps: only punches captured at or after `since` count (an employee
//! whose last punch is older is not on the board); deleted employees never appear; the
//! department filter applies as everywhere else.

use async_trait::async_trait;
use attend_protocol::events::{PunchMethod, PunchType};
use attend_protocol::ids::{DeviceId, EmployeeId};
use jiff::Timestamp;
use serde::Serialize;

use super::{DepartmentFilter, Scope, StoreResult};

/// An employee's latest punch.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Presence {
    pub employee_id: EmployeeId,
    pub display_name: String,
    pub department: Option<String>,
    pub last: PunchType,
    pub method: PunchMethod,
    pub at: Timestamp,
    pub device_id: DeviceId,
    pub device: Option<String>,
    /// The kiosk's site time zone (IANA), for showing `at` as the wall clock there.
    pub time_zone: Option<String>,
}

impl Presence {
    /// `in`, `break` or `out`: what the board shows.
    pub fn state(&self) -> &'static str {
        match self.last {
            PunchType::In | PunchType::BreakEnd => "in",
            PunchType::BreakStart => "break",
            PunchType::Out => "out",
        }
    }
}

#[async_trait]
pub trait PresenceStore: Send + Sync {
    /// Each visible employee's latest punch captured at or after `since`, by name.
    async fn presence(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        since: Timestamp,
    ) -> StoreResult<Vec<Presence>>;
}
