//! Moving a whole database between the backends: `attend-server export FILE` writes the
//! configured database to a dump, `attend-server import FILE` loads a dump into the configured
//! database (SQLite → PostgreSQL and back). The tables and columns come from the source's own
//! catalogue, not from the stores, so whatever the schema holds moves, and nothing is
//! interpreted on the way.
//!
//! The dump is JSON Lines: a header (`attend_dump`, `schema_version`, `backend`), then per
//! table a `{"table", "columns"}` line followed by one JSON array per row, and an `end` line
//! with the counts. A cell is `null`, an integer, a string, `{"real": "…"}` (Rust's shortest
//! round-trip text) or `{"blob": "hex"}`; SQLite's storage classes, which the PostgreSQL schema
//! mirrors (`migrations/server-postgres/0022_baseline.sql`).
//!
//! Invariants:
//! - Export reads one snapshot (one read transaction), so a running server may keep writing.
//! - Import migrates the target first, refuses a dump of another schema version or a target that
//!   holds any row, and loads everything in one transaction with foreign keys checked at its
//!   commit (tables that refer to each other load in any order): a bad row, a dump cut short (no
//!   `end` line) or a broken reference leaves the target as it was.

mod postgres;
mod sqlite;

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::{Context as _, bail};
use serde_json::{Value as Json, json};

use crate::db::location::Database;

pub const FORMAT: u64 = 1;

/// One cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    fn to_json(&self) -> Json {
        match self {
            Self::Null => Json::Null,
            Self::Integer(i) => json!(i),
            Self::Real(f) => json!({ "real": format!("{f:?}") }),
            Self::Text(s) => json!(s),
            Self::Blob(b) => json!({ "blob": hex::encode(b) }),
        }
    }

    fn from_json(cell: &Json) -> Option<Self> {
        Some(match cell {
            Json::Null => Self::Null,
            Json::Number(n) => Self::Integer(n.as_i64()?),
            Json::String(s) => Self::Text(s.clone()),
            Json::Object(o) => match (o.get("real"), o.get("blob")) {
                (Some(Json::String(f)), None) => Self::Real(f.parse().ok()?),
                (None, Some(Json::String(b))) => Self::Blob(hex::decode(b).ok()?),
                _ => return None,
            },
            _ => return None,
        })
    }

    /// What kind of value, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Integer(_) => "integer",
            Self::Real(_) => "real",
            Self::Text(_) => "text",
            Self::Blob(_) => "blob",
        }
    }
}

/// Writes a dump.
#[derive(Debug)]
pub struct DumpWriter<W: Write> {
    out: W,
    tables: u64,
    rows: u64,
}

impl<W: Write> DumpWriter<W> {
    fn new(mut out: W, schema_version: i64, backend: &str) -> anyhow::Result<Self> {
        let header =
            json!({"attend_dump": FORMAT, "schema_version": schema_version, "backend": backend});
        writeln!(out, "{header}")?;
        Ok(Self {
            out,
            tables: 0,
            rows: 0,
        })
    }

    fn table(&mut self, name: &str, columns: &[String]) -> anyhow::Result<()> {
        self.tables += 1;
        writeln!(self.out, "{}", json!({"table": name, "columns": columns}))?;
        Ok(())
    }

    fn row(&mut self, row: &[Value]) -> anyhow::Result<()> {
        self.rows += 1;
        let cells: Vec<Json> = row.iter().map(Value::to_json).collect();
        writeln!(self.out, "{}", Json::Array(cells))?;
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<(u64, u64)> {
        let end = json!({"end": {"tables": self.tables, "rows": self.rows}});
        writeln!(self.out, "{end}")?;
        self.out.flush()?;
        Ok((self.tables, self.rows))
    }
}

/// One table of a dump, read whole (rows are loaded table by table).
#[derive(Debug)]
pub struct Table {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// Reads a dump: its schema version, then its tables one at a time.
#[derive(Debug)]
pub struct DumpReader<R: BufRead> {
    lines: std::io::Lines<R>,
    line: u64,
    pending: Option<(String, Vec<String>)>,
    ended: bool,
    pub schema_version: i64,
}

impl<R: BufRead> DumpReader<R> {
    fn new(input: R) -> anyhow::Result<Self> {
        let mut lines = input.lines();
        let first = lines.next().context("the dump is empty")??;
        let header: Json = serde_json::from_str(&first).context("line 1 is not JSON")?;
        if header["attend_dump"].as_u64() != Some(FORMAT) {
            bail!("line 1: not an Attend dump of format {FORMAT}");
        }
        let schema_version = header["schema_version"]
            .as_i64()
            .context("line 1: no schema_version")?;
        Ok(Self {
            lines,
            line: 1,
            pending: None,
            ended: false,
            schema_version,
        })
    }

