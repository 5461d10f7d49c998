//! What a notice says and to whom, and how long a failed job waits: pure rules, applied by the
//! service when a job runs (so the recipients are current).

use jiff::SignedDuration;

use super::messages::{Part, render};
use super::{Message, Notice, NotificationJob, Recipients};

/// Mails to send: (recipient, message).
pub type Mails = Vec<(String, Message)>;

/// What one reviewer has waiting (requests at their level, in their departments).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewerLoad {
    pub email: String,
    pub timesheets: u32,
    pub leave: u32,
    pub corrections: u32,
}

/// Who a job's notice goes to, looked up when it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// About one employee: them and their reviewers.
    Employee(Recipients),
    /// The organisation's admins.
    Admins(Vec<String>),
    /// Each reviewer with what they have waiting.
    Reviewers(Vec<ReviewerLoad>),
}

/// The mails a job sends, given who to tell and the server's public URL (for links); why none
/// when nobody can be told. An approvals digest with nothing left waiting sends nothing.
pub fn compose(job: &NotificationJob, who: &Audience, public_url: &str) -> Result<Mails, String> {
    let base = public_url.trim_end_matches('/');
    let (mut to, message) = match (&job.notice, who) {
        (Notice::TimesheetSubmitted { period_start, .. }, Audience::Employee(who)) => (
            who.reviewers.clone(),
            render(
                job.notice.kind(),
                format!("Timesheet waiting for approval: {}", who.employee_name),
                &[
                    Part::Para(format!(
                        "{} submitted the timesheet of the pay period starting {period_start}.",
                        who.employee_name
                    )),
                    Part::Link {
                        label: "Review it".into(),
                        url: format!("{base}/dashboard/timesheets"),
                    },
                ],
            ),
        ),
        (Notice::MissedClockOut { date, .. }, Audience::Employee(who)) => {
            let mut to: Vec<String> = who.employee_email.iter().cloned().collect();
            to.extend(who.reviewers.iter().cloned());
            let subject = format!("Missed clock-out on {date}: {}", who.employee_name);
            let text = format!(
                "{} did not clock out on {date}; the session was closed automatically at the end of the shift. Please check and correct it.",
                who.employee_name
            );
            (to, render(job.notice.kind(), subject, &[Part::Para(text)]))
        }
        (
            Notice::KioskOffline {
                device_name,
                last_seen_at,
                ..
            },
            Audience::Admins(admins),
        ) => (
            admins.clone(),
            render(
                job.notice.kind(),
                format!("Kiosk offline: {device_name}"),
                &[
                    Part::Para(format!(
                        "The kiosk {device_name} has not been in touch since {} (UTC). It keeps recording punches while offline and sends them once it is back; check its power and network.",
                        last_seen_at.strftime("%Y-%m-%d %H:%M")
                    )),
                    Part::Link {
                        label: "See the kiosks".into(),
                        url: format!("{base}/dashboard/devices"),
                    },
                ],
            ),
        ),
        (Notice::ApprovalsWaiting { .. }, Audience::Reviewers(loads)) => {
            return Ok(loads
                .iter()
                .filter_map(|load| digest(job, load, base).map(|m| (load.email.clone(), m)))
                .collect());
        }
        _ => return Err("the notice and its recipients do not match".into()),
    };
    to.sort();
    to.dedup();
    if to.is_empty() {
        return Err("nobody to notify: no e-mail for the employee and no manager or admin".into());
    }
    Ok(to.into_iter().map(|r| (r, message.clone())).collect())
}

/// One reviewer's digest; `None` when nothing waits for them.
fn digest(job: &NotificationJob, load: &ReviewerLoad, base: &str) -> Option<Message> {
    let count = |n: u32, one: &str, many: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    };
    let lines: Vec<String> = [
        count(load.timesheets, "timesheet", "timesheets"),
        count(load.leave, "leave request", "leave requests"),
        count(load.corrections, "correction", "corrections"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if lines.is_empty() {
        return None;
    }
    let total = load.timesheets + load.leave + load.corrections;
    Some(render(
        job.notice.kind(),
        format!("{total} request(s) waiting for your approval"),
        &[
            Part::Para("These are waiting for you in Attend:".into()),
            Part::List(lines),
            Part::Link {
                label: "Review timesheets".into(),
                url: format!("{base}/dashboard/timesheets"),
            },
            Part::Link {
                label: "Review leave".into(),
                url: format!("{base}/dashboard/leave"),
            },
        ],
    ))
}

/// The wait before the next try after `attempts` tries: 1, 2, 4, 8 … minutes.
pub fn backoff(attempts: u32) -> SignedDuration {
    SignedDuration::from_mins(1_i64 << attempts.min(10))
}

#[cfg(test)]
mod tests {
    use attend_protocol::ids::OrgId;
    use jiff::Timestamp;

    use super::{Audience, ReviewerLoad, compose};
    use crate::features::notifications::{Notice, NotificationJob};

    fn job(notice: Notice) -> NotificationJob {
        NotificationJob {
            id: 1,
            org_id: OrgId(uuid::Uuid::nil()),
            notice,
            run_at: Timestamp::UNIX_EPOCH,
            attempts: 0,
            max_attempts: 5,
            status: "queued".into(),
            outcome: None,
            finished_at: None,
        }
    }

    #[test]
    fn a_digest_goes_only_to_reviewers_with_something_waiting_and_counts_it() {
        let j = job(Notice::ApprovalsWaiting {
            org_id: OrgId(uuid::Uuid::nil()),
            date: jiff::civil::date(2026, 3, 2),
        });
        let loads = vec![
            ReviewerLoad {
                email: "m@x.example".into(),
                timesheets: 2,
                leave: 1,
                corrections: 0,
            },
            ReviewerLoad {
                email: "idle@x.example".into(),
                ..ReviewerLoad::default()
            },
        ];
        let mails = compose(&j, &Audience::Reviewers(loads), "https://h/").expect("composed");
        assert_eq!(mails.len(), 1);
        let (to, m) = &mails[0];
        assert_eq!(to, "m@x.example");
        assert_eq!(m.subject, "3 request(s) waiting for your approval");
        assert!(
            m.text.contains("- 2 timesheets\n- 1 leave request\n"),
            "{}",
            m.text
        );
        assert!(m.html.contains("https://h/dashboard/timesheets"));
    }
}
