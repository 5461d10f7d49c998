//! Requests on SQLite: recording a decision is one guarded update, so a decision taken on a
//! state that changed meanwhile (two reviewers at once) writes nothing; [`RequestTable`] holds
//! the queries every kind of request shares (one, the queue, a recorded step with its audit),
//! and [`SqliteRequest`] turns them into the desk's [`RequestStore`] for each kind.

use crate::db::sql::{Row, Sql, params, race_hooks};
use async_trait::async_trait;
use attend_protocol::ids::EmployeeId;

use super::requests::{Asked, Request, RequestStore};
use super::{ApprovalStatus, Recorded, Review};
use crate::db::sql::{
    Audit, EmployeeInScope, SqlDb, db, dept_param, employee_in_scope, get_enum, get_opt_id,
    get_opt_ts, get_ts, opt_org, page_params, paged, query_rows, ts,
};
use crate::db::{AuditCtx, DepartmentFilter, Page, Paged, Scope, StoreError, StoreResult};

/// Where a kind of request keeps its decision.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DecisionColumns {
    /// What the refusal calls it: "leave request", "correction".
    pub(crate) what: &'static str,
    pub(crate) table: &'static str,
    pub(crate) key: &'static str,
    /// The reviewer level it needs, when the kind has levels.
    pub(crate) level: Option<&'static str>,
    pub(crate) reason: &'static str,
}

/// Records `step` on its request: the new stage and level, the reason (kept when none is
/// given), and who decided and when once it leaves `pending`. Refused when the stored state is
/// not the one the step was decided on.
pub(crate) fn record_decision<Id: std::fmt::Display>(
    tx: &Sql<'_>,
    columns: DecisionColumns,
    step: &Recorded<Id>,
    ctx: &AuditCtx,
) -> StoreResult<()> {
    let DecisionColumns {
        what,
        table,
        key,
        level,
        reason,
    } = columns;
    let (set_level, same_level) = match level {
        Some(col) => (format!(", {col} = ?4"), format!(" AND {col} = ?8")),
        // ?4 and ?8 go unused; SQLite numbers parameters by their largest index.
        None => (String::new(), String::new()),
    };
    race_hooks::pause(race_hooks::Point::DecisionCheck);
    let changed = tx
        .execute(
            &format!(
                "UPDATE {table} SET status = ?3{set_level}, {reason} = COALESCE(?5, {reason}),
                        decided_at = CASE WHEN ?6 THEN ?7 ELSE decided_at END,
                        decided_by = CASE WHEN ?6 THEN ?9 ELSE decided_by END
                 WHERE {key} = ?1 AND status = ?2{same_level}"
            ),
            params![
                step.id.to_string(),
                step.before.stage.as_str(),
                step.after.stage.as_str(),
                step.after.level,
                step.reason,
                step.decided(),
                ts(jiff::Timestamp::now()),
                step.before.level,
                ctx.actor.id()
            ],
        )
        .map_err(db)?;
    if changed == 0 {
        return Err(StoreError::State(format!(
            "the {what} changed meanwhile; reload and try again"
        )));
    }
    Ok(())
}

/// A kind of request's table, as the shared queries read it: its columns with the review's
/// last (see [`review_row`]), its `FROM` joined to `employees e` (the department filter reads
/// `e.department_id`), the column that orders it newest first, where its decision is kept, and
/// what the audit log calls it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RequestTable {
    pub(crate) select: &'static str,
    pub(crate) from: &'static str,
    /// The request table's alias in `select` and `from`.
    pub(crate) alias: &'static str,
    pub(crate) newest_first_by: &'static str,
    pub(crate) decisions: DecisionColumns,
    pub(crate) audit_entity: &'static str,
}

/// The review's columns as [`review_row`] reads them, after the `alias.` of their table.
pub(crate) const REVIEW_COLS: [&str; 7] = [
    "status",
    "required_level",
    "decision_reason",
    "created_at",
    "decided_at",
    "decided_by",
    "created_by",
];

