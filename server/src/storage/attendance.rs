//! Attendance inputs: each site's pay policy, its shift patterns, who works which shift on
//! which date, and one employee's punches and machine sessions over a period (read from the
//! synced events). The engine (`attend-engine`) turns these into hours; nothing here computes.
//!
//! Rules every backend keeps:
//! - A policy, shift or assignment is visible and changeable only inside its organisation;
//!   assignments and the employee's inputs follow the caller's department filter.
//! - Assigning a range of dates replaces what those dates had, in one transaction, audited.
//! - A deleted shift keeps its past assignments (history stays explainable) but cannot be
//!   assigned again.

use async_trait::async_trait;
use attend_engine::{BreakRule, MachineInput, Overtime, PunchInput, Rounding};
use attend_protocol::ids::{EmployeeId, OrgId, ShiftId, SiteId};
use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AuditCtx, DepartmentFilter, Employee, Scope, StoreResult};

/// A site's pay rules: the engine's `Rules` without the zone (the site's own).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// A first clock-in up to this late is paid from the shift start and not flagged.
    #[serde(default)]
    pub grace_late_minutes: u32,
    /// A last clock-out up to this early is paid to the shift end and not flagged.
    #[serde(default)]
    pub grace_early_leave_minutes: u32,
    /// `{"increment_minutes": 15, "mode": "nearest" | "up" | "down"}`, or absent.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub rounding: Option<Rounding>,
    /// `{"paid": false, "auto_deduct": {"after_worked_minutes": 360, "deduct_minutes": 30}}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub breaks: BreakRule,
    /// `{"daily_threshold_minutes": 480, "weekly_threshold_minutes": 2400, "week_starts": "monday"}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub overtime: Overtime,
    /// Longest believable session; a forgotten clock-out is closed after it.
    #[serde(default = "default_max_open_hours")]
    pub max_open_hours: u32,
    #[serde(default)]
    pub pay_early_arrival: bool,
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

#[async_trait]
pub trait AttendanceStore: Send + Sync {
    /// The site's policy; the defaults when none was set.
    async fn site_policy(&self, scope: Scope, site: SiteId) -> StoreResult<Policy>;
    async fn set_site_policy(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        site: SiteId,
        policy: Policy,
    ) -> StoreResult<Policy>;

    async fn create_shift(&self, ctx: &AuditCtx, new: NewShift) -> StoreResult<Shift>;
    /// Live shifts in scope, by site then name.
    async fn list_shifts(&self, scope: Scope) -> StoreResult<Vec<Shift>>;
    async fn delete_shift(&self, ctx: &AuditCtx, scope: Scope, id: ShiftId) -> StoreResult<()>;

    /// Sets (`Some`) or clears (`None`) the shift of each date for the employee.
    async fn assign_shift(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        dates: Vec<Date>,
        shift: Option<ShiftId>,
    ) -> StoreResult<()>;
    async fn schedule(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<Assignment>>;

    /// Everything the engine needs for the work dates `[first, last]`: the schedule of those
    /// dates, and the punches and machine sessions captured from two days before `first` to
    /// two days after `last` (UTC), which covers any zone offset and overnight session.
    async fn attendance_inputs(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        first: Date,
        last: Date,
    ) -> StoreResult<AttendanceInputs>;
}
