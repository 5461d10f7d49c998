//! [`Sql`], what a store's statements run on inside one call, whichever the backend; [`Row`],
//! one result row; [`Params`], what a statement's parameters may be given as.
//!
//! The value model is SQLite's five storage classes (rusqlite's `Value`): NULL, INTEGER, REAL,
//! TEXT and BLOB. The PostgreSQL schema stores exactly these (BIGINT, DOUBLE PRECISION, TEXT,
//! BYTEA), so a store's parameters and row codecs are the same code on both backends, and
//! rusqlite's `ToSql`/`FromSql` and its error type are this layer's lingua franca: a
//! PostgreSQL failure travels as `rusqlite::Error::ToSqlConversionFailure` holding the
//! `tokio_postgres::Error`, which [`super::codec::db`] unwraps.
//!
//! On PostgreSQL a statement's text is translated once per call ([`super::dialect`]) and
//! prepared through the connection's statement cache; the call runs on a blocking thread that
//! waits for each round trip, so a store's code stays the same straight-line code as on SQLite.

use rusqlite::ToSql;
use rusqlite::types::{FromSql, FromSqlError, Value, ValueRef};

use super::dialect;
use super::postgres_values::{self, Cell, Param};

/// Which SQL a statement is written for, when a store must say something differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// One open transaction (a write) or connection (a read) of either backend.
pub struct Sql<'a>(Conn<'a>);

impl std::fmt::Debug for Sql<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sql({:?})", self.dialect())
    }
}

enum Conn<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(&'a PgTx<'a>),
}

/// A PostgreSQL transaction and the runtime its round trips are awaited on.
pub(crate) struct PgTx<'a> {
    pub(crate) tx: deadpool_postgres::Transaction<'a>,
    pub(crate) rt: tokio::runtime::Handle,
}

/// A statement's parameters: `rusqlite::params![..]`, an array or slice of values, or `()`.
pub trait Params {
    fn refs(&self) -> Vec<&dyn ToSql>;
}

impl Params for () {
    fn refs(&self) -> Vec<&dyn ToSql> {
        Vec::new()
    }
}

impl<T: ToSql> Params for &[T] {
    fn refs(&self) -> Vec<&dyn ToSql> {
        self.iter().map(|v| v as &dyn ToSql).collect()
    }
}

impl<T: ToSql, const N: usize> Params for [T; N] {
    fn refs(&self) -> Vec<&dyn ToSql> {
        self.iter().map(|v| v as &dyn ToSql).collect()
    }
}

impl<T: ToSql, const N: usize> Params for &[T; N] {
    fn refs(&self) -> Vec<&dyn ToSql> {
        self.iter().map(|v| v as &dyn ToSql).collect()
    }
}

impl<T: ToSql> Params for Vec<T> {
    fn refs(&self) -> Vec<&dyn ToSql> {
        self.iter().map(|v| v as &dyn ToSql).collect()
    }
}

/// A PostgreSQL failure as this layer's error (see the module doc).
pub(crate) fn pg_error(e: tokio_postgres::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

/// A failed statement's error, with the start of its text, for the log of an internal error.
#[derive(Debug)]
pub struct PgFailure {
    pub error: tokio_postgres::Error,
    pub statement: String,
}

impl std::fmt::Display for PgFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.error.as_db_error() {
            Some(db) => write!(f, "PostgreSQL: {} (in {})", db.message(), self.statement),
            None => write!(f, "PostgreSQL: {} (in {})", self.error, self.statement),
        }
    }
}

impl std::error::Error for PgFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// [`pg_error`] naming the statement that failed.
fn failed_in(sql: &str) -> impl Fn(tokio_postgres::Error) -> rusqlite::Error + '_ {
    move |error| {
        let statement = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        let statement = statement.chars().take(160).collect();
        rusqlite::Error::ToSqlConversionFailure(Box::new(PgFailure { error, statement }))
    }
}

impl<'a> Sql<'a> {
    pub(crate) fn sqlite(conn: &'a rusqlite::Connection) -> Self {
        Self(Conn::Sqlite(conn))
    }

    pub(crate) fn postgres(tx: &'a PgTx<'a>) -> Self {
        Self(Conn::Postgres(tx))
    }

    pub fn dialect(&self) -> Dialect {
        match self.0 {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Postgres(_) => Dialect::Postgres,
        }
    }

