//! Who is calling, and what they may do.
//!
//! - [`Caller`]: a signed-in user as every service takes them: role, organisation, the
//!   departments a manager manages, the employee record the account belongs to, and what the
//!   audit log records (session, address, request id). The API's bearer extractor and the
//!   dashboard's cookie session both produce one.
//! - [`permissions`]: the one permission table: every service entry point, and who may call it.
//!   Services ask it through [`Caller::permit`] and [`Caller::permit_on`]; the tests print it.
//!
//! Invariants: a refusal never tells an employee that someone else's record exists (not found,
//! not forbidden); everything else a role may not do is forbidden (403); scoping to the
//! caller's organisation and departments is the store's job, with the [`Caller::scope`] and
//! [`Caller::departments`] given here.

pub mod permissions;

use attend_protocol::ids::{DepartmentId, EmployeeId, OrgId, UserId};
use serde::Serialize;

use crate::db::{AuditActor, AuditCtx, DepartmentFilter, Scope, string_enum};
use crate::platform::error::{AppResult, Error};
pub use permissions::{Action, DECISIONS, PERMISSIONS, Rule, Who, decides};

string_enum!(
    /// What a user may do: see [`permissions::PERMISSIONS`].
    Role {
        SuperAdmin = "super_admin",
        Support = "support",
        OrgAdmin = "org_admin",
        Manager = "manager",
        Employee = "employee",
    }
);

string_enum!(
    /// Whether the person behind an account is known (four eyes): an account that may decide
    /// (see [`decides`]) is `linked` to its employee record or marked `not_employee` by an
    /// administrator; until then it is `unresolved` and decides nothing. Global roles belong
    /// to no organisation, so to none of its employees; other accounts need no link.
    EmployeeLink {
        Linked = "linked",
        NotEmployee = "not_employee",
        Unresolved = "unresolved",
        NotNeeded = "not_needed",
    }
);

impl EmployeeLink {
    pub fn of(role: Role, employee: Option<EmployeeId>, not_employee: bool) -> Self {
        match (employee, not_employee) {
            (Some(_), _) => Self::Linked,
            (None, true) => Self::NotEmployee,
            (None, false) if decides(role) && !role.is_global() => Self::Unresolved,
            (None, false) => Self::NotNeeded,
        }
    }
}

/// What an unresolved account is told when it tries to decide.
pub const UNRESOLVED: &str = "your account is neither linked to your employee record nor marked \
     as not an employee, so it decides nothing yet: ask an administrator to link it or mark it \
     on the accounts page (PATCH /api/v1/users/{id} with employee_id or not_employee)";

impl Role {
    /// Roles that work across organisations.
    pub fn is_global(self) -> bool {
        matches!(self, Self::SuperAdmin | Self::Support)
    }

    /// The approval level of a reviewer: 1 for a manager, 2 for an administrator; `None` for
    /// roles that never review.
    pub fn approval_level(self) -> Option<u8> {
        match self {
            Self::Manager => Some(1),
            Self::OrgAdmin | Self::SuperAdmin => Some(2),
            Self::Support | Self::Employee => None,
        }
    }

    /// Whether this role can approve anything (see [`permissions::APPROVERS`]): the accounts an
    /// organisation may require a second factor of.
    pub fn can_approve(self) -> bool {
        permissions::APPROVERS.contains(&self)
    }
}

/// The signed-in user a service acts for.
#[derive(Clone, Debug, Serialize)]
pub struct Caller {
    pub user_id: UserId,
    pub org_id: Option<OrgId>,
    pub role: Role,
    /// For a manager: the departments they manage.
    pub departments: Vec<DepartmentId>,
    /// The employee record this account belongs to, if any.
    pub employee_id: Option<EmployeeId>,
    /// Whether the person behind the account is known; an unresolved account decides nothing.
    pub link: EmployeeLink,
    /// The organisation's single-admin setting applies: the caller is its one active org
    /// admin and the setting is on, so four-eyes refusals become flagged decisions.
    pub waiver: bool,
    pub display_name: String,
    pub email: String,
    /// The organisation requires a second factor of this account and it has none yet: until
    /// it sets one up it may do only what [`permissions::TOTP_SETUP`] lists.
    #[serde(skip)]
    pub totp_setup_due: bool,
    /// The login session (API) or `web:…` (dashboard), for audits and sign-out.
    #[serde(skip)]
    pub session_id: String,
    #[serde(skip)]
    pub ip: Option<String>,
    #[serde(skip)]
    pub request_id: Option<String>,
}

