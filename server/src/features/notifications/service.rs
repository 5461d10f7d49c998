//! The notification worker: runs due notification jobs (composing each mail when it runs, so
//! recipients are current), retries failures with exponential backoff, and records every
//! outcome on the job. It also runs the scans ([`super::scans`]): kiosks gone quiet every
//! minute, forgotten clock-outs and the approvals digest hourly.
//!
//! With several instances, every instance runs this worker, and each piece of work still runs
//! once: a job is claimed with a lease ([`JOB_LEASE`]) that other workers skip, and its outcome
//! is recorded only while it is still the claimed try (`attempts`), so a worker that outlived
//! its lease records nothing; a scan is claimed by period in the database (`scheduled_work`),
//! so one instance runs each minute's or hour's scan.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::compose::{Audience, backoff, compose};
use super::store::NotificationStore;
use super::{DeadLetter, Notice, NotificationJob};
use crate::access::{Action, Caller};
use crate::config::Settings;
use crate::db::{Schedule, StoreError};
use crate::features::attendance::AttendanceService;
use crate::features::orgs::OrgStore;
use crate::features::people::PeopleStore;
use crate::platform::error::AppResult;

/// How long a claimed job is kept from other workers: far longer than composing a batch's mails
/// takes, short enough that a job whose worker died runs soon after.
pub const JOB_LEASE: SignedDuration = SignedDuration::from_mins(5);

#[derive(Clone, Debug)]
pub struct NotificationService {
    pub(super) store: Arc<dyn NotificationStore>,
    pub(super) schedule: Arc<dyn Schedule>,
    pub(super) orgs: Arc<dyn OrgStore>,
    pub(super) people: Arc<dyn PeopleStore>,
    pub(super) attendance: AttendanceService,
    pub(super) settings: Arc<Settings>,
}

impl NotificationService {
    pub fn new(
        store: Arc<dyn NotificationStore>,
        schedule: Arc<dyn Schedule>,
        orgs: Arc<dyn OrgStore>,
        people: Arc<dyn PeopleStore>,
        attendance: AttendanceService,
        settings: Arc<Settings>,
    ) -> Self {
        Self {
            store,
            schedule,
            orgs,
            people,
            attendance,
            settings,
        }
    }

    /// The newest 100 jobs in scope with their outcomes (admins).
    pub async fn list_jobs(&self, caller: &Caller) -> AppResult<Vec<NotificationJob>> {
        caller.permit(Action::ListNotificationJobs)?;
        Ok(self.store.list_jobs(caller.scope(), 100).await?)
    }

    /// The newest 100 mails given up on, in scope (admins; mail to nobody's organisation, such
    /// as a super admin's reset, only for super admins).
    pub async fn dead_letters(&self, caller: &Caller) -> AppResult<Vec<DeadLetter>> {
        caller.permit(Action::ListDeadLetters)?;
        Ok(self.store.dead_letters(caller.scope(), 100).await?)
    }

    /// Who a job's notice goes to, as of now.
    async fn audience(&self, job: &NotificationJob) -> Result<Audience, String> {
        let found = match &job.notice {
            Notice::TimesheetSubmitted { employee_id, .. }
            | Notice::MissedClockOut { employee_id, .. } => self
                .store
                .recipients(*employee_id)
                .await
                .map(Audience::Employee),
            Notice::KioskOffline { .. } => self
                .store
                .org_admins(job.org_id)
                .await
                .map(Audience::Admins),
            Notice::ApprovalsWaiting { org_id, .. } => self
                .store
                .reviewer_loads(*org_id)
                .await
                .map(Audience::Reviewers),
        };
        match found {
            Ok(audience) => Ok(audience),
            Err(StoreError::NotFound) => Err("the employee no longer exists".to_owned()),
            Err(other) => Err(other.to_string()),
        }
    }

    /// Runs every job due at `now` (the server's own work); returns how many were attempted.
    pub async fn run_due(&self, now: Timestamp) -> AppResult<usize> {
        // The lease runs from the claim, not from `now` (the moment the jobs are run as).
        let claimed_at = Timestamp::now();
        let lease_until = claimed_at.max(now).checked_add(JOB_LEASE).unwrap_or(now);
        let jobs = self.store.claim_jobs(now, lease_until, 50).await?;
        for job in &jobs {
            let composed = match self.audience(job).await {
                Ok(who) => compose(job, &who, &self.settings.public_url),
                Err(error) => Err(error),
            };
            match composed {
                Ok(mails) => {
                    let to: Vec<&str> = mails.iter().map(|m| m.0.as_str()).collect();
                    let outcome = if to.is_empty() {
                        "nothing waiting any more".to_owned()
                    } else {
                        format!("notified {}", to.join(", "))
                    };
                    if let Err(error) = self.store.finish_job(job, mails, &outcome, now).await {
                        // The rest of the batch still runs; this job is due again when its
                        // lease ends.
                        tracing::error!(job = job.id, %error, "recording a notification failed");
                    }
                }
                Err(error) => {
                    tracing::warn!(job = job.id, attempts = job.attempts + 1, %error, "notification failed");
                    let retry = now.checked_add(backoff(job.attempts)).unwrap_or(now);
                    if let Err(error) = self.store.fail_job(job, &error, retry, now).await {
                        tracing::error!(job = job.id, %error, "recording a failed notification failed");
                    }
                }
            }
        }
        Ok(jobs.len())
    }

    /// Runs due jobs every few seconds, the kiosk scan every minute (once the kiosks have had
    /// `kiosk_offline_after_s` since this start to check in, so a server restart does not report
    /// every kiosk) and the hourly scans, until `shutdown` flips.
    pub async fn run_worker(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let started = Timestamp::now();
        let grace = SignedDuration::from_secs(
            i64::try_from(self.settings.notifications.kiosk_offline_after_s).unwrap_or(i64::MAX),
        );
        loop {
            let now = Timestamp::now();
            if self
                .claim_period("hourly_scans", now, SignedDuration::from_hours(1))
                .await
            {
                if let Err(error) = self.scan_missed_clock_outs(now).await {
                    tracing::error!(%error, "missed clock-out scan failed");
                }
                if let Err(error) = self.queue_approval_digests(now).await {
                    tracing::error!(%error, "approvals digest scan failed");
                }
            }
            if now.duration_since(started) >= grace
                && self
                    .claim_period("kiosk_scan", now, SignedDuration::from_mins(1))
                    .await
                && let Err(error) = self.scan_offline_kiosks(now).await
            {
                tracing::error!(%error, "offline kiosk scan failed");
            }
            if let Err(error) = self.run_due(now).await {
                tracing::error!(%error, "notification jobs failed");
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(5)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Whether this instance runs the periodic work `name` now (the next run is `every` later,
    /// whichever instance takes it). A failed claim is logged and skipped until the next turn.
    async fn claim_period(&self, name: &str, now: Timestamp, every: SignedDuration) -> bool {
        let next = now.checked_add(every).unwrap_or(now);
        self.schedule
            .claim_period(name, now, next)
            .await
            .unwrap_or_else(|error| {
                tracing::error!(%error, name, "claiming periodic work failed");
                false
            })
    }
}
