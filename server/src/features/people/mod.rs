//! People and accounts: employees (the people who clock in, with their kiosk PIN and biometric
//! consent) and user accounts (who signs in, with which role, for which departments).
//!
//! - [`service`]: the rules and permission checks (who may create whom, managers only in their
//!   departments, consent withdrawal erases face data).
//! - [`api`]: the JSON routes; [`pages`]: the employee list and one person's page.
//! - [`store`]: the data access; [`sql`] implements it (on SQLite and PostgreSQL).
//!
//! Invariants: a deleted employee's row stays for history but is gone from every list and
//! every kiosk (tombstones), and their account is disabled; withdrawing consent or deleting a
//! person erases their face data in the same transaction.

pub mod accounts;
pub mod api;
pub mod pages;
pub mod service;
pub mod sites;
pub mod sql;
pub mod store;

use attend_protocol::ids::{DepartmentId, EmployeeId, OrgId, SiteId, UserId};
use attend_protocol::roster::ConsentState;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{EmployeeLink, Role};
use crate::db::string_enum;

pub use service::PeopleService;
pub use store::PeopleStore;

string_enum!(UserStatus { Active = "active", Pending = "pending", Disabled = "disabled" });
string_enum!(EmployeeStatus { Pending = "pending", Active = "active" });

pub fn consent_as_str(c: ConsentState) -> &'static str {
    match c {
        ConsentState::NotAsked => "not_asked",
        ConsentState::Granted => "granted",
        ConsentState::Withdrawn => "withdrawn",
    }
}

pub fn parse_consent(text: &str) -> Option<ConsentState> {
    match text {
        "not_asked" => Some(ConsentState::NotAsked),
        "granted" => Some(ConsentState::Granted),
        "withdrawn" => Some(ConsentState::Withdrawn),
        _ => None,
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Employee {
    pub id: EmployeeId,
    pub org_id: OrgId,
    pub employee_number: String,
    pub display_name: String,
    pub email: Option<String>,
    pub department_id: Option<DepartmentId>,
    pub site_id: Option<SiteId>,
    pub status: EmployeeStatus,
    #[schema(value_type = String)]
    pub consent: ConsentState,
    /// Whether a kiosk PIN is set (the hash itself only goes to kiosks).
    pub has_pin: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    /// The account that created the record (none: self-registered, or older than the record
    /// keeping). Four eyes: they do not approve this employee's first timesheet.
    pub created_by: Option<UserId>,
    /// A manager marked that this person cannot turn their head: where the site's liveness
    /// rules ask for a head turn, the kiosk takes their PIN with the passive check instead,
    /// unflagged.
    pub no_head_turn: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub org_id: Option<OrgId>,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub status: UserStatus,
    pub employee_id: Option<EmployeeId>,
    /// Whether the person behind the account is known (four eyes): `unresolved` accounts of
    /// roles that decide are listed for an administrator and decide nothing until resolved.
    pub link: EmployeeLink,
    /// Departments a manager is scoped to (empty for other roles).
    pub departments: Vec<DepartmentId>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Signing in takes a code from an authenticator app (TOTP) after the password.
    pub totp_enabled: bool,
    /// The organisation requires a second factor of this account, because it can approve.
    /// Without one set up it can reach only the setup (`/api/v1/auth/totp`) and sign out.
    pub totp_required: bool,
}

#[derive(Clone, Debug)]
pub struct NewEmployee {
    pub org_id: OrgId,
    pub employee_number: String,
    pub display_name: String,
    pub email: Option<String>,
    pub department_id: Option<DepartmentId>,
    pub site_id: Option<SiteId>,
    pub status: EmployeeStatus,
    pub consent: ConsentState,
    pub pin_hash: Option<String>,
    /// The account creating the record; none for a self-registration.
    pub created_by: Option<UserId>,
}

/// A partial update: `None` leaves a field alone; `Some(None)` clears an optional field.
#[derive(Debug, Default)]
pub struct EmployeeUpdate {
    pub display_name: Option<String>,
    pub email: Option<Option<String>>,
    pub department_id: Option<Option<DepartmentId>>,
    pub site_id: Option<Option<SiteId>>,
    pub consent: Option<ConsentState>,
    pub pin_hash: Option<Option<String>>,
    pub no_head_turn: Option<bool>,
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub org_id: Option<OrgId>,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub status: UserStatus,
    pub employee_id: Option<EmployeeId>,
    /// Marked as not one of the organisation's employees (see [`EmployeeLink`]).
    pub not_employee: bool,
    pub departments: Vec<DepartmentId>,
}

/// A user as needed to log in: the record and its password hash.
#[derive(Debug)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}
