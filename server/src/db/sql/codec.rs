//! Column codecs and query plumbing: time and id encodings, row → record mapping, keyset pages,
//! and the one place that turns constraint violations into named conflicts.

use std::str::FromStr;

use attend_protocol::ids::OrgId;
use jiff::Timestamp;
use rusqlite::types::Type;
use uuid::Uuid;

use super::super::{Page, Paged, StoreError, StoreResult};
use super::handle::{Params, Row, Sql};

/// Fixed-width RFC 3339 (microseconds, `Z`) so that text order is time order.
pub(crate) fn ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn conversion(idx: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e))
}

pub(crate) fn get_ts(row: &Row<'_>, idx: usize) -> rusqlite::Result<Timestamp> {
    let text: String = row.get(idx)?;
    Timestamp::from_str(&text).map_err(|e| conversion(idx, e))
}

pub(crate) fn get_opt_ts(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<Timestamp>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| Timestamp::from_str(&t).map_err(|e| conversion(idx, e)))
        .transpose()
}

pub(crate) fn get_id<T: From<Uuid>>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    Uuid::parse_str(&text)
        .map(T::from)
        .map_err(|e| conversion(idx, e))
}

pub(crate) fn get_opt_id<T: From<Uuid>>(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| {
        Uuid::parse_str(&t)
            .map(T::from)
            .map_err(|e| conversion(idx, e))
    })
    .transpose()
}

pub(crate) fn get_enum<T>(
    row: &Row<'_>,
    idx: usize,
    parse: fn(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    parse(&text)
        .ok_or_else(|| conversion(idx, std::io::Error::other(format!("unknown value {text}"))))
}

pub(crate) fn get_json<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<T>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| conversion(idx, e)))
        .transpose()
}

/// Fields named by a unique rule, matched against SQLite's message ("UNIQUE constraint failed:
/// users.email") or PostgreSQL's constraint and key (see [`postgres_conflict`]).
const FIELDS: &[(&str, &str)] = &[
    ("users_email", "email"),
    ("users.email", "email"),
    ("employees_live_number", "employee_number"),
    (
        "employees.org_id, employees.employee_number",
        "employee_number",
    ),
    ("sites.org_id, sites.name", "name"),
    ("departments.org_id, departments.name", "name"),
    ("organisations.join_code", "join_code"),
    ("shifts.site_id, shifts.name", "name"),
    (
        "equipment.site_id, equipment.relay_channel",
        "relay_channel",
    ),
    ("equipment.site_id, equipment.name", "name"),
    (
        "equipment.site_id, equipment.code_fingerprint",
        "activation_code",
    ),
    ("qualifications.org_id, qualifications.name", "name"),
    ("leave_types.org_id, leave_types.name", "name"),
];

fn named_conflict(msg: &str) -> Option<StoreError> {
    FIELDS
        .iter()
        .find(|(needle, _)| msg.contains(needle))
        .map(|(_, field)| StoreError::Conflict { field })
}

/// A PostgreSQL unique violation in SQLite's words: the constraint's name, then the key's
/// columns as `table.column, table.column` (from the detail "Key (org_id, name)=(…) …").
fn postgres_conflict(e: &tokio_postgres::Error) -> Option<StoreError> {
    let err = e.as_db_error()?;
    if *err.code() != tokio_postgres::error::SqlState::UNIQUE_VIOLATION {
        return None;
    }
    let table = err.table().unwrap_or_default();
    let columns = err
        .detail()
        .and_then(|d| d.strip_prefix("Key ("))
        .and_then(|d| d.split_once(")="))
        .map(|(cols, _)| cols)
        .unwrap_or_default();
    let qualified: Vec<String> = columns
        .split(", ")
        .map(|c| format!("{table}.{c}"))
        .collect();
    named_conflict(&format!(
        "{} {}",
        err.constraint().unwrap_or_default(),
        qualified.join(", ")
    ))
}

/// Maps this layer's error (see [`super::handle`]); unique-constraint failures become
/// [`StoreError::Conflict`] naming the field, so no handler has to know either backend's wording.
pub(crate) fn db(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(err, Some(msg)) = &e
        && err.code == rusqlite::ErrorCode::ConstraintViolation
        && let Some(conflict) = named_conflict(msg)
    {
        return conflict;
    }
    if let rusqlite::Error::SqliteFailure(err, _) = &e
        && matches!(
            err.code,
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
        )
    {
        // The busy timeout ran out behind other writers: come back, not a failure.
        return StoreError::Busy("the database stayed locked by other writers");
    }
    match e {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
        rusqlite::Error::ToSqlConversionFailure(inner) => {
            let conflict = match inner.downcast_ref::<super::handle::PgFailure>() {
                Some(failure) => postgres_conflict(&failure.error),
                None => inner.downcast_ref().and_then(postgres_conflict),
            };
            let pg = inner.is::<super::handle::PgFailure>() || inner.is::<tokio_postgres::Error>();
            match conflict {
                Some(conflict) => conflict,
                None if pg => StoreError::Backend(inner),
                None => {
                    StoreError::Backend(Box::new(rusqlite::Error::ToSqlConversionFailure(inner)))
                }
            }
        }
        other => StoreError::Backend(Box::new(other)),
    }
}

/// Runs a (cached) query and maps every row; the shape of every list query.
pub(crate) fn query_rows<T>(
    c: &Sql<'_>,
    sql: &str,
    params: impl Params,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Vec<T>> {
    c.query_map(sql, params, map).map_err(db)
}

/// Parameters for a keyset page: the `after` key and `limit + 1` (to learn if more exist).
pub(crate) fn page_params(page: &Page) -> (Option<String>, i64) {
    (page.after.clone(), i64::from(page.limit) + 1)
}

/// Cuts the extra row fetched by [`page_params`] and derives `next` from the last kept row.
pub(crate) fn paged<T>(mut items: Vec<T>, page: &Page, key: impl Fn(&T) -> String) -> Paged<T> {
    let limit = page.limit as usize;
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(key)
    } else {
        None
    };
    Paged { items, next }
}

pub(crate) fn opt_org(org: Option<OrgId>) -> Option<String> {
    org.map(|o| o.to_string())
}

pub(crate) fn new_id<T: From<Uuid>>() -> T {
    T::from(Uuid::now_v7())
}

/// Any error as the backend's failure (an internal error for the caller).
pub(crate) fn backend(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend(Box::new(e))
}

/// A `YYYY-MM-DD` column as a civil date.
pub(crate) fn get_date(row: &Row<'_>, idx: usize) -> rusqlite::Result<jiff::civil::Date> {
    let text: String = row.get(idx)?;
    text.parse().map_err(|e: jiff::Error| conversion(idx, e))
}
