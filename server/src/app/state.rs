//! What every handler and page reaches: the services (one per feature) and the few shared
//! pieces of the HTTP layer. Built once in [`super::Application::build`]; cheap to clone.

use std::ops::Deref;
use std::sync::Arc;

use crate::config::Settings;
use crate::platform::metrics::Metrics;
use crate::platform::rate_limit::RateLimits;
use crate::platform::tokens::JwtKeys;
use crate::storage::SharedStore;

/// Shared state of the HTTP layer.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] holds.
pub struct Shared {
    pub settings: Arc<Settings>,
    pub jwt: Arc<JwtKeys>,
    pub limits: RateLimits,
    pub metrics: Arc<Metrics>,
    /// Tells open live boards that an organisation's attendance changed.
    pub live: crate::features::attendance::LiveFeed,
    pub ping: Arc<dyn crate::db::Ping>,
    pub attendance: crate::features::attendance::AttendanceService,
    pub audit: crate::features::audit::AuditService,
    pub auth: crate::features::auth::AuthService,
    pub corrections: crate::features::corrections::CorrectionService,
    pub devices: crate::features::devices::DeviceService,
    pub equipment: crate::features::equipment::EquipmentService,
    pub enrolment: crate::features::enrolment::EnrolmentService,
    pub leave: crate::features::leave::LeaveService,
    pub reports: crate::features::reports::ReportService,
    pub notifications: crate::features::notifications::NotificationService,
    /// Where queued mail waits for the mail worker.
    pub outbox: Arc<dyn crate::features::notifications::NotificationStore>,
    pub roster: crate::features::roster::RosterService,
    pub timesheets: crate::features::timesheets::TimesheetService,
    pub orgs: crate::features::orgs::OrgService,
    pub people: crate::features::people::PeopleService,
    // TRANSITIONAL: what features not yet moved reach directly.
    pub store: SharedStore,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}
