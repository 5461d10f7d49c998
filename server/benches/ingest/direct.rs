//! The references: the rows a batch stores, inserted without the server. On SQLite and on
//! PostgreSQL, by the server's own set-based statement (`insert_events_sql`, in PostgreSQL's
//! spelling there), one transaction per batch of 500; on PostgreSQL also by `COPY`, the fastest
//! way in, as a ceiling.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context as _, ensure};
use attend_protocol::events::Event;
use attend_server::db::sql::{EVENT_PARAMS, insert_events_sql, to_postgres};
use attend_server::db::sqlite::migrate;
use jiff::Timestamp;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params_from_iter};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use super::BATCH;
use super::kiosk::{Kiosk, rate};

/// The same encoding as the server's `ts()`: fixed-width RFC 3339, so text order is time order.
fn ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Each batch's values, event by event, [`EVENT_PARAMS`] each, encoded as the server's ingest
/// binds them (org and device of `kiosk`, one receive time per batch, like one request).
pub fn batches(kiosk: &Kiosk, events: &[Event]) -> anyhow::Result<Vec<Vec<Value>>> {
    let mut all = Vec::new();
    for batch in events.chunks(BATCH) {
        let received = ts(Timestamp::now());
        let mut values = Vec::with_capacity(batch.len() * EVENT_PARAMS);
        for e in batch {
            values.extend([
                e.event_id.to_string().into(),
                kiosk.org_id.clone().into(),
                kiosk.device_id.clone().into(),
                e.body.kind().to_owned().into(),
                e.body.employee_id().map(|id| id.to_string()).into(),
                i64::try_from(e.seq)?.into(),
                ts(e.captured_at).into(),
                received.clone().into(),
                i64::from(e.clock_suspect).into(),
                serde_json::to_string(e)?.into(),
                Value::Null,
                Value::Null,
            ]);
        }
        all.push(values);
    }
    Ok(all)
}

/// A fresh SQLite database opened as the server opens one: migrations, WAL, and `synchronous`
/// (`FULL` or `NORMAL`) as the benchmark's server runs.
pub fn open_sqlite(path: &Path, synchronous: &str) -> anyhow::Result<Connection> {
    migrate(path).context("migrating the direct database")?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;"
    ))?;
    Ok(conn)
}

/// One IMMEDIATE transaction per batch, running the server's batch statement: events/s.
pub fn insert_sqlite(db: &mut Connection, batches: &[Vec<Value>]) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut events = 0;
    for values in batches {
        let rows = values.len() / EVENT_PARAMS;
        let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut stmt = tx.prepare_cached(&insert_events_sql(rows))?;
        let stored = stmt
            .query_map(params_from_iter(values), |_| Ok(()))?
            .count();
        ensure!(
            stored == rows,
            "the direct insert stored {stored} of {rows}"
        );
        drop(stmt);
        tx.commit()?;
        events += rows;
    }
    Ok(rate(events, start.elapsed()))
}

/// A value as tokio-postgres binds it, in the column's type (TEXT or BIGINT).
fn bind(v: &Value) -> Box<dyn ToSql + Sync + Send> {
    match v {
        Value::Null => Box::new(Option::<String>::None),
        Value::Integer(i) => Box::new(*i),
        Value::Text(t) => Box::new(t.clone()),
        Value::Real(r) => Box::new(*r),
        Value::Blob(b) => Box::new(b.clone()),
    }
}

/// One transaction per batch on a PostgreSQL connection, running the server's batch statement
/// as the server sends it: events/s.
pub async fn insert_postgres(
    client: &mut tokio_postgres::Client,
    batches: &[Vec<Value>],
) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut events = 0;
    for values in batches {
        let rows = values.len() / EVENT_PARAMS;
        let bound: Vec<Box<dyn ToSql + Sync + Send>> = values.iter().map(bind).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = bound
            .iter()
            .map(|b| b.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let tx = client.transaction().await?;
        let stmt = tx.prepare(&to_postgres(&insert_events_sql(rows))).await?;
        let stored = tx.query(&stmt, &refs).await?.len();
        ensure!(
            stored == rows,
            "the direct insert stored {stored} of {rows}"
        );
        tx.commit().await?;
        events += rows;
    }
    Ok(rate(events, start.elapsed()))
}

/// The same rows by `COPY … FROM STDIN (FORMAT binary)`, one transaction per batch: events/s.
pub async fn copy_postgres(
    client: &mut tokio_postgres::Client,
    batches: &[Vec<Value>],
) -> anyhow::Result<f64> {
    let columns = "event_id, org_id, device_id, kind, employee_id, seq, captured_at, received_at, \
                   clock_suspect, payload, held_reason, flagged";
    let types = [
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::INT8,
        Type::TEXT,
        Type::TEXT,
        Type::INT8,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
    ];
    let start = Instant::now();
    let mut events = 0;
    for values in batches {
        let tx = client.transaction().await?;
        let sink = tx
            .copy_in(&format!(
                "COPY device_events ({columns}) FROM STDIN (FORMAT binary)"
            ))
            .await?;
        let writer = BinaryCopyInWriter::new(sink, &types);
        let mut writer = std::pin::pin!(writer);
        for row in values.chunks(EVENT_PARAMS) {
            let bound: Vec<Box<dyn ToSql + Sync + Send>> = row.iter().map(bind).collect();
            let refs: Vec<&(dyn ToSql + Sync)> = bound
                .iter()
                .map(|b| b.as_ref() as &(dyn ToSql + Sync))
                .collect();
            writer.as_mut().write(&refs).await?;
        }
        let copied = writer.finish().await?;
        ensure!(
            usize::try_from(copied)? * EVENT_PARAMS == values.len(),
            "COPY stored {copied} rows"
        );
        tx.commit().await?;
        events += values.len() / EVENT_PARAMS;
    }
    Ok(rate(events, start.elapsed()))
}
