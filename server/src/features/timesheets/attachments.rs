//! Timesheet attachments (a doctor's note): PDF, JPEG or PNG, checked by their bytes, at most
//! 5 MiB, attached to a pay period; downloaded only by someone who may see that employee's
//! timesheet.

use attend_protocol::ids::{AttachmentId, EmployeeId};
use jiff::civil::Date;
use ring::digest;

use super::blobs::sniff;
use super::service::TimesheetService;
use super::{Attachment, NewAttachment};
use crate::access::{Action, Caller};
use crate::platform::error::{AppResult, Error};
use crate::platform::limits;

/// Largest attachment accepted.
pub const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;
const ALLOWED: [&str; 3] = ["application/pdf", "image/jpeg", "image/png"];

/// A file as uploaded: the name people see, its declared type, and its bytes.
#[derive(Debug)]
pub struct Upload {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A stored file and how to name it for a download.
#[derive(Debug)]
pub struct Download {
    pub attachment: Attachment,
    pub bytes: Vec<u8>,
}

fn check_filename(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > limits::FILENAME.max
        || name.contains(['/', '\\', '\0'])
        || name.chars().any(char::is_control)
    {
        return Err(Error::field(
            "filename",
            "must be 1 to 200 characters without path separators",
        ));
    }
    Ok(name.to_owned())
}

impl TimesheetService {
    /// Attaches a file to the period starting on `date`; refused once the timesheet is approved.
    pub async fn upload_attachment(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        date: Date,
        upload: Upload,
    ) -> AppResult<Attachment> {
        caller.permit_on(Action::UploadAttachment, employee)?;
        let filename = check_filename(&upload.filename)?;
        let declared = upload.content_type;
        if !ALLOWED.contains(&declared.as_str()) {
            return Err(Error::field(
                "content_type",
                "must be application/pdf, image/jpeg or image/png",
            ));
        }
        if upload.bytes.is_empty() {
            return Err(Error::field("body", "the file is empty"));
        }
        if sniff(&upload.bytes) != Some(declared.as_str()) {
            return Err(Error::field(
                "body",
                format!("the file's content is not {declared}"),
            ));
        }
        let period = self.period_of(caller, employee, date).await?;
        if period.start != date {
            return Err(Error::field(
                "date",
                format!(
                    "`{date}` is not the first day of a pay period (it starts on {})",
                    period.start
                ),
            ));
        }
        let key = uuid::Uuid::now_v7().to_string();
        let new = NewAttachment {
            employee,
            period,
            filename,
            content_type: declared,
            size_bytes: upload.bytes.len() as u64,
            sha256: hex::encode(digest::digest(&digest::SHA256, &upload.bytes)),
            storage_key: key.clone(),
            quota_bytes: self.quota_bytes,
        };
        self.blobs
            .put(&key, upload.bytes)
            .await
            .map_err(|e| Error::Internal(e.into()))?;
        // The bytes are stored first; if the row cannot be written they are removed again (and a
        // crash in between leaves only an unreferenced file, never a row without its file).
        let (scope, depts) = (caller.scope(), caller.departments());
        match self
            .store
            .add_attachment(&caller.audit(), scope, &depts, new)
            .await
        {
            Ok(created) => Ok(created),
            Err(e) => {
                let _ = self.blobs.delete(&key).await;
                Err(e.into())
            }
        }
    }

    pub async fn list_attachments(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        date: Date,
    ) -> AppResult<Vec<Attachment>> {
        caller.permit_on(Action::ListAttachments, employee)?;
        Ok(self
            .store
            .list_attachments(caller.scope(), &caller.departments(), employee, date)
            .await?)
    }

    pub async fn download_attachment(
        &self,
        caller: &Caller,
        id: AttachmentId,
    ) -> AppResult<Download> {
        let found = self
            .store
            .get_attachment(caller.scope(), &caller.departments(), id)
            .await?;
        caller.permit_on(Action::DownloadAttachment, found.employee_id)?;
        let bytes = self
            .blobs
            .get(&found.storage_key)
            .await
            .map_err(|e| Error::Internal(e.into()))?;
        Ok(Download {
            attachment: found,
            bytes,
        })
    }
}
