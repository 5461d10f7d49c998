//! Organisations, sites and departments: who may create and read them, and the join code
//! (shown grouped for reading aloud, stored normalised).

use std::collections::HashMap;
use std::sync::Arc;

use attend_protocol::face_policy::{FaceMatchRules, LivenessPolicy};
use attend_protocol::ids::{DepartmentId, OrgId, SiteId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::store::OrgStore;
use super::{Department, Organisation, Site};
use crate::access::{Action, Caller};
use crate::db::{Page, Paged, all_pages};
use crate::platform::error::AppResult;
use crate::platform::limits;
use crate::platform::tokens::{human_code, normalise_code};
use crate::platform::validate::Check;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSite {
    /// Required for super_admin; others create in their own organisation.
    pub org_id: Option<OrgId>,
    pub name: String,
    /// IANA time zone, e.g. `Europe/Lisbon`.
    pub timezone: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDepartment {
    pub org_id: Option<OrgId>,
    pub name: String,
}

/// An organisation's settings; a field left out stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgSettings {
    /// Accounts that can approve must sign in with a TOTP second factor.
    pub require_totp_for_approvers: Option<bool>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JoinCode {
    pub join_code: String,
}

/// A code as people read it: groups of four.
pub fn format_code(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The body of `PUT /organisations/{id}/single-admin`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SingleAdmin {
    /// On: while the organisation has exactly one active org admin, that admin's four-eyes
    /// refusals become decisions flagged in the audit log. Off by default.
    pub enabled: bool,
}

#[derive(Clone, Debug)]
pub struct OrgService {
    store: Arc<dyn OrgStore>,
}

impl OrgService {
    pub fn new(store: Arc<dyn OrgStore>) -> Self {
        Self { store }
    }

    pub async fn create_org(
        &self,
        caller: &Caller,
        new: NewOrganisation,
    ) -> AppResult<Organisation> {
        caller.permit(Action::CreateOrg)?;
        Check::default()
            .text("name", &new.name, limits::NAME)
            .finish()?;
        let code = normalise_code(&human_code());
        Ok(self
            .store
            .create_org(&caller.audit(), new.name.trim(), &code)
            .await?)
    }

    pub async fn list_orgs(&self, caller: &Caller, page: &Page) -> AppResult<Paged<Organisation>> {
        caller.permit(Action::ListOrgs)?;
        Ok(self.store.list_orgs(caller.scope(), page).await?)
    }

    pub async fn get_org(&self, caller: &Caller, id: OrgId) -> AppResult<Organisation> {
        caller.permit(Action::GetOrg)?;
        Ok(self.store.get_org(caller.scope(), id).await?)
    }

    /// Changes the organisation's settings (today: whether approvers need a second factor).
    pub async fn update_settings(
        &self,
        caller: &Caller,
        id: OrgId,
        settings: OrgSettings,
    ) -> AppResult<Organisation> {
        caller.permit(Action::UpdateOrgSettings)?;
        let scope = caller.scope();
        match settings.require_totp_for_approvers {
            Some(required) => Ok(self
                .store
                .set_totp_policy(&caller.audit(), scope, id, required)
                .await?),
            None => Ok(self.store.get_org(scope, id).await?),
        }
    }

    pub async fn join_code(&self, caller: &Caller, id: OrgId) -> AppResult<JoinCode> {
        caller.permit(Action::JoinCode)?;
        let code = self.store.join_code(caller.scope(), id).await?;
        Ok(JoinCode {
            join_code: format_code(&code),
        })
    }

    /// A new code; the old one stops working at once.
    pub async fn rotate_join_code(&self, caller: &Caller, id: OrgId) -> AppResult<JoinCode> {
        caller.permit(Action::RotateJoinCode)?;
        let code = normalise_code(&human_code());
        self.store
            .set_join_code(&caller.audit(), caller.scope(), id, &code)
            .await?;
        Ok(JoinCode {
            join_code: format_code(&code),
        })
    }

    /// Turns the single-admin setting on or off (see [`Organisation`]).
    pub async fn set_single_admin(
        &self,
        caller: &Caller,
        id: OrgId,
        setting: SingleAdmin,
    ) -> AppResult<Organisation> {
        caller.permit(Action::SetSingleAdmin)?;
        Ok(self
            .store
            .set_single_admin(&caller.audit(), caller.scope(), id, setting.enabled)
            .await?)
    }

    pub async fn create_site(&self, caller: &Caller, new: NewSite) -> AppResult<Site> {
        caller.permit(Action::CreateSite)?;
        Check::default()
            .text("name", &new.name, limits::NAME)
            .timezone("timezone", new.timezone.trim())
            .finish()?;
        let org = caller.target_org(new.org_id)?;
        Ok(self
            .store
            .create_site(&caller.audit(), org, new.name.trim(), new.timezone.trim())
            .await?)
    }

    pub async fn list_sites(&self, caller: &Caller, page: &Page) -> AppResult<Paged<Site>> {
        caller.permit(Action::ListSites)?;
        Ok(self.store.list_sites(caller.scope(), page).await?)
    }

    pub async fn get_site(&self, caller: &Caller, id: SiteId) -> AppResult<Site> {
        caller.permit(Action::GetSite)?;
        Ok(self.store.get_site(caller.scope(), id).await?)
    }

    /// The site's liveness rules for its kiosks.
    pub async fn site_liveness(&self, caller: &Caller, id: SiteId) -> AppResult<LivenessPolicy> {
        caller.permit(Action::SiteLiveness)?;
        Ok(self.store.site_liveness(caller.scope(), id).await?)
    }

    /// Replaces the site's liveness rules; its kiosks get them with their next roster pull.
    pub async fn set_site_liveness(
        &self,
        caller: &Caller,
        id: SiteId,
        policy: LivenessPolicy,
    ) -> AppResult<LivenessPolicy> {
        caller.permit(Action::SetSiteLiveness)?;
        super::liveness::check(&policy)?;
        Ok(self
            .store
            .set_site_liveness(&caller.audit(), caller.scope(), id, policy)
            .await?)
    }

    /// The site's face-match rules for its kiosks.
    pub async fn site_face_match(&self, caller: &Caller, id: SiteId) -> AppResult<FaceMatchRules> {
        caller.permit(Action::SiteFaceMatch)?;
        Ok(self.store.site_face_match(caller.scope(), id).await?)
    }

    /// Replaces the site's face-match rules; its kiosks get them with their next roster pull.
    pub async fn set_site_face_match(
        &self,
        caller: &Caller,
        id: SiteId,
        rules: FaceMatchRules,
    ) -> AppResult<FaceMatchRules> {
        caller.permit(Action::SetSiteFaceMatch)?;
        super::face_match::check(&rules)?;
        Ok(self
            .store
            .set_site_face_match(&caller.audit(), caller.scope(), id, rules)
            .await?)
    }

    /// Each visible site's time zone, for showing times on that site's wall clock.
    pub async fn site_zones(&self, caller: &Caller) -> AppResult<HashMap<SiteId, String>> {
        caller.permit(Action::SiteZones)?;
        let scope = caller.scope();
        let sites = all_pages(|page| {
            let store = self.store.clone();
            async move { store.list_sites(scope, &page).await }
        })
        .await?;
        Ok(sites.into_iter().map(|s| (s.id, s.timezone)).collect())
    }

    pub async fn create_department(
        &self,
        caller: &Caller,
        new: NewDepartment,
    ) -> AppResult<Department> {
        caller.permit(Action::CreateDepartment)?;
        Check::default()
            .text("name", &new.name, limits::NAME)
            .finish()?;
        let org = caller.target_org(new.org_id)?;
        Ok(self
            .store
            .create_department(&caller.audit(), org, new.name.trim())
            .await?)
    }

    pub async fn list_departments(
        &self,
        caller: &Caller,
        page: &Page,
    ) -> AppResult<Paged<Department>> {
        caller.permit(Action::ListDepartments)?;
        Ok(self.store.list_departments(caller.scope(), page).await?)
    }

    /// Every department in scope, by name (for choices and labels on pages).
    pub async fn all_departments(&self, caller: &Caller) -> AppResult<Vec<Department>> {
        caller.permit(Action::AllDepartments)?;
        let scope = caller.scope();
        let mut all = all_pages(|page| {
            let store = self.store.clone();
            async move { store.list_departments(scope, &page).await }
        })
        .await?;
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    pub async fn get_department(&self, caller: &Caller, id: DepartmentId) -> AppResult<Department> {
        caller.permit(Action::GetDepartment)?;
        Ok(self.store.get_department(caller.scope(), id).await?)
    }
}
