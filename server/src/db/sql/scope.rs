//! The filters every scoped query applies: the caller's organisation ([`Scope`]) and, for a
//! manager, their departments ([`DepartmentFilter`]); and the reference checks a write makes
//! before it links rows (the organisation exists, a site or department is the same tenant's).

use crate::db::sql::{OptionalExtension, Row, Sql, params};
use attend_protocol::ids::{EmployeeId, OrgId, SiteId};
use attend_protocol::roster::ConsentState;

use super::super::{DepartmentFilter, Scope, StoreError, StoreResult};
use super::codec::{db, get_enum, get_id, opt_org};

/// `NULL` for "any department", else a JSON array for `json_each`.
pub(crate) fn dept_param(depts: &DepartmentFilter) -> Option<String> {
    match depts {
        DepartmentFilter::Any => None,
        DepartmentFilter::Only(ids) => Some(
            serde_json::Value::from(ids.iter().map(ToString::to_string).collect::<Vec<_>>())
                .to_string(),
        ),
    }
}

/// What other features need to know about an employee they act on.
#[derive(Clone, Debug)]
pub(crate) struct EmployeeInScope {
    pub(crate) id: EmployeeId,
    pub(crate) org_id: OrgId,
    pub(crate) consent: ConsentState,
}

fn parse_consent(text: &str) -> Option<ConsentState> {
    match text {
        "not_asked" => Some(ConsentState::NotAsked),
        "granted" => Some(ConsentState::Granted),
        "withdrawn" => Some(ConsentState::Withdrawn),
        _ => None,
    }
}

/// The live (not deleted) employee `id` if the caller may see it; otherwise not found, exactly
/// as if it did not exist.
pub(crate) fn employee_in_scope(
    c: &Sql<'_>,
    scope: Scope,
    depts: &DepartmentFilter,
    id: EmployeeId,
) -> StoreResult<EmployeeInScope> {
    c.query_row(
        "SELECT id, org_id, consent FROM employees
         WHERE id = ?1 AND deleted_at IS NULL AND (?2 IS NULL OR org_id = ?2)
           AND (?3 IS NULL OR department_id IN (SELECT value FROM json_each(?3)))",
        params![id.to_string(), opt_org(scope.org()), dept_param(depts)],
        |r| {
            Ok(EmployeeInScope {
                id: get_id(r, 0)?,
                org_id: get_id(r, 1)?,
                consent: get_enum(r, 2, parse_consent)?,
            })
        },
    )
    .map_err(db)
}

/// Fails with `BadReference { field }` unless row `id` of `table` belongs to `org` (nothing to
/// check when no id is given).
pub(crate) fn require_in_org(
    c: &Sql<'_>,
    table: &str,
    field: &'static str,
    id: Option<String>,
    org: OrgId,
) -> StoreResult<()> {
    let Some(id) = id else { return Ok(()) };
    let found: Option<i64> = c
        .query_row(
            &format!("SELECT 1 FROM {table} WHERE id = ?1 AND org_id = ?2"),
            params![id, org.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    found.map(|_| ()).ok_or(StoreError::BadReference { field })
}

/// Fails with `BadReference { field: "org_id" }` unless the organisation exists.
pub(crate) fn require_org(c: &Sql<'_>, org: OrgId) -> StoreResult<()> {
    let found: Option<i64> = c
        .query_row(
            "SELECT 1 FROM organisations WHERE id = ?1",
            [org.to_string()],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    found
        .map(|_| ())
        .ok_or(StoreError::BadReference { field: "org_id" })
}

/// Fails with not found unless `org` is visible in `scope`.
pub(crate) fn org_in_scope(scope: Scope, org: OrgId) -> StoreResult<()> {
    if scope.allows(org) {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// A scoped keyset listing: `SELECT {select} FROM {from} WHERE {live}`, narrowed to the caller's
/// organisation (and departments, when `dept_col` is set) and to optional equality filters,
/// ordered by `key_col` and cut into pages. Every paged list in the server is one of these.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScopedList<'a> {
    pub(crate) select: &'a str,
    pub(crate) from: &'a str,
    /// Always-true conditions of the listing itself (`deleted_at IS NULL`), or `1 = 1`.
    pub(crate) live: &'a str,
    pub(crate) org_col: &'a str,
    pub(crate) dept_col: Option<&'a str>,
    pub(crate) key_col: &'a str,
}

impl ScopedList<'_> {
    /// One page; `filters` pairs a column with an optional value (absent: no filter).
    #[allow(clippy::too_many_arguments)] // the scope, the filters, the page and the row codec
    pub(crate) fn page<T>(
        &self,
        c: &Sql<'_>,
        scope: Scope,
        depts: &DepartmentFilter,
        filters: &[(&str, Option<String>)],
        page: &super::super::Page,
        row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
        key: impl Fn(&T) -> String,
    ) -> StoreResult<super::super::Paged<T>> {
        use std::fmt::Write as _;
        let mut sql = format!(
            "SELECT {} FROM {} WHERE {} AND (?1 IS NULL OR {} = ?1)",
            self.select, self.from, self.live, self.org_col
        );
        let mut values: Vec<Option<String>> = vec![opt_org(scope.org())];
        if let Some(col) = self.dept_col {
            values.push(dept_param(depts));
            let n = values.len();
            let _ = write!(
                sql,
                " AND (?{n} IS NULL OR {col} IN (SELECT value FROM json_each(?{n})))"
            );
        }
        for (col, value) in filters {
            values.push(value.clone());
            let n = values.len();
            let _ = write!(sql, " AND (?{n} IS NULL OR {col} = ?{n})");
        }
        let (after, limit) = super::codec::page_params(page);
        values.push(after);
        let n = values.len();
        let _ = write!(
            sql,
            " AND (?{n} IS NULL OR {key} > ?{n}) ORDER BY {key} LIMIT ?{m}",
            key = self.key_col,
            m = n + 1
        );
        let mut params: Vec<&dyn rusqlite::ToSql> =
            values.iter().map(|v| v as &dyn rusqlite::ToSql).collect();
        params.push(&limit);
        let rows = super::codec::query_rows(c, &sql, params.as_slice(), row)?;
        Ok(super::codec::paged(rows, page, key))
    }
}

impl super::SqlDb {
    /// One page of a [`ScopedList`], read on a pooled reader.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn scoped_page<T: Send + 'static>(
        &self,
        list: ScopedList<'static>,
        scope: Scope,
        depts: &DepartmentFilter,
        filters: Vec<(&'static str, Option<String>)>,
        page: &super::super::Page,
        row: fn(&Row<'_>) -> rusqlite::Result<T>,
        key: fn(&T) -> String,
    ) -> StoreResult<super::super::Paged<T>> {
        let (depts, page) = (depts.clone(), page.clone());
        self.read(move |c| list.page(c, scope, &depts, &filters, &page, row, key))
            .await
    }
}

/// The site's organisation and zone, if the site is in scope.
pub(crate) fn site_in_scope(
    c: &Sql<'_>,
    scope: Scope,
    site: SiteId,
) -> StoreResult<(OrgId, String)> {
    c.query_row(
        "SELECT org_id, timezone FROM sites WHERE id = ?1 AND (?2 IS NULL OR org_id = ?2)",
        params![site.to_string(), opt_org(scope.org())],
        |r| Ok((get_id(r, 0)?, r.get(1)?)),
    )
    .optional()
    .map_err(db)?
    .ok_or(StoreError::NotFound)
}
