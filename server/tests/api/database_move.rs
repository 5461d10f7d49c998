//! Moving a database to the other backend and back with `attend-server export` and `import`:
//! SQLite → PostgreSQL → SQLite on the SQLite run, and its twin PostgreSQL → SQLite → PostgreSQL
//! on the PostgreSQL run, each from a server's own database holding the demo seed, two
//! organisations with every role, and a few thousand synced punches. Every table and column,
//! read from each database's own catalogue (not from the server's models), has the same row
//! count and the same checksum over a canonical text of each value on all three. Bad input (a
//! dump cut short, a non-empty target) changes nothing.

use std::collections::BTreeMap;

use attend_testkit::postgres::Cluster;
use ring::digest::{Context, SHA256};
use serde_json::json;

use crate::catalogue::{postgres_primary_key, sqlite_columns, sqlite_primary_key, sqlite_tables};
use crate::helpers::{provisioned_device, punch, spawn_app, world};
use crate::postgres_run::{fresh_postgres_database, postgres_server};

/// Per table: `(rows, sha256 over each row's canonical text, rows in primary-key order)`.
type Sums = BTreeMap<String, (u64, String)>;

fn canonical_sqlite(cell: rusqlite::types::ValueRef<'_>) -> String {
    use rusqlite::types::ValueRef;
    match cell {
        ValueRef::Null => "\u{2205}".into(),
        ValueRef::Integer(i) => format!("i{i}"),
        ValueRef::Real(f) => format!("r{f:?}"),
        ValueRef::Text(t) => format!("t{}", String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => format!("b{}", hex::encode(b)),
    }
}

fn sqlite_sums(path: &std::path::Path) -> Sums {
    let db = rusqlite::Connection::open(path).expect("opens");
    let mut sums = Sums::new();
    for table in sqlite_tables(&db) {
        let cols = sqlite_columns(&db, &table);
        let order = sqlite_primary_key(&cols).join(", ");
        let list = cols
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = db
            .prepare(&format!("SELECT {list} FROM {table} ORDER BY {order}"))
            .expect("select");
        let mut rows = stmt.query([]).expect("runs");
        let (mut n, mut digest) = (0, Context::new(&SHA256));
        while let Some(row) = rows.next().expect("row") {
            let text: Vec<String> = (0..cols.len())
                .map(|i| canonical_sqlite(row.get_ref(i).expect("cell")))
                .collect();
            digest.update(format!("{}\n", text.join("\u{1f}")).as_bytes());
            n += 1;
        }
        sums.insert(table, (n, hex::encode(digest.finish())));
    }
    sums
}

async fn postgres_sums(url: &str) -> Sums {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connects");
    tokio::spawn(connection);
    let tables = client
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'public' AND table_name <> 'attend_schema'",
            &[],
        )
        .await
        .expect("tables");
    let mut sums = Sums::new();
    for t in tables {
        let table: String = t.get(0);
        let cols = client
            .query(
                "SELECT column_name::text, data_type::text FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
                &[&table],
            )
            .await
            .expect("columns");
        let key = postgres_primary_key(&client, &table).await;
        let list = cols
            .iter()
            .map(|c| c.get::<_, String>(0))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = client
            .query(
                &format!("SELECT {list} FROM {table} ORDER BY {}", key.join(", ")),
                &[],
            )
            .await
            .expect("rows");
        let mut digest = Context::new(&SHA256);
        for row in &rows {
            let text: Vec<String> = cols
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let ty: String = c.get(1);
                    let text = match ty.as_str() {
                        "bigint" => row.get::<_, Option<i64>>(i).map(|v| format!("i{v}")),
                        "double precision" => {
                            row.get::<_, Option<f64>>(i).map(|v| format!("r{v:?}"))
                        }
                        "text" => row.get::<_, Option<String>>(i).map(|v| format!("t{v}")),
                        "bytea" => row
                            .get::<_, Option<Vec<u8>>>(i)
                            .map(|v| format!("b{}", hex::encode(v))),
                        other => panic!("{table}: a column of type {other}"),
                    };
                    text.unwrap_or_else(|| "\u{2205}".into())
                })
                .collect();
            digest.update(format!("{}\n", text.join("\u{1f}")).as_bytes());
        }
        sums.insert(table, (rows.len() as u64, hex::encode(digest.finish())));
    }
    sums
}

