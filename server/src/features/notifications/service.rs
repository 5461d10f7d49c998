//! The notification worker: runs due notification jobs (composing each mail when it runs, so
//! recipients are current), retries failures with exponential backoff, and records every
//! outcome on the job. Once an hour it scans yesterday's attendance for forgotten clock-outs.
//! Jobs are claimed by their attempt count, so two workers never deliver one twice.

use std::sync::Arc;
use std::time::Duration;

use attend_engine::ExceptionKind;
use jiff::{SignedDuration, Timestamp, ToSpan as _};

use super::compose::{backoff, compose, subject_of};
use super::store::NotificationStore;
use super::{Notice, NotificationJob};
use crate::access::{Action, Caller};
use crate::db::{DepartmentFilter, Scope, StoreError, all_pages};
use crate::features::attendance::AttendanceService;
use crate::features::orgs::OrgStore;
use crate::features::people::{EmployeeStatus, PeopleStore};
use crate::platform::error::{AppResult, Error};

#[derive(Clone, Debug)]
pub struct NotificationService {
    store: Arc<dyn NotificationStore>,
    orgs: Arc<dyn OrgStore>,
    people: Arc<dyn PeopleStore>,
    attendance: AttendanceService,
}

impl NotificationService {
    pub fn new(
        store: Arc<dyn NotificationStore>,
        orgs: Arc<dyn OrgStore>,
        people: Arc<dyn PeopleStore>,
        attendance: AttendanceService,
    ) -> Self {
        Self {
            store,
            orgs,
            people,
            attendance,
        }
    }

    /// The newest 100 jobs in scope with their outcomes (admins).
    pub async fn list_jobs(&self, caller: &Caller) -> AppResult<Vec<NotificationJob>> {
        caller.permit(Action::ListNotificationJobs)?;
        Ok(self.store.list_jobs(caller.scope(), 100).await?)
    }

    /// Runs every job due at `now` (the server's own work); returns how many were attempted.
    pub async fn run_due(&self, now: Timestamp) -> AppResult<usize> {
        let jobs = self.store.due_jobs(now, 50).await?;
        for job in &jobs {
            let composed = match self.store.recipients(subject_of(&job.notice)).await {
                Ok(who) => compose(job, &who),
                Err(StoreError::NotFound) => Err("the employee no longer exists".to_owned()),
                Err(other) => Err(other.to_string()),
            };
            match composed {
                Ok(mails) => {
                    let to: Vec<&str> = mails.iter().map(|m| m.0.as_str()).collect();
                    let outcome = format!("notified {}", to.join(", "));
                    self.store.finish_job(job, mails, &outcome, now).await?;
                }
                Err(error) => {
                    tracing::warn!(job = job.id, attempts = job.attempts + 1, %error, "notification failed");
                    let retry = now.checked_add(backoff(job.attempts)).unwrap_or(now);
                    self.store.fail_job(job, &error, retry, now).await?;
                }
            }
        }
        Ok(jobs.len())
    }

    /// Queues a `MissedClockOut` notice for every automatically closed session on yesterday's
    /// date (UTC), across every organisation (the server's own work). Deduplicated, so running
    /// it again changes nothing.
    pub async fn scan_missed_clock_outs(&self, now: Timestamp) -> AppResult<usize> {
        let yesterday = now
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .checked_sub(1.day())
            .map_err(|e| Error::from(StoreError::State(e.to_string())))?;
        let orgs = all_pages(|page| {
            let store = self.orgs.clone();
            async move { store.list_orgs(Scope::All, &page).await }
        })
        .await?;
        let mut queued = 0;
        for org in orgs {
            let scope = Scope::Org(org.id);
            let people = all_pages(|page| {
                let store = self.people.clone();
                async move {
                    store
                        .list_employees(scope, &DepartmentFilter::Any, &page)
                        .await
                }
            })
            .await?;
            for e in people.iter().filter(|e| e.status == EmployeeStatus::Active) {
                let report = self
                    .attendance
                    .compute(
                        scope,
                        &DepartmentFilter::Any,
                        e.id,
                        yesterday,
                        yesterday,
                        now,
                    )
                    .await?;
                for x in &report.exceptions {
                    if !matches!(x.kind, ExceptionKind::AutoClosed { .. }) {
                        continue;
                    }
                    let notice = Notice::MissedClockOut {
                        employee_id: e.id,
                        date: x.date,
                    };
                    if self.store.queue_notice(org.id, notice, now).await? {
                        queued += 1;
                    }
                }
            }
        }
        Ok(queued)
    }

    /// Runs due jobs every few seconds and the clock-out scan hourly, until `shutdown` flips.
    pub async fn run_worker(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut last_scan: Option<Timestamp> = None;
        loop {
            let now = Timestamp::now();
            if last_scan.is_none_or(|t| now.duration_since(t) >= SignedDuration::from_hours(1)) {
                last_scan = Some(now);
                if let Err(error) = self.scan_missed_clock_outs(now).await {
                    tracing::error!(%error, "missed clock-out scan failed");
                }
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
}