/// The review, from [`REVIEW_COLS`] starting at column `first`.
pub(crate) fn review_row(r: &Row<'_>, first: usize) -> rusqlite::Result<Review> {
    Ok(Review {
        status: get_enum(r, first, ApprovalStatus::parse)?,
        required_level: r.get(first + 1)?,
        decision_reason: r.get(first + 2)?,
        created_at: get_ts(r, first + 3)?,
        decided_at: get_opt_ts(r, first + 4)?,
        decided_by: get_opt_id(r, first + 5)?,
        filed_by: get_opt_id(r, first + 6)?,
    })
}

impl RequestTable {
    /// `SELECT` the kind's columns, the review's, then `extra` (`""` or `", expr AS name"`).
    fn query(&self, extra: &str, filters: &str, tail: &str) -> String {
        let a = self.alias;
        let review: Vec<String> = REVIEW_COLS.iter().map(|c| format!("{a}.{c}")).collect();
        format!(
            "SELECT {}, {}{extra} FROM {} WHERE (?1 IS NULL OR {a}.org_id = ?1)
               AND (?2 IS NULL OR e.department_id IN (SELECT value FROM json_each(?2))) {filters} {tail}",
            self.select,
            review.join(", "),
            self.from
        )
    }

    /// One request in scope.
    pub(crate) fn get<T>(
        &self,
        c: &Sql<'_>,
        scope: Scope,
        depts: &DepartmentFilter,
        id: &str,
        row: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> StoreResult<T> {
        let sql = self.query("", &format!("AND {}.id = ?3", self.alias), "");
        c.query_row(
            &sql,
            params![opt_org(scope.org()), dept_param(depts), id],
            row,
        )
        .map_err(db)
    }

    /// One page of requests in scope, newest first (ties by id, newest first too); optionally
    /// one employee's, one status. The page key is the row's `newest_first_by` value and id,
    /// as `{value}_{id}` (neither holds a `_`), so a page needs no other row to find its place.
    #[allow(clippy::too_many_arguments)] // the scope, the filters, the page and the row codec
    pub(crate) fn list<T>(
        &self,
        c: &Sql<'_>,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: Option<EmployeeId>,
        status: Option<ApprovalStatus>,
        page: &Page,
        row: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> StoreResult<Paged<T>> {
        let (a, by) = (self.alias, self.newest_first_by);
        let filters = format!(
            "AND (?3 IS NULL OR {a}.employee_id = ?3) AND (?4 IS NULL OR {a}.status = ?4)
             AND (?5 IS NULL OR ({by}, {a}.id) < (?5, ?6))"
        );
        let sql = self.query(
            &format!(", {by} || '_' || {a}.id AS page_key"),
            &filters,
            &format!("ORDER BY {by} DESC, {a}.id DESC LIMIT ?7"),
        );
        let (_, limit) = page_params(page);
        // A key without `_` is none this list gave out: it places the page by its value alone.
        let (after_value, after_id) = match page.after.as_deref().map(|k| (k, k.rsplit_once('_'))) {
            Some((_, Some((value, id)))) => (Some(value.to_owned()), id.to_owned()),
            Some((key, None)) => (Some(key.to_owned()), String::new()),
            None => (None, String::new()),
        };
        let params = params![
            opt_org(scope.org()),
            dept_param(depts),
            employee.map(|e| e.to_string()),
            status.map(ApprovalStatus::as_str),
            after_value,
            after_id,
            limit
        ];
        let rows = query_rows(c, &sql, params, |r| {
            Ok((row(r)?, r.get::<_, String>("page_key")?))
        })?;
        let Paged { items, next } = paged(rows, page, |(_, key)| key.clone());
        Ok(Paged {
            items: items.into_iter().map(|(item, _)| item).collect(),
            next,
        })
    }

    /// Records `step` on its request with its audit row, after `check` accepts the request
    /// as it was; the request as it is afterwards.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record<T: serde::Serialize, Id: std::fmt::Display>(
        &self,
        tx: &Sql<'_>,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        step: &Recorded<Id>,
        row: fn(&Row<'_>) -> rusqlite::Result<T>,
        org_of: fn(&T) -> attend_protocol::ids::OrgId,
        check: impl FnOnce(&T) -> StoreResult<()>,
    ) -> StoreResult<T> {
        let id = step.id.to_string();
        let before = self.get(tx, scope, depts, &id, row)?;
        check(&before)?;
        record_decision(tx, self.decisions, step, ctx)?;
        let after = self.get(tx, scope, depts, &id, row)?;
        Audit::new(
            ctx,
            Some(org_of(&before)),
            step.step.as_str(),
            self.audit_entity,
        )
        .id(&id)
        .before(&before)
        .after(&after)
        .write(tx)?;
        Ok(after)
    }
}

/// A kind of request as SQLite keeps it: its table, its row, and what must hold before a step
/// is recorded (checked in the step's transaction).
/// Where a new request is filed: its transaction, who files it, and for whom (in scope).
pub(crate) struct Filing<'a> {
    pub(crate) tx: &'a Sql<'a>,
    pub(crate) ctx: &'a AuditCtx,
    pub(crate) person: EmployeeInScope,
}

pub(crate) trait SqliteRequest: Request + Sized {
    const TABLE: RequestTable;
    const ROW: fn(&Row<'_>) -> rusqlite::Result<Self>;
    /// Inserts a new pending request once the kind's rules let it; its id.
    fn insert(at: &Filing<'_>, new: <Self::Asked as Asked>::New) -> StoreResult<String>;
    fn check_step(_tx: &Sql<'_>, _before: &Self, _step: &Recorded<Self::Id>) -> StoreResult<()> {
        Ok(())
    }
}

#[async_trait]
impl<R: SqliteRequest> RequestStore<R> for SqlDb {
    async fn file(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: EmployeeId,
        new: <R::Asked as Asked>::New,
    ) -> StoreResult<R> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let person = employee_in_scope(tx, scope, &depts, employee)?;
            let org = person.org_id;
            let id = R::insert(
                &Filing {
                    tx,
                    ctx: &ctx,
                    person,
                },
                new.clone(),
            )?;
            let created = R::TABLE.get(tx, scope, &depts, &id, R::ROW)?;
            Audit::new(&ctx, Some(org), "request", R::TABLE.audit_entity)
                .id(&id)
                .after(&created)
                .write(tx)?;
            Ok(created)
        })
        .await
    }