impl Caller {
    /// Organisations visible to this caller.
    pub fn scope(&self) -> Scope {
        match self.org_id {
            _ if self.role.is_global() => Scope::All,
            Some(org) => Scope::Org(org),
            // An org-less account that is not global can see nothing: scope it to the nil org.
            None => Scope::Org(uuid::Uuid::nil().into()),
        }
    }

    /// Employees visible inside the organisation: managers see only their departments.
    pub fn departments(&self) -> DepartmentFilter {
        if self.role == Role::Manager {
            DepartmentFilter::Only(self.departments.clone())
        } else {
            DepartmentFilter::Any
        }
    }

    /// Who to record in the audit log.
    pub fn audit(&self) -> AuditCtx {
        AuditCtx {
            actor: AuditActor::User {
                id: self.user_id,
                org: self.org_id,
            },
            ip: self.ip.clone(),
            request_id: self.request_id.clone(),
            waived: None,
        }
    }

    /// A four-eyes refusal under `rule`, unless the organisation's single-admin setting lets
    /// this caller through: then the rule comes back, for the decision's audit rows to carry.
    pub fn four_eyes(&self, rule: &'static str) -> AppResult<Option<&'static str>> {
        if self.waiver {
            Ok(Some(rule))
        } else {
            Err(Error::ForbiddenBecause(rule))
        }
    }

    /// Whether the record of `employee` is the caller's own.
    pub fn is(&self, employee: EmployeeId) -> bool {
        self.employee_id == Some(employee)
    }

    /// Refuses unless the permission table lets this caller's role do `action`; while a
    /// required second factor is not set up, unless `action` is part of setting it up; and
    /// (four eyes) unless a caller who decides is linked to their employee record or marked as
    /// not an employee.
    pub fn permit(&self, action: Action) -> AppResult<()> {
        let rule = action.rule();
        if self.totp_setup_due
            && rule.who != Who::Anyone
            && !permissions::TOTP_SETUP.contains(&action)
        {
            return Err(Error::TotpRequired);
        }
        if self.link == EmployeeLink::Unresolved && DECISIONS.contains(&action) {
            return Err(Error::ForbiddenBecause(UNRESOLVED));
        }
        match rule.who {
            Who::Anyone | Who::SignedIn => Ok(()),
            Who::Roles(roles) | Who::OwnOr(roles) if roles.contains(&self.role) => Ok(()),
            Who::OwnOr(_) if self.role == Role::Employee => Err(Error::NotFound),
            Who::Roles(_) | Who::OwnOr(_) | Who::Device | Who::System => Err(Error::Forbidden),
        }
    }

    /// As [`Caller::permit`], for an action on `employee`'s record: an `OwnOr` rule also lets
    /// the employee themself act. To an employee, someone else's record does not exist.
    pub fn permit_on(&self, action: Action, employee: EmployeeId) -> AppResult<()> {
        match action.rule().who {
            Who::OwnOr(_) if self.is(employee) && !self.totp_setup_due => Ok(()),
            _ => self.permit(action),
        }
    }

    /// The organisation a new row goes into: the caller's own, or (for global roles) the one
    /// named. Naming another organisation than one's own answers not found, like any foreign id.
    pub fn target_org(&self, requested: Option<OrgId>) -> AppResult<OrgId> {
        match (self.scope().org(), requested) {
            (None, Some(org)) => Ok(org),
            (None, None) => Err(Error::field("org_id", "is required for this account")),
            (Some(own), None) => Ok(own),
            (Some(own), Some(org)) if org == own => Ok(own),
            (Some(_), Some(_)) => Err(Error::NotFound),
        }
    }
}
