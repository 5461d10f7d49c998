//! What the organisations service reads and writes. Every call is scoped: an organisation
//! outside the scope is not found.

use async_trait::async_trait;
use attend_protocol::face_policy::{FaceMatchRules, LivenessPolicy};
use attend_protocol::ids::{DepartmentId, OrgId, SiteId, UserId};

use super::{Department, Organisation, Site};
use crate::db::{AuditCtx, Page, Paged, Scope, StoreResult};

#[async_trait]
pub trait OrgStore: Send + Sync + std::fmt::Debug {
    async fn create_org(
        &self,
        ctx: &AuditCtx,
        name: &str,
        join_code: &str,
    ) -> StoreResult<Organisation>;
    async fn list_orgs(&self, scope: Scope, page: &Page) -> StoreResult<Paged<Organisation>>;
    async fn get_org(&self, scope: Scope, id: OrgId) -> StoreResult<Organisation>;
    /// Sets whether approvers need a second factor; audited with the before and after.
    async fn set_totp_policy(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: OrgId,
        required: bool,
    ) -> StoreResult<Organisation>;
    async fn join_code(&self, scope: Scope, id: OrgId) -> StoreResult<String>;
    async fn set_join_code(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: OrgId,
        code: &str,
    ) -> StoreResult<()>;
    async fn org_by_join_code(&self, code: &str) -> StoreResult<Organisation>;
    /// Sets the single-admin setting; turning it on is refused unless the organisation has
    /// exactly one active org admin. Audited.
    async fn set_single_admin(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: OrgId,
        enabled: bool,
    ) -> StoreResult<Organisation>;
    /// Whether the single-admin setting applies to `user`: it is on, and `user` is the
    /// organisation's one active org admin.
    async fn single_admin_waiver(&self, org: OrgId, user: UserId) -> StoreResult<bool>;

    async fn create_site(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        name: &str,
        timezone: &str,
    ) -> StoreResult<Site>;
    async fn list_sites(&self, scope: Scope, page: &Page) -> StoreResult<Paged<Site>>;
    async fn get_site(&self, scope: Scope, id: SiteId) -> StoreResult<Site>;
    /// The site's liveness rules (a new site's when none were set); not found out of scope.
    async fn site_liveness(&self, scope: Scope, id: SiteId) -> StoreResult<LivenessPolicy>;
    /// Sets the site's liveness rules, audited with the rules before and after.
    async fn set_site_liveness(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: SiteId,
        policy: LivenessPolicy,
    ) -> StoreResult<LivenessPolicy>;
    /// The site's face-match rules (a new site's when none were set); not found out of scope.
    async fn site_face_match(&self, scope: Scope, id: SiteId) -> StoreResult<FaceMatchRules>;
    /// Sets the site's face-match rules, audited with the rules before and after.
    async fn set_site_face_match(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        id: SiteId,
        rules: FaceMatchRules,
    ) -> StoreResult<FaceMatchRules>;

    async fn create_department(
        &self,
        ctx: &AuditCtx,
        org: OrgId,
        name: &str,
    ) -> StoreResult<Department>;
    async fn list_departments(&self, scope: Scope, page: &Page) -> StoreResult<Paged<Department>>;
    async fn get_department(&self, scope: Scope, id: DepartmentId) -> StoreResult<Department>;
}
