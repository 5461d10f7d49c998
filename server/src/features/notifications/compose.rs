//! What a notice says and to whom, and how long a failed one waits: pure rules, applied by
//! the service when a job runs (so the recipients are current).

use jiff::SignedDuration;

use super::{Notice, NotificationJob, Recipients};

/// The employee a notice is about.
pub fn subject_of(notice: &Notice) -> attend_protocol::ids::EmployeeId {
    match notice {
        Notice::TimesheetSubmitted { employee_id, .. }
        | Notice::MissedClockOut { employee_id, .. } => *employee_id,
    }
}

/// Mails to send: (recipient, subject, body).
pub type Mails = Vec<(String, String, String)>;

/// The mails a job sends, given who to tell; why none when nobody can be told.
pub fn compose(job: &NotificationJob, who: &Recipients) -> Result<Mails, String> {
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

/// The wait before the next try after `attempts` tries: 1, 2, 4, 8 … minutes.
pub fn backoff(attempts: u32) -> SignedDuration {
    SignedDuration::from_mins(1_i64 << attempts.min(10))
}
