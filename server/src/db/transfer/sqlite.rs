//! The SQLite side of a move: tables in creation order from `sqlite_master`, columns from
//! `PRAGMA table_info`, rows by primary key.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::Context as _;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};

use super::{
    DumpReader, DumpWriter, Value, column_list, empty, quoted, same_columns, same_version,
};

/// Every table (not SQLite's own) with its columns and its ordering, in creation order.
fn tables(db: &Connection) -> anyhow::Result<Vec<(String, Vec<String>, String)>> {
    let names: Vec<String> = db
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             ORDER BY rowid",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    names
        .into_iter()
        .map(|name| {
            let mut stmt = db.prepare(&format!("PRAGMA table_info({})", quoted(&name)))?;
            let cols: Vec<(String, i64)> = stmt
                .query_map([], |r| Ok((r.get(1)?, r.get(5)?)))?
                .collect::<Result<_, _>>()?;
            let mut key: Vec<&(String, i64)> = cols.iter().filter(|c| c.1 > 0).collect();
            key.sort_by_key(|c| c.1);
            let order = if key.is_empty() {
                "rowid".to_owned()
            } else {
                key.iter()
                    .map(|c| quoted(&c.0))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            Ok((name, cols.into_iter().map(|c| c.0).collect(), order))
        })
        .collect()
}

pub fn export(path: &Path, out: impl Write) -> anyhow::Result<(u64, u64)> {
    let mut db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", path.display()))?;
    // One snapshot for the whole dump.
    let tx = db.transaction()?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let mut dump = DumpWriter::new(out, version, "sqlite")?;
    for (name, columns, order) in tables(&tx)? {
        dump.table(&name, &columns)?;
        let list = column_list(&columns);
        let mut stmt = tx.prepare(&format!(
            "SELECT {list} FROM {} ORDER BY {order}",
            quoted(&name)
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let cells = (0..columns.len())
                .map(|i| {
                    Ok(match row.get_ref(i)? {
                        ValueRef::Null => Value::Null,
                        ValueRef::Integer(v) => Value::Integer(v),
                        ValueRef::Real(v) => Value::Real(v),
                        ValueRef::Text(t) => Value::Text(String::from_utf8(t.to_vec())?),
                        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()
                .with_context(|| format!("reading a row of {name}"))?;
            dump.row(&cells)?;
        }
    }
    let counts = dump.finish()?;
    tx.commit()?;
    Ok(counts)
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Self::Null => ValueRef::Null,
            Self::Integer(v) => ValueRef::Integer(*v),
            Self::Real(v) => ValueRef::Real(*v),
            Self::Text(s) => ValueRef::Text(s.as_bytes()),
            Self::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

pub fn import(path: &Path, mut dump: DumpReader<impl BufRead>) -> anyhow::Result<(u64, u64)> {
    let mut db = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
    db.pragma_update(None, "foreign_keys", true)?;
    let version: i64 = db.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    same_version(dump.schema_version, version)?;
    let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Foreign keys checked at commit: employees and users refer to each other.
    tx.pragma_update(None, "defer_foreign_keys", true)?;
    let known = tables(&tx)?;
    for (name, ..) in &known {
        let rows: i64 =
            tx.query_row(&format!("SELECT count(*) FROM {}", quoted(name)), [], |r| {
                r.get(0)
            })?;
        empty(name, rows)?;
    }
    let (mut tables, mut rows) = (0, 0);
    while let Some(table) = dump.next_table()? {
        same_columns(
            &table,
            known.iter().find(|t| t.0 == table.name).map(|t| &t.1),
        )?;
        let columns = &table.columns;
        let list = column_list(columns);
        let marks = vec!["?"; columns.len()].join(", ");
        let mut stmt = tx.prepare(&format!(
            "INSERT INTO {} ({list}) VALUES ({marks})",
            quoted(&table.name)
        ))?;
        for (i, row) in table.rows.iter().enumerate() {
            stmt.execute(rusqlite::params_from_iter(row))
                .with_context(|| format!("table {}, row {}", table.name, i + 1))?;
        }
        tables += 1;
        rows += table.rows.len() as u64;
    }
    tx.commit()
        .context("committing (a foreign key the dump breaks shows here)")?;
    Ok((tables, rows))
}
