//! What the PostgreSQL tests read from each database's own catalogue (never from the server's
//! models or its transfer code, so the checks are not circular): SQLite's tables and columns,
//! PostgreSQL's primary keys.

/// One column as `PRAGMA table_info` gives it.
pub struct SqliteColumn {
    pub name: String,
    pub ty: String,
    pub not_null: bool,
    /// Position in the primary key from 1; 0 when not part of it.
    pub pk: i64,
}

/// Every table of the SQLite database but SQLite's own, in creation order.
pub fn sqlite_tables(db: &rusqlite::Connection) -> Vec<String> {
    db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         ORDER BY rowid",
    )
    .expect("prepares")
    .query_map([], |r| r.get(0))
    .expect("runs")
    .collect::<Result<_, _>>()
    .expect("reads")
}

/// A table's columns in order.
pub fn sqlite_columns(db: &rusqlite::Connection, table: &str) -> Vec<SqliteColumn> {
    db.prepare(&format!("PRAGMA table_info({table})"))
        .expect("pragma")
        .query_map([], |r| {
            Ok(SqliteColumn {
                name: r.get(1)?,
                ty: r.get(2)?,
                not_null: r.get(3)?,
                pk: r.get(5)?,
            })
        })
        .expect("runs")
        .collect::<Result<_, _>>()
        .expect("reads")
}

/// The primary key's columns in key order (empty without one).
pub fn sqlite_primary_key(columns: &[SqliteColumn]) -> Vec<String> {
    let mut key: Vec<&SqliteColumn> = columns.iter().filter(|c| c.pk > 0).collect();
    key.sort_by_key(|c| c.pk);
    key.into_iter().map(|c| c.name.clone()).collect()
}

/// A PostgreSQL table's primary key columns in key order.
pub async fn postgres_primary_key(client: &tokio_postgres::Client, table: &str) -> Vec<String> {
    client
        .query(
            "SELECT a.attname::text FROM pg_constraint c
             CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
             WHERE c.contype = 'p' AND c.conrelid = $1::text::regclass ORDER BY k.ord",
            &[&table],
        )
        .await
        .expect("primary key")
        .iter()
        .map(|r| r.get(0))
        .collect()
}
