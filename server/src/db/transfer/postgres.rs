//! The PostgreSQL side of a move: tables in creation order from `pg_class`, columns from
//! `information_schema`, rows by primary key, read in one repeatable-read snapshot.

use std::io::{BufRead, Write};

use anyhow::{Context as _, bail};
use bytes::BytesMut;
use futures_util::{TryStreamExt as _, pin_mut};
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::{
    DumpReader, DumpWriter, Value, column_list, empty, quoted, same_columns, same_version,
};
use crate::db::location::PostgresUrl;
use crate::db::postgres::connect;

/// `(table, columns, ORDER BY list, identity columns)` of every table but the schema's own.
type TableInfo = (String, Vec<String>, String, Vec<String>);

async fn tables(client: &impl tokio_postgres::GenericClient) -> anyhow::Result<Vec<TableInfo>> {
    let rows = client
        .query(
            "SELECT c.relname::text FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
             WHERE c.relkind = 'r' AND c.relname <> 'attend_schema' ORDER BY c.oid",
            &[],
        )
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let name: String = r.get(0);
        let cols = client
            .query(
                "SELECT column_name::text, is_identity = 'YES' FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
                &[&name],
            )
            .await?;
        let key: Vec<String> = client
            .query(
                "SELECT a.attname::text FROM pg_constraint c
                 CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                 WHERE c.contype = 'p' AND c.conrelid = $1::text::regclass ORDER BY k.ord",
                &[&name],
            )
            .await?
            .iter()
            .map(|r| quoted(r.get(0)))
            .collect();
        let columns: Vec<String> = cols.iter().map(|c| c.get(0)).collect();
        let order = if key.is_empty() {
            (1..=columns.len())
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            key.join(", ")
        };
        let identity = cols.iter().filter(|c| c.get(1)).map(|c| c.get(0)).collect();
        out.push((name, columns, order, identity));
    }
    Ok(out)
}

fn cell(row: &tokio_postgres::Row, i: usize) -> anyhow::Result<Value> {
    let ty = row.columns()[i].type_();
    let value = if *ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?.map(Value::Integer)
    } else if *ty == Type::TEXT {
        row.try_get::<_, Option<String>>(i)?.map(Value::Text)
    } else if *ty == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(i)?.map(Value::Real)
    } else if *ty == Type::BYTEA {
        row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob)
    } else {
        bail!(
            "column {} is of type {ty}, which a dump does not carry",
            row.columns()[i].name()
        );
    };
    Ok(value.unwrap_or(Value::Null))
}

pub async fn export(url: &PostgresUrl, out: impl Write) -> anyhow::Result<(u64, u64)> {
    let mut client = connect(url).await?;
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let versions = crate::db::postgres::schema_versions(&tx).await?;
    let version = versions
        .last()
        .copied()
        .context("this PostgreSQL database was never migrated")?;
    let mut dump = DumpWriter::new(out, version, "postgres")?;
    for (name, columns, order, _) in tables(&tx).await? {
        dump.table(&name, &columns)?;
        let list = column_list(&columns);
        let sql = format!("SELECT {list} FROM {} ORDER BY {order}", quoted(&name));
        let rows = tx.query_raw(&sql, std::iter::empty::<i64>()).await?;
        pin_mut!(rows);
        while let Some(row) = rows.try_next().await? {
            let cells = (0..columns.len())
                .map(|i| cell(&row, i))
                .collect::<anyhow::Result<Vec<_>>>()
                .with_context(|| format!("reading a row of {name}"))?;
            dump.row(&cells)?;
        }
    }
    let counts = dump.finish()?;
    tx.commit().await?;
    Ok(counts)
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match (self, ty) {
            (Self::Null, _) => Ok(IsNull::Yes),
            (Self::Integer(v), t) if *t == Type::INT8 => v.to_sql(ty, out),
            (Self::Real(v), t) if *t == Type::FLOAT8 => v.to_sql(ty, out),
            (Self::Text(v), t) if *t == Type::TEXT => v.to_sql(ty, out),
            (Self::Blob(v), t) if *t == Type::BYTEA => v.to_sql(ty, out),
            (v, t) => Err(format!("a {} value in a column of type {t}", v.kind()).into()),
        }
    }

    fn accepts(ty: &Type) -> bool {
        [Type::INT8, Type::FLOAT8, Type::TEXT, Type::BYTEA].contains(ty)
    }

    to_sql_checked!();
}

pub async fn import(
    url: &PostgresUrl,
    mut dump: DumpReader<impl BufRead>,
) -> anyhow::Result<(u64, u64)> {
    let mut client = connect(url).await?;
    let tx = client.transaction().await?;
    let version = crate::db::postgres::schema_versions(&tx)
        .await?
        .last()
        .copied()
        .unwrap_or(0);
    same_version(dump.schema_version, version)?;
    // Foreign keys checked at commit: employees and users refer to each other.
    tx.batch_execute("SET CONSTRAINTS ALL DEFERRED").await?;
    let known = tables(&tx).await?;
    for (name, ..) in &known {
        let sql = format!("SELECT count(*) FROM {}", quoted(name));
        let rows: i64 = tx.query_one(&sql, &[]).await?.get(0);
        empty(name, rows)?;
    }
    let (mut tables, mut rows) = (0, 0);
    while let Some(table) = dump.next_table()? {
        let target = known.iter().find(|t| t.0 == table.name);
        same_columns(&table, target.map(|t| &t.1))?;
        let identity = target.map(|t| t.3.as_slice()).unwrap_or_default();
        let columns = &table.columns;
        let list = column_list(columns);
        let marks = (1..=columns.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let insert = tx
            .prepare(&format!(
                "INSERT INTO {} ({list}) VALUES ({marks})",
                quoted(&table.name)
            ))
            .await?;
        for (i, row) in table.rows.iter().enumerate() {
            let params: Vec<&(dyn ToSql + Sync)> = row.iter().map(|v| v as _).collect();
            tx.execute(&insert, &params)
                .await
                .with_context(|| format!("table {}, row {}", table.name, i + 1))?;
        }
        // Rows came with their ids: the next id the table hands out follows the largest.
        for column in identity {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max({c}), 0) + 1, false) FROM {t}",
                c = quoted(column),
                t = quoted(&table.name)
            );
            tx.query_one(&sql, &[&table.name, column]).await?;
        }
        tables += 1;
        rows += table.rows.len() as u64;
    }
    tx.commit()
        .await
        .context("committing (a foreign key the dump breaks shows here)")?;
    Ok((tables, rows))
}
