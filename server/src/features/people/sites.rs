//! Where an employee may punch: a list of their organisation's sites, or (empty) their home
//! site only. A kiosk's punch for someone not allowed at its site is held for review
//! (`devices::ingest`), never counted silently.

use attend_protocol::ids::{EmployeeId, SiteId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::service::PeopleService;
use crate::access::{Action, Caller};
use crate::platform::error::{AppResult, Error};

/// The sites an employee may punch at (`[]`: their home site only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PunchSites {
    #[schema(value_type = Vec<String>)]
    pub site_ids: Vec<SiteId>,
}

/// More than this many sites is a mistake, not a workplace.
pub const MAX_PUNCH_SITES: usize = 100;

impl PeopleService {
    pub async fn punch_sites(&self, caller: &Caller, id: EmployeeId) -> AppResult<PunchSites> {
        caller.permit_on(Action::GetPunchSites, id)?;
        let site_ids = self
            .store
            .punch_sites(caller.scope(), &caller.departments(), id)
            .await?;
        Ok(PunchSites { site_ids })
    }

    /// Replaces the list; every site must be the employee's organisation's.
    pub async fn set_punch_sites(
        &self,
        caller: &Caller,
        id: EmployeeId,
        mut req: PunchSites,
    ) -> AppResult<PunchSites> {
        caller.permit(Action::SetPunchSites)?;
        if req.site_ids.len() > MAX_PUNCH_SITES {
            return Err(Error::field(
                "site_ids",
                format!("at most {MAX_PUNCH_SITES} sites"),
            ));
        }
        req.site_ids.sort();
        req.site_ids.dedup();
        let site_ids = self
            .store
            .set_punch_sites(
                &caller.audit(),
                caller.scope(),
                &caller.departments(),
                id,
                req.site_ids,
            )
            .await?;
        Ok(PunchSites { site_ids })
    }
}
