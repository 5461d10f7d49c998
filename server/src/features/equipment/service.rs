//! Equipment: machines (admins add, edit, retire them and replace their codes; staff put holds
//! on and lift them), qualifications (admins define them, staff grant and revoke them), the
//! board of who runs what, and a machine's usage history.

use std::sync::Arc;

use attend_protocol::ids::{EmployeeId, EquipmentId, OrgId, QualificationId, SiteId};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::ToSchema;

use super::codes::CodeKey;
use super::sessions::{RUNNING_WITHIN, board, machine_minutes};
use super::store::EquipmentStore;
use super::{
    BoardEntry, Equipment, EquipmentUpdate, HeldQualification, Hold, NewEquipment, Qualification,
    Usage,
};
use crate::access::{Action, Caller};
use crate::db::StoreError;
use crate::features::orgs::OrgStore;
use crate::platform::error::{AppResult, Error};
use crate::platform::password::Hasher;

use crate::platform::limits;
use crate::platform::validate::Check;

/// Relay channels a kiosk drives (GPIO expanders top out well below this).
const MAX_RELAY: u8 = 31;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEquipment {
    pub site_id: SiteId,
    pub name: String,
    #[schema(maximum = 31)]
    pub relay_channel: u8,
    /// 4 to 8 digits, printed on the machine; stored only as a hash.
    pub activation_code: String,
    pub required_qualification_id: Option<QualificationId>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchEquipment {
    pub name: Option<String>,
    #[schema(maximum = 31)]
    pub relay_channel: Option<u8>,
    /// A qualification id, or `null` for none.
    #[serde(default, deserialize_with = "crate::platform::extract::present")]
    #[schema(value_type = Option<String>)]
    pub required_qualification_id: Option<Option<QualificationId>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCode {
    pub activation_code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldReason {
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateQualification {
    pub org_id: Option<OrgId>,
    pub name: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantQualification {
    /// Valid through this date; forever when absent.
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<Date>,
}

fn check_code(check: &mut Check, code: &str) {
    if !(4..=8).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
        check.fail("activation_code", "must be 4 to 8 digits");
    }
}

/// A hold's reason, checked and trimmed (lifting a hold has none).
fn hold_reason(reason: Option<String>) -> AppResult<Option<String>> {
    if let Some(r) = &reason {
        Check::default()
            .text("reason", r, limits::REASON)
            .finish()?;
    }
    Ok(reason.map(|r| r.trim().to_owned()))
}

#[derive(Clone, Debug)]
pub struct EquipmentService {
    store: Arc<dyn EquipmentStore>,
    orgs: Arc<dyn OrgStore>,
    hasher: Hasher,
    codes: CodeKey,
}

/// A new activation code as stored: its argon2id hash and its keyed fingerprint.
struct StoredCode {
    hash: String,
    fingerprint: String,
}

const CODE_TAKEN: &str = "another machine of this site already uses this code";

/// The database's refusal of a second machine with the code, as the field error it always was.
fn code_taken(e: StoreError) -> Error {
    match e {
        StoreError::Conflict {
            field: "activation_code",
        } => Error::field("activation_code", CODE_TAKEN),
        other => other.into(),
    }
}

/// The longest range of a machine's usage one request may ask for.
pub const MAX_USAGE_DAYS: i32 = 366;

impl EquipmentService {
    pub fn new(
        store: Arc<dyn EquipmentStore>,
        orgs: Arc<dyn OrgStore>,
        hasher: Hasher,
        codes: CodeKey,
    ) -> Self {
        Self {
            store,
            orgs,
            hasher,
            codes,
        }
    }

    /// A kiosk finds a machine by its code, so two machines of a site must not share one. The
    /// database refuses a second fingerprint when the code is written ([`super::codes`]); only
    /// machines without one (older than it, not rotated since) are compared here, by argon2.
    async fn stored_code(
        &self,
        site: SiteId,
        except: Option<EquipmentId>,
        code: &str,
    ) -> AppResult<StoredCode> {
        for hash in self.store.unfingerprinted_code_hashes(site, except).await? {
            if self.hasher.verify(code.to_owned(), Some(hash)).await? {
                return Err(Error::field("activation_code", CODE_TAKEN));
            }
        }
        Ok(StoredCode {
            hash: self.hasher.hash(code.to_owned()).await?,
            fingerprint: self.codes.fingerprint(site, code),
        })
    }

    pub async fn create(&self, caller: &Caller, req: CreateEquipment) -> AppResult<Equipment> {
        caller.permit(Action::CreateEquipment)?;
        let mut check = Check::default();
        check.text("name", &req.name, limits::EQUIPMENT_NAME);
        check_code(&mut check, &req.activation_code);
        if req.relay_channel > MAX_RELAY {
            check.fail("relay_channel", &format!("must be 0 to {MAX_RELAY}"));
        }
        check.finish()?;
        // The site decides the organisation; a site outside the caller's scope does not exist.
        let site = self
            .orgs
            .get_site(caller.scope(), req.site_id)
            .await
            .map_err(|_| Error::field("site_id", "does not exist"))?;
        let code = self
            .stored_code(site.id, None, &req.activation_code)
            .await?;
        let new = NewEquipment {
            org_id: site.org_id,
            site_id: site.id,
            name: req.name.trim().to_owned(),
            relay_channel: req.relay_channel,
            activation_code_hash: code.hash,
            code_fingerprint: Some(code.fingerprint),
            required_qualification: req.required_qualification_id,
        };
        let id = self
            .store
            .create_equipment(&caller.audit(), new)
            .await
            .map_err(code_taken)?;
        Ok(self.store.get_equipment(caller.scope(), id).await?)
    }

    pub async fn list(&self, caller: &Caller) -> AppResult<Vec<Equipment>> {
        caller.permit(Action::ListEquipment)?;
        Ok(self.store.list_equipment(caller.scope()).await?)
    }

    pub async fn get(&self, caller: &Caller, id: EquipmentId) -> AppResult<Equipment> {
        caller.permit(Action::GetEquipment)?;
        Ok(self.store.get_equipment(caller.scope(), id).await?)
    }

    pub async fn update(
        &self,
        caller: &Caller,
        id: EquipmentId,
        req: PatchEquipment,
    ) -> AppResult<Equipment> {
        caller.permit(Action::UpdateEquipment)?;
        let mut check = Check::default();
        if let Some(name) = &req.name {
            check.text("name", name, limits::EQUIPMENT_NAME);
        }
        if req.relay_channel.is_some_and(|r| r > MAX_RELAY) {
            check.fail("relay_channel", &format!("must be 0 to {MAX_RELAY}"));
        }
        check.finish()?;
        let update = EquipmentUpdate {
            name: req.name.map(|n| n.trim().to_owned()),
            relay_channel: req.relay_channel,
            required_qualification: req.required_qualification_id,
            ..EquipmentUpdate::default()
        };
        Ok(self
            .store
            .update_equipment(&caller.audit(), caller.scope(), id, update)
            .await?)
    }

    /// Replaces a machine's code; the old one stops working at each kiosk's next roster pull.
    pub async fn rotate_code(
        &self,
        caller: &Caller,
        id: EquipmentId,
        req: NewCode,
    ) -> AppResult<Equipment> {
        caller.permit(Action::RotateEquipmentCode)?;
        let mut check = Check::default();
        check_code(&mut check, &req.activation_code);
        check.finish()?;
        let machine = self.store.get_equipment(caller.scope(), id).await?;
        let code = self
            .stored_code(machine.site_id, Some(id), &req.activation_code)
            .await?;
        let update = EquipmentUpdate {
            activation_code_hash: Some(code.hash),
            code_fingerprint: Some(code.fingerprint),
            ..EquipmentUpdate::default()
        };
        self.store
            .update_equipment(&caller.audit(), caller.scope(), id, update)
            .await
            .map_err(code_taken)
    }

    /// Places a hold (with its reason) on a machine, or lifts one (without).
    pub async fn set_hold(
        &self,
        caller: &Caller,
        id: EquipmentId,
        hold: Hold,
    ) -> AppResult<Equipment> {
        caller.permit(Action::SetEquipmentHold)?;
        let hold = match hold {
            Hold::Lockout(reason) => Hold::Lockout(hold_reason(reason)?),
            Hold::OutOfService(reason) => Hold::OutOfService(hold_reason(reason)?),
        };
        Ok(self
            .store
            .set_hold(&caller.audit(), caller.scope(), id, hold)
            .await?)
    }

    /// Retires a machine: it is removed from every kiosk.
    pub async fn delete(&self, caller: &Caller, id: EquipmentId) -> AppResult<()> {
        caller.permit(Action::DeleteEquipment)?;
        Ok(self
            .store
            .delete_equipment(&caller.audit(), caller.scope(), id)
            .await?)
    }

    /// Every machine in scope with its holds and the session running on it.
    pub async fn board(&self, caller: &Caller) -> AppResult<Vec<BoardEntry>> {
        caller.permit(Action::EquipmentBoard)?;
        let now = Timestamp::now();
        let since = now.checked_sub(RUNNING_WITHIN).unwrap_or(now);
        let sessions = self
            .store
            .machine_sessions(caller.scope(), None, since, now)
            .await?;
        let machines = self.store.list_equipment(caller.scope()).await?;
        Ok(board(machines, &sessions))
    }

    /// A machine's sessions that started from day `from` through day `to` (UTC).
    pub async fn usage(
        &self,
        caller: &Caller,
        id: EquipmentId,
        from: Date,
        to: Date,
    ) -> AppResult<Usage> {
        caller.permit(Action::EquipmentUsage)?;
        // Security review L7: the range was unbounded.
        crate::features::attendance::service::check_range(from, to, MAX_USAGE_DAYS)?;
        self.store.get_equipment(caller.scope(), id).await?;
        let utc = |d: Date| d.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp());
        let start = utc(from).map_err(|_| Error::field("from", "out of range"))?;
        let end = to
            .tomorrow()
            .and_then(utc)
            .map_err(|_| Error::field("to", "out of range"))?;
        let sessions = self
            .store
            .machine_sessions(caller.scope(), Some(id), start, end)
            .await?;
        let machine_minutes = machine_minutes(&sessions);
        Ok(Usage {
            sessions,
            machine_minutes,
        })
    }

    pub async fn create_qualification(
        &self,
        caller: &Caller,
        req: CreateQualification,
    ) -> AppResult<Qualification> {
        caller.permit(Action::CreateQualification)?;
        Check::default()
            .text("name", &req.name, limits::EQUIPMENT_NAME)
            .finish()?;
        let org = caller.target_org(req.org_id)?;
        Ok(self
            .store
            .create_qualification(&caller.audit(), org, req.name.trim())
            .await?)
    }

    pub async fn list_qualifications(&self, caller: &Caller) -> AppResult<Vec<Qualification>> {
        caller.permit(Action::ListQualifications)?;
        Ok(self.store.list_qualifications(caller.scope()).await?)
    }

    /// Grants a qualification to an employee (or renews it with a new expiry).
    pub async fn grant_qualification(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        qualification: QualificationId,
        req: GrantQualification,
    ) -> AppResult<Vec<HeldQualification>> {
        caller.permit_on(Action::GrantQualification, employee)?;
        Ok(self
            .store
            .set_employee_qualification(
                &caller.audit(),
                caller.scope(),
                &caller.departments(),
                employee,
                qualification,
                Some(req.expires_on),
            )
            .await?)
    }

    pub async fn revoke_qualification(
        &self,
        caller: &Caller,
        employee: EmployeeId,
        qualification: QualificationId,
    ) -> AppResult<Vec<HeldQualification>> {
        caller.permit_on(Action::RevokeQualification, employee)?;
        Ok(self
            .store
            .set_employee_qualification(
                &caller.audit(),
                caller.scope(),
                &caller.departments(),
                employee,
                qualification,
                None,
            )
            .await?)
    }

    pub async fn employee_qualifications(
        &self,
        caller: &Caller,
        employee: EmployeeId,
    ) -> AppResult<Vec<HeldQualification>> {
        caller.permit_on(Action::EmployeeQualifications, employee)?;
        Ok(self
            .store
            .employee_qualifications(caller.scope(), &caller.departments(), employee)
            .await?)
    }
}
