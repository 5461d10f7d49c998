//! Attachment metadata. Only someone who may see the employee (scope and departments, or the
//! employee) lists or downloads; an approved (locked) timesheet takes no new attachment.

use async_trait::async_trait;
use attend_protocol::ids::{AttachmentId, EmployeeId, OrgId, UserId};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;

use super::{AuditCtx, DepartmentFilter, Scope, StoreResult};
use crate::timesheet::period::Period;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Attachment {
    pub id: AttachmentId,
    pub org_id: OrgId,
    pub employee_id: EmployeeId,
    #[schema(value_type = String, format = Date)]
    pub period_start: Date,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub uploaded_by: Option<UserId>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[serde(skip)]
    pub storage_key: String,
}

#[derive(Clone, Debug)]
pub struct NewAttachment {
    pub employee: EmployeeId,
    pub period: Period,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub sha256: String,
    pub storage_key: String,
}

#[async_trait]
pub trait AttachmentStore: Send + Sync {
    async fn add_attachment(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        new: NewAttachment,
    ) -> StoreResult<Attachment>;
    async fn list_attachments(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        period_start: Date,
    ) -> StoreResult<Vec<Attachment>>;
    async fn get_attachment(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        id: AttachmentId,
    ) -> StoreResult<Attachment>;
}
