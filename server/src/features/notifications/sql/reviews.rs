//! Who is told about organisation-wide notices, read when the job runs: the org admins, what
//! each reviewer has waiting, and which kiosks have gone quiet.
//!
//! A manager's load is the level-1 requests (timesheets are level 1) of employees in their
//! departments; an org admin's is every pending request of the organisation. Deleted
//! employees' requests do not count.

use crate::db::sql::{Sql, params};
use attend_protocol::ids::OrgId;
use jiff::Timestamp;

use super::super::compose::ReviewerLoad;
use super::super::store::SilentKiosk;
use crate::db::StoreResult;
use crate::db::sql::{get_id, get_ts, query_rows, ts};

pub(super) fn org_admins(c: &Sql<'_>, org: OrgId) -> StoreResult<Vec<String>> {
    query_rows(
        c,
        "SELECT email FROM users WHERE org_id = ?1 AND role = 'org_admin' AND status = 'active' ORDER BY email",
        [org.to_string()],
        |r| r.get(0),
    )
}

/// Pending requests of employees matching `who` (a condition on `e`, the employee, and `lvl`,
/// the level the request needs), counted per kind for the reviewer `u`.
fn counts(who: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM timesheets x JOIN employees e ON e.id = x.employee_id
            WHERE x.org_id = u.org_id AND x.status = 'submitted' AND e.deleted_at IS NULL
              AND {}),
         (SELECT COUNT(*) FROM leave_requests x JOIN employees e ON e.id = x.employee_id
            WHERE x.org_id = u.org_id AND x.status = 'pending' AND e.deleted_at IS NULL
              AND {}),
         (SELECT COUNT(*) FROM corrections x JOIN employees e ON e.id = x.employee_id
            WHERE x.org_id = u.org_id AND x.status = 'pending' AND e.deleted_at IS NULL
              AND {})",
        who.replace("lvl", "1"),
        who.replace("lvl", "x.required_level"),
        who.replace("lvl", "x.required_level"),
    )
}

pub(super) fn reviewer_loads(c: &Sql<'_>, org: OrgId) -> StoreResult<Vec<ReviewerLoad>> {
    let manager = "lvl <= 1 AND e.department_id IN
        (SELECT department_id FROM manager_departments WHERE user_id = u.id)";
    let sql = format!(
        "SELECT u.email, {} FROM users u
           WHERE u.org_id = ?1 AND u.status = 'active' AND u.role = 'manager'
         UNION ALL
         SELECT u.email, {} FROM users u
           WHERE u.org_id = ?1 AND u.status = 'active' AND u.role = 'org_admin'
         ORDER BY 1",
        counts(manager),
        counts("1 = 1"),
    );
    let loads = query_rows(c, &sql, [org.to_string()], |r| {
        Ok(ReviewerLoad {
            email: r.get(0)?,
            timesheets: r.get(1)?,
            leave: r.get(2)?,
            corrections: r.get(3)?,
        })
    })?;
    Ok(loads
        .into_iter()
        .filter(|l| l.timesheets + l.leave + l.corrections > 0)
        .collect())
}

pub(super) fn orgs_with_pending_reviews(c: &Sql<'_>) -> StoreResult<Vec<OrgId>> {
    query_rows(
        c,
        "SELECT org_id FROM timesheets WHERE status = 'submitted'
         UNION SELECT org_id FROM leave_requests WHERE status = 'pending'
         UNION SELECT org_id FROM corrections WHERE status = 'pending'",
        (),
        |r| get_id(r, 0),
    )
}

pub(super) fn silent_kiosks(c: &Sql<'_>, seen_before: Timestamp) -> StoreResult<Vec<SilentKiosk>> {
    query_rows(
        c,
        "SELECT org_id, id, name, last_seen_at FROM devices
         WHERE status = 'active' AND last_seen_at IS NOT NULL AND last_seen_at <= ?1
         ORDER BY last_seen_at",
        params![ts(seen_before)],
        |r| {
            Ok(SilentKiosk {
                org: get_id(r, 0)?,
                device_id: get_id(r, 1)?,
                name: r.get(2)?,
                last_seen_at: get_ts(r, 3)?,
            })
        },
    )
}
