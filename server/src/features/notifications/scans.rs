//! The scans that find what to tell and queue a notice for it. Each notice is deduplicated by
//! its cause, so running a scan again (or on several instances) queues nothing new.

use jiff::{SignedDuration, Timestamp, ToSpan as _};

use super::Notice;
use super::service::NotificationService;
use crate::db::{DepartmentFilter, Scope, StoreError, all_pages};
use crate::features::people::EmployeeStatus;
use crate::platform::error::{AppResult, Error};

impl NotificationService {
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
                    if !matches!(x.kind, attend_engine::ExceptionKind::AutoClosed { .. }) {
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

    /// Queues a `KioskOffline` notice for every active kiosk not heard from for
    /// `notifications.kiosk_offline_after_s` (the server's own work). The notice is keyed by the
    /// kiosk's last contact, so one outage is reported once, and the next outage again.
    pub async fn scan_offline_kiosks(&self, now: Timestamp) -> AppResult<usize> {
        let after = SignedDuration::from_secs(
            i64::try_from(self.settings.notifications.kiosk_offline_after_s).unwrap_or(i64::MAX),
        );
        let silent = self
            .store
            .silent_kiosks(now.checked_sub(after).unwrap_or(Timestamp::MIN))
            .await?;
        let mut queued = 0;
        for kiosk in silent {
            let notice = Notice::KioskOffline {
                device_id: kiosk.device_id,
                device_name: kiosk.name,
                last_seen_at: kiosk.last_seen_at,
            };
            if self.store.queue_notice(kiosk.org, notice, now).await? {
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// From `notifications.approvals_digest_hour_utc` on, queues today's `ApprovalsWaiting`
    /// digest for every organisation with a request waiting (the server's own work); at most
    /// one per organisation and UTC day.
    pub async fn queue_approval_digests(&self, now: Timestamp) -> AppResult<usize> {
        let utc = now.to_zoned(jiff::tz::TimeZone::UTC);
        if utc.hour()
            < i8::try_from(self.settings.notifications.approvals_digest_hour_utc).unwrap_or(i8::MAX)
        {
            return Ok(0);
        }
        let mut queued = 0;
        for org in self.store.orgs_with_pending_reviews().await? {
            let notice = Notice::ApprovalsWaiting {
                org_id: org,
                date: utc.date(),
            };
            if self.store.queue_notice(org, notice, now).await? {
                queued += 1;
            }
        }
        Ok(queued)
    }
}
