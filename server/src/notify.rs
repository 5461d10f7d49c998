//! The notification worker: runs due notification jobs (composing each mail when it runs, so
//! recipients are current), retries failures with exponential backoff, and records every
//! outcome on the job. Once an hour it scans yesterday's attendance for forgotten clock-outs.
//! Jobs are claimed by their attempt count, so two workers never deliver one twice.

use std::time::Duration;

use attend_engine::ExceptionKind;
use jiff::{SignedDuration, Timestamp, ToSpan as _};

use crate::storage::{
    DepartmentFilter, EmployeeStatus, Notice, NotificationJob, Page, Scope, SharedStore,
    StoreError, StoreResult,
};

/// Mails to send: (recipient, subject, body).
type Mails = Vec<(String, String, String)>;

async fn compose(store: &SharedStore, job: &NotificationJob) -> Result<Mails, String> {
    let employee = match &job.notice {
        Notice::TimesheetSubmitted { employee_id, .. }
        | Notice::MissedClockOut { employee_id, .. } => *employee_id,
    };
    let who = store.recipients(employee).await.map_err(|e| match e {
        StoreError::NotFound => "the employee no longer exists".to_owned(),
        other => other.to_string(),
    })?;
    let (mut to, subject, body) = match &job.notice {
        Notice::TimesheetSubmitted { period_start, .. } => (
            who.reviewers.clone(),
            format!("Timesheet waiting for approval: {}", who.employee_name),
            format!(
                "{} submitted the timesheet of the pay period starting {period_start}. Review it in Attend.",
                who.employee_name
            ),
        ),
        Notice::MissedClockOut { date, .. } => {
            let mut to: Vec<String> = who.employee_email.iter().cloned().collect();
            to.extend(who.reviewers.iter().cloned());
            (
                to,
                format!("Missed clock-out on {date}: {}", who.employee_name),
                format!(
                    "{} did not clock out on {date}; the session was closed automatically at the end of the shift. Please check and correct it.",
                    who.employee_name
                ),
            )
        }
    };
    to.sort();
    to.dedup();
    if to.is_empty() {
        return Err("nobody to notify: no e-mail for the employee and no manager or admin".into());
    }
    Ok(to
        .into_iter()
        .map(|r| (r, subject.clone(), body.clone()))
        .collect())
}

/// Runs every job due at `now`; returns how many were attempted.
pub async fn run_due(store: &SharedStore, now: Timestamp) -> StoreResult<usize> {
    let jobs = store.due_jobs(now, 50).await?;
    for job in &jobs {
        match compose(store, job).await {
            Ok(mails) => {
                let outcome = format!(
                    "notified {}",
                    mails
                        .iter()
                        .map(|m| m.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                store.finish_job(job, mails, &outcome, now).await?;
            }
            Err(error) => {
                let backoff = SignedDuration::from_mins(1_i64 << job.attempts.min(10));
                tracing::warn!(job = job.id, attempts = job.attempts + 1, %error, "notification failed");
                store
                    .fail_job(job, &error, now.checked_add(backoff).unwrap_or(now), now)
                    .await?;
            }
        }
    }
    Ok(jobs.len())
}

/// Queues a `MissedClockOut` notice for every automatically closed session on yesterday's
/// date (UTC), across every organisation. Deduplicated, so running it again changes nothing.
pub async fn scan_missed_clock_outs(store: &SharedStore, now: Timestamp) -> StoreResult<usize> {
    let yesterday = now
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .checked_sub(1.day())
        .map_err(|e| StoreError::State(e.to_string()))?;
    let mut queued = 0;
    let mut page = Page {
        limit: 100,
        after: None,
    };
    loop {
        let orgs = store.list_orgs(Scope::All, &page).await?;
        for org in &orgs.items {
            let mut people = Page {
                limit: 100,
                after: None,
            };
            loop {
                let batch = store
                    .list_employees(Scope::Org(org.id), &DepartmentFilter::Any, &people)
                    .await?;
                for e in batch
                    .items
                    .iter()
                    .filter(|e| e.status == EmployeeStatus::Active)
                {
                    let report = crate::storage::attendance_report(
                        store,
                        Scope::Org(org.id),
                        &DepartmentFilter::Any,
                        e.id,
                        yesterday,
                        yesterday,
                        now,
                    )
                    .await?;
                    for x in &report.exceptions {
                        if matches!(x.kind, ExceptionKind::AutoClosed { .. })
                            && store
                                .queue_notice(
                                    org.id,
                                    Notice::MissedClockOut {
                                        employee_id: e.id,
                                        date: x.date,
                                    },
                                    now,
                                )
                                .await?
                        {
                            queued += 1;
                        }
                    }
                }
                match batch.next {
                    Some(next) => people.after = Some(next),
                    None => break,
                }
            }
        }
        match orgs.next {
            Some(next) => page.after = Some(next),
            None => return Ok(queued),
        }
    }
}

/// Runs due jobs every few seconds and the clock-out scan hourly, until `shutdown` flips.
pub async fn run_worker(store: SharedStore, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let mut last_scan: Option<Timestamp> = None;
    loop {
        let now = Timestamp::now();
        if last_scan.is_none_or(|t| now.duration_since(t) >= SignedDuration::from_hours(1)) {
            last_scan = Some(now);
            if let Err(error) = scan_missed_clock_outs(&store, now).await {
                tracing::error!(%error, "missed clock-out scan failed");
            }
        }
        if let Err(error) = run_due(&store, now).await {
            tracing::error!(%error, "notification jobs failed");
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = shutdown.changed() => return,
        }
    }
}
