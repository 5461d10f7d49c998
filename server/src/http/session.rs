//! TRANSITIONAL: the old handlers' caller, a view of [`Caller`], while features move into
//! `features/`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::access::Caller;
use crate::app::AppState;
use crate::db::{AuditCtx, DepartmentFilter, Scope};
use crate::platform::error::Error;
pub use crate::access::permissions::{ADMINS, STAFF};
use crate::storage::Role;

/// The fields of the account the old handlers read.
#[derive(Clone, Debug)]
pub struct AccountView {
    pub id: attend_protocol::ids::UserId,
    pub org_id: Option<attend_protocol::ids::OrgId>,
    pub role: Role,
    pub employee_id: Option<attend_protocol::ids::EmployeeId>,
}

#[derive(Clone, Debug)]
pub struct AuthUser {
    pub user: AccountView,
    pub session_id: String,
    pub ip: Option<String>,
    caller: Caller,
}

impl From<Caller> for AuthUser {
    fn from(caller: Caller) -> Self {
        Self {
            user: AccountView {
                id: caller.user_id,
                org_id: caller.org_id,
                role: caller.role,
                employee_id: caller.employee_id,
            },
            session_id: caller.session_id.clone(),
            ip: caller.ip.clone(),
            caller,
        }
    }
}

impl AuthUser {
    pub fn scope(&self) -> Scope {
        self.caller.scope()
    }

    pub fn departments(&self) -> DepartmentFilter {
        self.caller.departments()
    }

    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), Error> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// The caller as services take it.
    pub fn caller(&self) -> Caller {
        self.caller.clone()
    }

    pub fn audit(&self) -> AuditCtx {
        self.caller.audit()
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        Caller::from_request_parts(parts, state).await.map(Self::from)
    }
}

/// TRANSITIONAL: see [`crate::access::Caller::target_org`].
pub fn target_org(
    caller: &AuthUser,
    requested: Option<attend_protocol::ids::OrgId>,
) -> crate::platform::error::AppResult<attend_protocol::ids::OrgId> {
    caller.caller.target_org(requested)
}

/// TRANSITIONAL: employees act on their own records only; for anyone else they do not exist.
pub fn own_or_staff(
    caller: &AuthUser,
    employee: attend_protocol::ids::EmployeeId,
) -> crate::platform::error::AppResult<()> {
    if caller.user.employee_id == Some(employee) || STAFF.contains(&caller.user.role) {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}