    fn next_line(&mut self) -> anyhow::Result<Json> {
        self.line += 1;
        let text = self
            .lines
            .next()
            .context("the dump ends early (no end line): it was cut short")??;
        serde_json::from_str(&text).with_context(|| format!("line {}: not JSON", self.line))
    }

    /// The next table with all its rows, or `None` after the end line.
    pub fn next_table(&mut self) -> anyhow::Result<Option<Table>> {
        let (name, columns) = match self.pending.take() {
            Some(t) => t,
            None if self.ended => return Ok(None),
            None => match self.next_line()? {
                line if line.get("end").is_some() => {
                    self.ended = true;
                    return Ok(None);
                }
                line => table_line(&line).with_context(|| format!("line {}", self.line))?,
            },
        };
        let mut rows = Vec::new();
        loop {
            let line = self.next_line()?;
            match line {
                Json::Array(cells) => {
                    if cells.len() != columns.len() {
                        bail!(
                            "line {}: {} cells, table {name} has {} columns",
                            self.line,
                            cells.len(),
                            columns.len()
                        );
                    }
                    let row = cells
                        .iter()
                        .map(Value::from_json)
                        .collect::<Option<Vec<_>>>()
                        .with_context(|| format!("line {}: a cell is not a value", self.line))?;
                    rows.push(row);
                }
                line if line.get("end").is_some() => {
                    self.ended = true;
                    break;
                }
                line => {
                    self.pending =
                        Some(table_line(&line).with_context(|| format!("line {}", self.line))?);
                    break;
                }
            }
        }
        Ok(Some(Table {
            name,
            columns,
            rows,
        }))
    }
}

fn table_line(line: &Json) -> anyhow::Result<(String, Vec<String>)> {
    let name = line["table"].as_str().context("expected a table line")?;
    let columns = line["columns"]
        .as_array()
        .context("a table line without columns")?
        .iter()
        .map(|c| c.as_str().map(str::to_owned))
        .collect::<Option<Vec<_>>>()
        .context("a column name is not text")?;
    Ok((name.to_owned(), columns))
}

/// A name the catalogue gave, quoted for SQL.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"a", "b", …` for a SELECT or INSERT.
fn column_list(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| quoted(c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What an import checks before it writes: the dump's schema version is the target's.
fn same_version(dump: i64, target: i64) -> anyhow::Result<()> {
    if dump != target {
        bail!(
            "the dump is of schema version {dump}, this database of {target}: import it with \
             the attend-server that made it, then upgrade"
        );
    }
    Ok(())
}

/// ... the target's table holds no row.
fn empty(table: &str, rows: i64) -> anyhow::Result<()> {
    if rows > 0 {
        bail!("import needs an empty database: table {table} has {rows} rows");
    }
    Ok(())
}

/// ... and each of the dump's tables is the target's, column for column (`columns` as the
/// target's catalogue has them, `None` when it lacks the table).
fn same_columns(table: &Table, columns: Option<&Vec<String>>) -> anyhow::Result<()> {
    match columns {
        None => bail!("the dump has a table {} this database lacks", table.name),
        Some(columns) if *columns != table.columns => bail!(
            "table {}: the dump has columns {:?}, this database {columns:?}",
            table.name,
            table.columns
        ),
        Some(_) => Ok(()),
    }
}

/// Writes the configured database to `file`; `(tables, rows)`.
pub async fn export(database: &Database, file: &Path) -> anyhow::Result<(u64, u64)> {
    let out =
        std::fs::File::create(file).with_context(|| format!("creating {}", file.display()))?;
    let out = std::io::BufWriter::new(out);
    match database {
        Database::Sqlite(path) => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || sqlite::export(&path, out)).await?
        }
        Database::Postgres(url) => postgres::export(url, out).await,
    }
}

/// Loads `file` into the configured database (migrated first, and empty); `(tables, rows)`.
pub async fn import(database: &Database, file: &Path) -> anyhow::Result<(u64, u64)> {
    let input = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let reader = DumpReader::new(std::io::BufReader::new(input))
        .with_context(|| format!("reading {}", file.display()))?;
    match database {
        Database::Sqlite(path) => {
            crate::db::sqlite::migrate(path).context("migrating the target")?;
            let path = path.clone();
            tokio::task::spawn_blocking(move || sqlite::import(&path, reader)).await?
        }
        Database::Postgres(url) => {
            crate::db::postgres::migrate(url).await?;
            postgres::import(url, reader).await
        }
    }
}

#[cfg(test)]
mod tests;
