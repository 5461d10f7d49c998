//! Every feature's store, as one backend provides them. The services are built on these; tests,
//! benchmarks, the demo seed and the command line use them directly for set-up that no
//! service offers (creating the first admin, say).

use std::sync::Arc;

use crate::db::sql::SqlDb;
use crate::db::{Ping, Prune, Schedule};
use crate::features::{
    attendance::AttendanceStore, audit::AuditStore, auth::AuthStore, corrections::CorrectionStore,
    devices::DeviceStore, enrolment::EnrolmentStore, equipment::EquipmentStore, leave::LeaveStore,
    notifications::NotificationStore, orgs::OrgStore, people::PeopleStore, reports::PayRateStore,
    roster::RosterStore, timesheets::TimesheetStore,
};
use crate::platform::rate_limit::blocks::BlockLedger;

/// One store per feature.
#[derive(Clone)]
pub struct Stores {
    pub attendance: Arc<dyn AttendanceStore>,
    pub audit: Arc<dyn AuditStore>,
    pub auth: Arc<dyn AuthStore>,
    pub blocks: Arc<dyn BlockLedger>,
    pub corrections: Arc<CorrectionStore>,
    pub devices: Arc<dyn DeviceStore>,
    pub enrolment: Arc<dyn EnrolmentStore>,
    pub equipment: Arc<dyn EquipmentStore>,
    pub leave: Arc<dyn LeaveStore>,
    pub notifications: Arc<dyn NotificationStore>,
    pub orgs: Arc<dyn OrgStore>,
    pub pay_rates: Arc<dyn PayRateStore>,
    pub people: Arc<dyn PeopleStore>,
    pub roster: Arc<dyn RosterStore>,
    pub timesheets: Arc<dyn TimesheetStore>,
    /// A round trip to the database, for the readiness probe.
    pub ping: Arc<dyn Ping>,
    /// Housekeeping of expired bookkeeping rows.
    pub prune: Arc<dyn Prune>,
    /// Periodic work, claimed once per period across instances.
    pub schedule: Arc<dyn Schedule>,
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stores")
    }
}

impl Stores {
    /// Every store on one database.
    pub fn on(db: &SqlDb) -> Self {
        Self {
            attendance: Arc::new(db.clone()),
            audit: Arc::new(db.clone()),
            auth: Arc::new(db.clone()),
            blocks: Arc::new(db.clone()),
            corrections: Arc::new(db.clone()),
            devices: Arc::new(db.clone()),
            enrolment: Arc::new(db.clone()),
            equipment: Arc::new(db.clone()),
            leave: Arc::new(db.clone()),
            notifications: Arc::new(db.clone()),
            orgs: Arc::new(db.clone()),
            pay_rates: Arc::new(db.clone()),
            people: Arc::new(db.clone()),
            roster: Arc::new(db.clone()),
            timesheets: Arc::new(db.clone()),
            ping: Arc::new(db.clone()),
            prune: Arc::new(db.clone()),
            schedule: Arc::new(db.clone()),
        }
    }
}