    async fn requests(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        employee: Option<EmployeeId>,
        status: Option<ApprovalStatus>,
        page: &Page,
    ) -> StoreResult<Paged<R>> {
        let (depts, page) = (depts.clone(), page.clone());
        self.read(move |c| {
            // One employee's requests: an employee the caller may not see is not found, as
            // on every other route that names an employee (not an empty list).
            if let Some(id) = employee {
                employee_in_scope(c, scope, &depts, id)?;
            }
            R::TABLE.list(c, scope, &depts, employee, status, &page, R::ROW)
        })
        .await
    }

    async fn one(&self, scope: Scope, depts: &DepartmentFilter, id: R::Id) -> StoreResult<R> {
        let depts = depts.clone();
        self.read(move |c| R::TABLE.get(c, scope, &depts, &id.to_string(), R::ROW))
            .await
    }

    async fn record_step(
        &self,
        ctx: &AuditCtx,
        scope: Scope,
        depts: &DepartmentFilter,
        step: Recorded<R::Id>,
    ) -> StoreResult<R> {
        let (ctx, depts) = (ctx.clone(), depts.clone());
        self.write(move |tx| {
            let check = |before: &R| R::check_step(tx, before, &step);
            R::TABLE.record(tx, &ctx, scope, &depts, &step, R::ROW, R::org, check)
        })
        .await
    }
}
