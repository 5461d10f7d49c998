//! Joining an organisation: self-registration with the organisation's join code (a pending
//! employee and account, active once a manager approves; bad codes lock the client address
//! out), and invites (a one-time code for an admin or manager account, mailed with a link to the
//! accept page when the invite names an address).
//!
//! Registration answers the same, status and body, whether or not the address has an account
//! anywhere: the password is hashed either way, and the store either creates the account or
//! mails the address's owner instead (`sql/registration.rs`). Only a full organisation or a
//! taken employee number is refused, and neither depends on the address.

use attend_protocol::ids::{EmployeeId, OrgId};
use attend_protocol::roster::ConsentState;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::InviteRole;
use super::reset::Accepted;
use super::service::{AuthService, anonymous, secs};
use super::store::{Grant, NewInvite, NewRegistration, Registration};
use crate::access::{Action, Caller, Role};
use crate::db::StoreError;
use crate::features::notifications::messages;
use crate::features::people::accounts::person_given;
use crate::features::people::{EmployeeStatus, NewEmployee, NewUser, User, UserStatus};
use crate::platform::error::{AppResult, Error};

use crate::platform::limits;
use crate::platform::tokens::{human_code, normalise_code, token_hash};
use crate::platform::validate::Check;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The organisation's join code.
    pub join_code: String,
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub employee_number: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInviteRequest {
    pub code: String,
    pub email: String,
    pub password: String,
    pub display_name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// `org_admin` or `manager`. Support may only invite `org_admin`.
    pub role: InviteRole,
    /// If given, only this address may accept.
    pub email: Option<String>,
    /// The invitee's employee record, if they are one of the organisation's employees (four
    /// eyes: they never decide on it). Give this or `not_employee`.
    #[schema(value_type = Option<String>)]
    pub employee_id: Option<EmployeeId>,
    /// The invitee is not one of the organisation's employees. Give this or `employee_id`.
    #[serde(default)]
    pub not_employee: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InviteCode {
    /// Shown once; hand it to the invitee (it is also mailed when the invite names an address).
    pub code: String,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    /// The address the invite mail is queued to, if any.
    pub mailed_to: Option<String>,
}

/// What a registration is told, whatever became of it.
pub const REGISTRATION_RECEIVED: &str =
    "registration received: check your e-mail for what happens next";

impl AuthService {
    /// Self-registration with the join code: a pending employee and account, both active once
    /// a manager approves; or, when the address has an account already, a mail to it instead.
    /// The answer is the same either way.
    pub async fn register(&self, ip: Option<String>, req: RegisterRequest) -> AppResult<Accepted> {
        Check::default()
            .email("email", req.email.trim())
            .password("password", &req.password)
            .text("display_name", &req.display_name, limits::DISPLAY_NAME)
            .text(
                "employee_number",
                &req.employee_number,
                limits::EMPLOYEE_NUMBER,
            )
            .finish()?;
        // The hashing turn first: under a flood, the 503 comes before any database work.
        let turn = self.hasher.turn().await?;
        let key = ip.clone().unwrap_or_else(|| "unknown".into());
        let now = Timestamp::now();
        self.throttle.ensure_open("join_code", &key, now).await?;
        let org = match self
            .orgs
            .org_by_join_code(&normalise_code(&req.join_code))
            .await
        {
            Ok(org) => org,
            Err(StoreError::NotFound) => {
                self.throttle.failed("join_code", &key, now).await?;
                return Err(Error::field("join_code", "is not a valid join code"));
            }
            Err(e) => return Err(e.into()),
        };
        // Hashed whether or not the address is taken, so the answer takes as long either way.
        let hash = turn.hash(req.password).await?;
        let email = req.email.trim().to_owned();
        let base = self.settings.public_url.trim_end_matches('/');
        let new = NewRegistration {
            employee: NewEmployee {
                org_id: org.id,
                employee_number: req.employee_number.trim().to_owned(),
                display_name: req.display_name.trim().to_owned(),
                email: Some(email.clone()),
                department_id: None,
                site_id: None,
                status: EmployeeStatus::Pending,
                consent: ConsentState::NotAsked,
                pin_hash: None,
                created_by: None,
            },
            user: NewUser {
                org_id: Some(org.id),
                email,
                display_name: req.display_name.trim().to_owned(),
                password_hash: hash,
                role: Role::Employee,
                status: UserStatus::Pending,
                employee_id: None,
                not_employee: false,
                departments: Vec::new(),
            },
            cap: self.settings.auth.max_pending_registrations,
            welcome: messages::registration_received(&org.name),
            taken: messages::register_attempt(
                &format!("{base}/dashboard/login"),
                &format!("{base}/dashboard/reset-password"),
            ),
        };
        match self.store.register(&anonymous(ip), new).await? {
            Registration::Created(_) | Registration::AddressTaken => Ok(Accepted {
                status: REGISTRATION_RECEIVED.into(),
            }),
            Registration::Full => Err(Error::TooManyRequests {
                code: "registrations_full",
                message: "this organisation has too many registrations waiting for approval: ask a manager to review them, then try again",
                retry_after_s: 3600,
            }),
        }
    }

    pub async fn accept_invite(
        &self,
        ip: Option<String>,
        req: AcceptInviteRequest,
    ) -> AppResult<User> {
        Check::default()
            .email("email", req.email.trim())
            .password("password", &req.password)
            .text("display_name", &req.display_name, limits::DISPLAY_NAME)
            .finish()?;
        // Like the join code: failures lock the address out, and a made-up code is refused
        // before any hashing.
        let turn = self.hasher.turn().await?;
        let key = ip.clone().unwrap_or_else(|| "unknown".into());
        let now = Timestamp::now();
        self.throttle.ensure_open("invite", &key, now).await?;
        let code = token_hash(&normalise_code(&req.code));
        let refused = || Error::field("code", "is invalid, used or expired");
        if !self.store.grant_live(Grant::Invite, &code, now).await? {
            self.throttle.failed("invite", &key, now).await?;
            return Err(refused());
        }
        let hash = turn.hash(req.password).await?;
        let accepted = self
            .store
            .accept_invite(
                &anonymous(ip),
                &code,
                now,
                req.email.trim(),
                req.display_name.trim(),
                &hash,
            )
            .await;
        match accepted {
            Ok(user) => Ok(user),
            Err(StoreError::NotFound) => {
                self.throttle.failed("invite", &key, now).await?;
                Err(refused())
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn create_invite(
        &self,
        caller: &Caller,
        org: OrgId,
        req: InviteRequest,
    ) -> AppResult<InviteCode> {
        caller.permit(Action::CreateInvite)?;
        if caller.role == Role::Support && req.role != InviteRole::OrgAdmin {
            return Err(Error::field(
                "role",
                "support may only invite organisation admins",
            ));
        }
        // Another organisation's id answers not found before anything about the body is said.
        let org = self.orgs.get_org(caller.scope(), org).await?;
        if let Some(email) = &req.email {
            Check::default().email("email", email.trim()).finish()?;
        }
        person_given(req.employee_id, req.not_employee)?;
        let code = human_code();
        let ttl = self.settings.auth.invite_ttl_s;
        let expires_at = Timestamp::now() + secs(ttl);
        let email = req.email.as_deref().map(str::trim);
        let mail = email.map(|to| {
            let link = format!(
                "{}/dashboard/invite?{}",
                self.settings.public_url.trim_end_matches('/'),
                form_urlencoded::Serializer::new(String::new())
                    .append_pair("code", &code)
                    .append_pair("email", to)
                    .finish()
            );
            let role = match req.role {
                InviteRole::OrgAdmin => "an organisation admin",
                InviteRole::Manager => "a manager",
            };
            messages::invite(&org.name, role, &link, &code, (ttl / 86_400).max(1))
        });
        let invite = NewInvite {
            org: org.id,
            role: req.role,
            email,
            code_hash: &token_hash(&normalise_code(&code)),
            created_by: caller.user_id,
            employee_id: req.employee_id,
            not_employee: req.not_employee,
            expires: expires_at,
            mail,
        };
        self.store.create_invite(&caller.audit(), invite).await?;
        Ok(InviteCode {
            code,
            expires_at,
            mailed_to: email.map(str::to_owned),
        })
    }
}