fn attend_server(database: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_attend-server"))
        .args(args)
        .env("ATTEND_DATABASE", database)
        .output()
        .expect("attend-server runs")
}

fn succeeds(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The checksums of the database `target` names (a SQLite path or a PostgreSQL URL).
async fn sums(target: &str) -> Sums {
    if target.starts_with("postgres://") || target.starts_with("postgresql://") {
        postgres_sums(target).await
    } else {
        sqlite_sums(std::path::Path::new(target))
    }
}

#[tokio::test]
async fn a_database_moves_to_the_other_backend_and_back_unchanged() {
    let app = spawn_app().await;
    attend_server::demo::seed(&app.stores)
        .await
        .expect("demo seed");
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let mut seq = 0;
    for _ in 0..4 {
        let events: Vec<_> = (0..750)
            .map(|i| {
                seq += 1;
                let who = if i % 2 == 0 {
                    &w.a.employee
                } else {
                    &w.a.other_employee
                };
                punch(who, seq)
            })
            .collect();
        let r = app.push(&device, &json!(events)).await;
        assert!(r.status.is_success(), "{}", r.body);
    }
    let dir = tempfile::tempdir().expect("dir");
    // The source is the server's own database; the other backend's comes from a cluster
    // started here (SQLite run) or is a file (PostgreSQL run); the way back lands on a new
    // database of the source's backend.
    let source = String::from(app.settings.database.clone());
    let cluster;
    let _back_database;
    let (other, back) = match postgres_server() {
        None => {
            cluster = Cluster::start();
            let back = dir.path().join("back.db").display().to_string();
            (cluster.url("postgres"), back)
        }
        Some(server) => {
            let fresh = fresh_postgres_database(&server).await;
            let back = fresh.url.clone();
            _back_database = fresh;
            (dir.path().join("other.db").display().to_string(), back)
        }
    };
    let before = sums(&source).await;
    let events = before.get("device_events").map_or(0, |s| s.0);
    assert!(events >= 3_000, "{events} events");

    let (dump, back_dump) = (dir.path().join("a.dump"), dir.path().join("b.dump"));
    let said = succeeds(&attend_server(
        &source,
        &["export", &dump.display().to_string()],
    ));
    assert!(said.contains("rows of"), "{said}");
    succeeds(&attend_server(
        &other,
        &["import", &dump.display().to_string()],
    ));
    let moved = sums(&other).await;
    assert_eq!(before, moved, "{source} → {other}");

    // Importing again: the target is no longer empty, and nothing changes.
    let again = attend_server(&other, &["import", &dump.display().to_string()]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        !again.status.success() && stderr.contains("empty database"),
        "{stderr}"
    );

    succeeds(&attend_server(
        &other,
        &["export", &back_dump.display().to_string()],
    ));
    succeeds(&attend_server(
        &back,
        &["import", &back_dump.display().to_string()],
    ));
    assert_eq!(before, sums(&back).await, "{other} → {back}");
    assert_eq!(
        sums(&other).await,
        moved,
        "the failed import changed nothing"
    );
    println!(
        "{} tables, {} rows moved both ways, {events} of them punches",
        before.len(),
        before.values().map(|s| s.0).sum::<u64>()
    );

    // A dump cut short loads nothing: the target stays empty.
    let text = std::fs::read_to_string(&dump).expect("dump");
    let cut = dir.path().join("cut.dump");
    std::fs::write(&cut, &text[..text.len() / 2]).expect("written");
    let empty = dir.path().join("empty.db");
    let out = attend_server(
        &empty.display().to_string(),
        &["import", &cut.display().to_string()],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        sqlite_sums(&empty).values().all(|s| s.0 == 0),
        "rows were left behind"
    );
}
