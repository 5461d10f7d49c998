//! Attendance: each site's pay policy, shift patterns and who works which shift when; the
//! hours, breaks and exceptions the engine computes from the synced punches; and who is in
//! now (the live board).
//!
//! - [`report`]: the engine's inputs and output for one employee over a range (pure glue
//!   around `attend_engine::compute`).
//! - [`service`]: the rules and permission checks; [`api`]: the JSON routes.
//! - [`live`]: the notices that keep open live boards current; [`live_board`]: the board page
//!   and its event stream; [`pages`]: attendance with filters; [`hours`]: a report as table rows.
//! - [`store`]: the data access; [`sql`] implements it (on SQLite and PostgreSQL).

pub mod api;
pub mod hours;
pub mod live;
pub mod live_board;
pub mod pages;
pub mod report;
pub mod service;
pub mod sql;
pub mod store;

use attend_engine::{BreakRule, MachineInput, Overtime, PunchInput, Rounding};
use attend_protocol::events::{PunchMethod, PunchType};
use attend_protocol::ids::{DeviceId, EmployeeId, OrgId, ShiftId, SiteId};
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::features::people::Employee;

pub use live::LiveFeed;
pub use report::AttendanceReport;
pub use service::AttendanceService;
pub use store::AttendanceStore;

/// A site's pay rules: the engine's `Rules` without the zone (the site's own).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// A first clock-in up to this late is paid from the shift start and not flagged.
    #[serde(default)]
    #[schema(maximum = 240)]
    pub grace_late_minutes: u32,
    /// A last clock-out up to this early is paid to the shift end and not flagged.
    #[serde(default)]
    #[schema(maximum = 240)]
    pub grace_early_leave_minutes: u32,
    /// `{"increment_minutes": 15, "mode": "nearest" | "up" | "down"}`, or absent.
    #[serde(default)]
    #[schema(schema_with = policy_schemas::rounding)]
    pub rounding: Option<Rounding>,
    /// `{"paid": false, "auto_deduct": {"after_worked_minutes": 360, "deduct_minutes": 30}}`.
    #[serde(default)]
    #[schema(schema_with = policy_schemas::breaks)]
    pub breaks: BreakRule,
    /// `{"daily_threshold_minutes": 480, "weekly_threshold_minutes": 2400, "week_starts": "monday"}`.
    #[serde(default)]
    #[schema(schema_with = policy_schemas::overtime)]
    pub overtime: Overtime,
    /// Longest believable session; a forgotten clock-out is closed after it.
    #[serde(default = "default_max_open_hours")]
    #[schema(minimum = 1, maximum = 168)]
    pub max_open_hours: u32,
    #[serde(default)]
    pub pay_early_arrival: bool,
}

/// The engine's rule types are not `ToSchema` (the engine knows nothing of HTTP): their shapes,
/// with the bounds `Rules::validate` checks, as the document states them.
mod policy_schemas {
    use serde_json::json;
    use utoipa::openapi::schema::Schema;

    fn schema(value: serde_json::Value) -> Schema {
        serde_json::from_value(value).expect("a valid schema")
    }

    pub fn rounding() -> Schema {
        schema(json!({
            "type": ["object", "null"],
            "required": ["increment_minutes", "mode"],
            "properties": {
                "increment_minutes": {"type": "integer", "enum": [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60]},
                "mode": {"type": "string", "enum": ["nearest", "up", "down"]},
            },
        }))
    }

    pub fn breaks() -> Schema {
        schema(json!({
            "type": "object",
            "required": ["paid"],
            "properties": {
                "paid": {"type": "boolean"},
                "auto_deduct": {
                    "type": ["object", "null"],
                    "required": ["after_worked_minutes", "deduct_minutes"],
                    "properties": {
                        "after_worked_minutes": {"type": "integer", "minimum": 0, "maximum": 4_294_967_295_u64},
                        "deduct_minutes": {"type": "integer", "minimum": 0, "maximum": 4_294_967_295_u64},
                    },
                },
            },
        }))
    }

    pub fn overtime() -> Schema {
        schema(json!({
            "type": "object",
            "required": ["week_starts"],
            "properties": {
                "daily_threshold_minutes": {"type": ["integer", "null"], "minimum": 0, "maximum": 4_294_967_295_u64},
                "weekly_threshold_minutes": {"type": ["integer", "null"], "minimum": 0, "maximum": 4_294_967_295_u64},
                "week_starts": {"type": "string", "enum": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]},
            },
        }))
    }
}

fn default_max_open_hours() -> u32 {
    16
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            grace_late_minutes: 0,
            grace_early_leave_minutes: 0,
            rounding: None,
            breaks: BreakRule::default(),
            overtime: Overtime::default(),
            max_open_hours: default_max_open_hours(),
            pay_early_arrival: false,
        }
    }
}

impl Policy {
    /// The engine's rules for a site in `time_zone`.
    pub fn rules(&self, time_zone: jiff::tz::TimeZone) -> attend_engine::Rules {
        attend_engine::Rules {
            time_zone,
            grace_late_minutes: self.grace_late_minutes,
            grace_early_leave_minutes: self.grace_early_leave_minutes,
            rounding: self.rounding,
            breaks: self.breaks,
            overtime: self.overtime,
            max_open_hours: self.max_open_hours,
            pay_early_arrival: self.pay_early_arrival,
        }
    }
}

/// A shift pattern of a site. `end` not after `start` means it ends the next day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Shift {
    pub id: ShiftId,
    pub org_id: OrgId,
    pub site_id: SiteId,
    pub name: String,
    #[schema(value_type = String, example = "22:00")]
    pub start: Time,
    #[schema(value_type = String, example = "06:00")]
    pub end: Time,
    pub overnight: bool,
}

#[derive(Clone, Debug)]
pub struct NewShift {
    pub org_id: OrgId,
    pub site_id: SiteId,
    pub name: String,
    pub start: Time,
    pub end: Time,
}

/// One date of an employee's schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Assignment {
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    pub shift: Shift,
}

/// What the engine needs about one employee over a period.
#[derive(Clone, Debug)]
pub struct AttendanceInputs {
    pub employee: Employee,
    /// The employee's site zone (the organisation's first site when the employee has none).
    pub time_zone: String,
    pub policy: Policy,
    pub punches: Vec<PunchInput>,
    pub machines: Vec<MachineInput>,
    pub schedule: Vec<Assignment>,
}

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