    /// ` FOR UPDATE SKIP LOCKED` on PostgreSQL, to end a subquery that picks queued rows to
    /// claim ([`super::SqlDb::claim`]); nothing on SQLite, whose one writer claims alone.
    pub fn skip_locked(&self) -> &'static str {
        match self.dialect() {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Runs a statement; how many rows it changed.
    pub fn execute(&self, sql: &str, params: impl Params) -> rusqlite::Result<usize> {
        match &self.0 {
            Conn::Sqlite(c) => c
                .prepare_cached(sql)?
                .execute(rusqlite::params_from_iter(params.refs())),
            Conn::Postgres(pg) => {
                let (stmt, values) = pg.prepare(sql, &params)?;
                let refs = Param::refs(&values);
                let n = pg
                    .rt
                    .block_on(pg.tx.execute(&stmt, &refs))
                    .map_err(failed_in(sql))?;
                Ok(usize::try_from(n).unwrap_or(usize::MAX))
            }
        }
    }

    /// Runs several statements without parameters (savepoints, set-up).
    pub fn execute_batch(&self, sql: &str) -> rusqlite::Result<()> {
        match &self.0 {
            Conn::Sqlite(c) => c.execute_batch(sql),
            Conn::Postgres(pg) => pg
                .rt
                .block_on(pg.tx.batch_execute(sql))
                .map_err(failed_in(sql)),
        }
    }

    /// The first row mapped by `f`; `QueryReturnedNoRows` when there is none.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        match &self.0 {
            Conn::Sqlite(c) => c
                .prepare_cached(sql)?
                .query_row(rusqlite::params_from_iter(params.refs()), |r| {
                    f(&Row(RowOf::Sqlite(r)))
                }),
            Conn::Postgres(pg) => {
                let (names, rows) = pg.query(sql, &params)?;
                let first = rows.first().ok_or(rusqlite::Error::QueryReturnedNoRows)?;
                f(&Row(RowOf::Postgres(first, &names)))
            }
        }
    }

    /// Every row, each mapped by `f`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<Vec<T>> {
        match &self.0 {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let rows = stmt.query_map(rusqlite::params_from_iter(params.refs()), |r| {
                    f(&Row(RowOf::Sqlite(r)))
                })?;
                rows.collect()
            }
            Conn::Postgres(pg) => {
                let (names, rows) = pg.query(sql, &params)?;
                rows.iter()
                    .map(|cells| f(&Row(RowOf::Postgres(cells, &names))))
                    .collect()
            }
        }
    }
}

impl PgTx<'_> {
    fn prepare(
        &self,
        sql: &str,
        params: &impl Params,
    ) -> rusqlite::Result<(tokio_postgres::Statement, Vec<Param>)> {
        let text = dialect::to_postgres(sql);
        let values = params
            .refs()
            .into_iter()
            .map(|p| Param::of(p.to_sql()?))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let stmt =
            postgres_values::prepare(&self.rt, &self.tx, &text, &values).map_err(failed_in(sql))?;
        if stmt.params().len() != values.len() {
            return Err(rusqlite::Error::InvalidParameterCount(
                values.len(),
                stmt.params().len(),
            ));
        }
        Ok((stmt, values))
    }

    /// The column names and every row, as SQLite values.
    fn query(
        &self,
        sql: &str,
        params: &impl Params,
    ) -> rusqlite::Result<(Vec<String>, Vec<Vec<Value>>)> {
        let (stmt, values) = self.prepare(sql, params)?;
        let names = stmt.columns().iter().map(|c| c.name().to_owned()).collect();
        let refs = Param::refs(&values);
        let rows = self
            .rt
            .block_on(self.tx.query(&stmt, &refs))
            .map_err(failed_in(sql))?;
        let rows = rows
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| row.try_get::<_, Cell>(i).map(|c| c.0).map_err(pg_error))
                    .collect()
            })
            .collect::<rusqlite::Result<_>>()?;
        Ok((names, rows))
    }
}

/// One result row.
pub struct Row<'a>(RowOf<'a>);

impl std::fmt::Debug for Row<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Row")
    }
}

enum RowOf<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    /// The row's values and the statement's column names.
    Postgres(&'a [Value], &'a [String]),
}

/// A column by position or by name (as rusqlite's `Row::get` takes it).
pub trait ColumnIndex {
    fn position(&self, row: &Row<'_>) -> rusqlite::Result<usize>;
}

impl ColumnIndex for usize {
    fn position(&self, _: &Row<'_>) -> rusqlite::Result<usize> {
        Ok(*self)
    }
}

impl ColumnIndex for &str {
    fn position(&self, row: &Row<'_>) -> rusqlite::Result<usize> {
        match &row.0 {
            RowOf::Sqlite(r) => r.as_ref().column_index(self),
            RowOf::Postgres(_, names) => names
                .iter()
                .position(|n| n == self)
                .ok_or_else(|| rusqlite::Error::InvalidColumnName((*self).to_owned())),
        }
    }
}

impl Row<'_> {
    /// Column `idx` as a `T`, with rusqlite's conversions and errors on both backends.
    pub fn get<I: ColumnIndex, T: FromSql>(&self, idx: I) -> rusqlite::Result<T> {
        let idx = idx.position(self)?;
        match &self.0 {
            RowOf::Sqlite(r) => r.get(idx),
            RowOf::Postgres(cells, _) => {
                let value = cells
                    .get(idx)
                    .ok_or(rusqlite::Error::InvalidColumnIndex(idx))?;
                T::column_result(ValueRef::from(value)).map_err(|e| from_sql_error(idx, value, e))
            }
        }
    }
}

/// What rusqlite's own `Row::get` makes of a failed conversion.
fn from_sql_error(idx: usize, value: &Value, e: FromSqlError) -> rusqlite::Error {
    let ty = value.data_type();
    match e {
        FromSqlError::InvalidType => rusqlite::Error::InvalidColumnType(idx, idx.to_string(), ty),
        FromSqlError::OutOfRange(i) => rusqlite::Error::IntegralValueOutOfRange(idx, i),
        FromSqlError::Other(err) => rusqlite::Error::FromSqlConversionFailure(idx, ty, err),
        other => rusqlite::Error::FromSqlConversionFailure(idx, ty, Box::new(other)),
    }
}

/// A row read straight into a tuple of columns (`Row::try_into`), as rusqlite offers.
macro_rules! tuple_from_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: FromSql),+> TryFrom<&Row<'_>> for ($($t,)+) {
            type Error = rusqlite::Error;
            fn try_from(row: &Row<'_>) -> rusqlite::Result<Self> {
                Ok(($(row.get::<_, $t>($i)?,)+))
            }
        }
    };
}

tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
