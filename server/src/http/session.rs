//! The authenticated caller. A bearer JWT is verified, then its session and user are checked in
//! the store on every request, so logout, disabling and role changes take effect at once.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::app::AppState;
use crate::platform::error::Error;
use crate::platform::extract::ClientIp;
use crate::platform::request_id;
use crate::storage::{Actor, AuditCtx, DepartmentFilter, Role, Scope, User};

/// The roles that manage and review inside an organisation.
pub const STAFF: &[Role] = &[Role::SuperAdmin, Role::OrgAdmin, Role::Manager];
/// The roles that administer an organisation.
pub const ADMINS: &[Role] = &[Role::SuperAdmin, Role::OrgAdmin];

#[derive(Clone, Debug)]
pub struct AuthUser {
    pub user: User,
    pub session_id: String,
    pub ip: Option<String>,
}

impl AuthUser {
    /// Organisations visible to this caller.
    pub fn scope(&self) -> Scope {
        match self.user.org_id {
            _ if self.user.role.is_global() => Scope::All,
            Some(org) => Scope::Org(org),
            // An org-less account that is not global can see nothing: scope it to the nil org.
            None => Scope::Org(uuid::Uuid::nil().into()),
        }
    }

    /// Employees visible inside the organisation: managers see only their departments.
    pub fn departments(&self) -> DepartmentFilter {
        if self.user.role == Role::Manager {
            DepartmentFilter::Only(self.user.departments.clone())
        } else {
            DepartmentFilter::Any
        }
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
    pub fn caller(&self) -> crate::access::Caller {
        crate::access::Caller {
            user_id: self.user.id,
            org_id: self.user.org_id,
            role: self.user.role,
            departments: self.user.departments.clone(),
            employee_id: self.user.employee_id,
            display_name: self.user.display_name.clone(),
            email: self.user.email.clone(),
            session_id: self.session_id.clone(),
            ip: self.ip.clone(),
            request_id: Some(request_id::current()),
        }
    }

    pub fn audit(&self) -> AuditCtx {
        AuditCtx {
            actor: Actor::User {
                id: self.user.id,
                org: self.user.org_id,
            },
            ip: self.ip.clone(),
            request_id: Some(request_id::current()),
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = bearer(parts).ok_or(Error::Unauthorized("missing bearer token"))?;
        let claims = state
            .jwt
            .verify(token)
            .ok_or(Error::Unauthorized("invalid or expired access token"))?;
        let user = state
            .store
            .live_session_user(claims.sub, &claims.sid)
            .await?
            .ok_or(Error::Unauthorized("session has ended"))?;
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientIp(None));
        Ok(Self {
            user,
            session_id: claims.sid,
            ip,
        })
    }
}

impl FromRequestParts<AppState> for crate::access::Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        Ok(AuthUser::from_request_parts(parts, state).await?.caller())
    }
}

/// TRANSITIONAL: see [`crate::access::Caller::target_org`].
pub fn target_org(
    caller: &AuthUser,
    requested: Option<attend_protocol::ids::OrgId>,
) -> crate::platform::error::AppResult<attend_protocol::ids::OrgId> {
    caller.caller().target_org(requested)
}
