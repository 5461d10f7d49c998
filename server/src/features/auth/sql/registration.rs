//! Self-registration in one transaction, so the answer cannot tell whether an address has an
//! account (security review M6):
//!
//! 1. the organisation's pending registrations are counted first (full: refused, whoever asks);
//! 2. the employee is inserted inside a savepoint, so a taken employee number is refused the
//!    same way whether or not the address is known;
//! 3. only then is the address looked up, across every organisation: when an account has it,
//!    the savepoint is rolled back (nothing is created) and that account's owner gets a mail,
//!    at most one an hour; otherwise the pending account is created and the registrant gets
//!    a mail. Either way one mail is queued, one transaction commits, and the caller answers
//!    alike.

use crate::db::sql::{OptionalExtension, Sql};
use jiff::{SignedDuration, Timestamp};

use super::super::store::{NewRegistration, Registration};
use crate::db::sql::{Audit, db};
use crate::db::{AuditCtx, DepartmentFilter, Scope, StoreResult};
use crate::features::notifications::sql::outbox::queued_since;
use crate::features::notifications::sql::queue_mail_tx;
use crate::features::people::sql::{create_user_tx, insert_employee, load_employee};

pub(super) fn register(
    tx: &Sql<'_>,
    ctx: &AuditCtx,
    new: NewRegistration,
    now: Timestamp,
) -> StoreResult<Registration> {
    let org = new.employee.org_id;
    let pending: u32 = tx
        .query_row(
            "SELECT COUNT(*) FROM employees WHERE org_id = ?1 AND status = 'pending' AND deleted_at IS NULL",
            [org.to_string()],
            |r| r.get(0),
        )
        .map_err(db)?;
    if pending >= new.cap {
        return Ok(Registration::Full);
    }
    tx.execute_batch("SAVEPOINT registering").map_err(db)?;
    let employee_id = insert_employee(tx, new.employee)?;
    let holder: Option<(String, Option<String>)> = tx
        .query_row(
            "SELECT email, org_id FROM users WHERE lower(email) = lower(?1)",
            [&new.user.email],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db)?;
    if let Some((email, holder_org)) = holder {
        tx.execute_batch("ROLLBACK TO registering; RELEASE registering")
            .map_err(db)?;
        // One such mail an hour per inbox: the join code must not become a way to flood it.
        let hour_ago = now - SignedDuration::from_hours(1);
        if !queued_since(tx, &email, new.taken.kind, hour_ago)? {
            let holder_org = holder_org.and_then(|o| o.parse().ok());
            queue_mail_tx(tx, holder_org, &email, &new.taken, now)?;
        }
        return Ok(Registration::AddressTaken);
    }
    tx.execute_batch("RELEASE registering").map_err(db)?;
    let employee = load_employee(tx, Scope::All, &DepartmentFilter::Any, employee_id)?;
    Audit::new(ctx, Some(org), "register", "employee")
        .id(employee_id.to_string())
        .after(&employee)
        .write(tx)?;
    let mut user = new.user;
    user.employee_id = Some(employee_id);
    let to = user.email.clone();
    let user = create_user_tx(tx, ctx, user)?;
    queue_mail_tx(tx, Some(org), &to, &new.welcome, now)?;
    Ok(Registration::Created(user))
}
