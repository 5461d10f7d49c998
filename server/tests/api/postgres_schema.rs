//! The PostgreSQL schema on a throwaway PostgreSQL 15 cluster (attend_testkit::postgres): the
//! same tables, columns, keys, unique constraints, indexes and foreign keys as SQLite's, read from
//! each database's own catalogue; `attend-server migrate` run twice at once applies it once; a
//! kiosk reading the roster by cursor never skips a change that committed late; and a database
//! it must not use (not the C collation, or not migrated) is refused clearly.

use std::collections::{BTreeMap, BTreeSet};

use attend_server::db::location::{Database, PostgresUrl};
use attend_server::db::{postgres, sqlite};
use attend_testkit::postgres::Cluster;

use crate::catalogue::{SqliteColumn, sqlite_columns, sqlite_primary_key, sqlite_tables};

fn url(text: &str) -> PostgresUrl {
    match Database::try_from(text.to_owned()) {
        Ok(Database::Postgres(url)) => url,
        other => panic!("{text}: {other:?}"),
    }
}

/// A database `name` made in `cluster` with `extra` createdb arguments, and its URL.
fn database(cluster: &Cluster, name: &str, extra: &[&str]) -> String {
    let mut args = extra.to_vec();
    args.push(name);
    let out = cluster.client("createdb", &args);
    assert!(
        out.status.success(),
        "createdb {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    cluster.url(name)
}

/// Per table, in column order: `(column, type, not null)`.
type Columns = BTreeMap<String, Vec<(String, String, bool)>>;

/// The shape both catalogues are reduced to.
#[derive(Debug, Default, PartialEq)]
struct Shape {
    columns: Columns,
    primary_keys: BTreeSet<(String, Vec<String>)>,
    /// `(table, columns)` of every unique constraint (not the primary key).
    unique: BTreeSet<(String, Vec<String>)>,
    /// `(name, unique)` of every index made by `CREATE INDEX`.
    indexes: BTreeSet<(String, bool)>,
    /// `(table, column, referenced table, referenced column)`.
    foreign_keys: BTreeSet<(String, String, String, String)>,
}

fn sqlite_shape(path: &std::path::Path) -> Shape {
    let db = rusqlite::Connection::open(path).expect("opens");
    let mut shape = Shape::default();
    for table in sqlite_tables(&db) {
        let rows = sqlite_columns(&db, &table);
        let key = sqlite_primary_key(&rows);
        if !key.is_empty() {
            shape.primary_keys.insert((table.clone(), key));
        }
        let mapped = rows
            .into_iter()
            .map(
                |SqliteColumn {
                     name,
                     ty,
                     not_null,
                     pk,
                 }| {
                    let ty = match ty.to_ascii_uppercase().as_str() {
                        "INTEGER" => "bigint",
                        "TEXT" => "text",
                        "REAL" => "double precision",
                        "BLOB" => "bytea",
                        other => panic!("{table}.{name}: SQLite type {other}"),
                    };
                    // PostgreSQL makes key columns NOT NULL; SQLite only says so when written.
                    (name, ty.to_owned(), not_null || pk > 0)
                },
            )
            .collect();
        shape.columns.insert(table.clone(), mapped);
        let mut stmt = db
            .prepare(&format!("PRAGMA index_list({table})"))
            .expect("pragma");
        let indexes: Vec<(String, bool, String)> = stmt
            .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("runs")
            .collect::<Result<_, _>>()
            .expect("reads");
        for (name, unique, origin) in indexes {
            match origin.as_str() {
                "c" => {
                    shape.indexes.insert((name, unique));
                }
                "u" => {
                    let mut stmt = db
                        .prepare(&format!("PRAGMA index_info({name})"))
                        .expect("pragma");
                    let cols: Vec<String> = stmt
                        .query_map([], |r| r.get(2))
                        .expect("runs")
                        .collect::<Result<_, _>>()
                        .expect("reads");
                    shape.unique.insert((table.clone(), cols));
                }
                _ => {} // "pk": the primary key, compared above
            }
        }
        let mut stmt = db
            .prepare(&format!("PRAGMA foreign_key_list({table})"))
            .expect("pragma");
        let keys: Vec<(String, String, String)> = stmt
            .query_map([], |r| Ok((r.get(2)?, r.get(3)?, r.get(4)?)))
            .expect("runs")
            .collect::<Result<_, _>>()
            .expect("reads");
        for (to_table, from, to) in keys {
            shape
                .foreign_keys
                .insert((table.clone(), from, to_table, to));
        }
    }
    shape
}

async fn postgres_shape(client: &tokio_postgres::Client) -> Shape {
    let mut shape = Shape::default();
    let rows = client
        .query(
            "SELECT table_name::text, column_name::text, data_type::text, is_nullable = 'NO'
             FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name <> 'attend_schema'
             ORDER BY table_name, ordinal_position",
            &[],
        )
        .await
        .expect("columns");
    for r in rows {
        shape
            .columns
            .entry(r.get(0))
            .or_default()
            .push((r.get(1), r.get(2), r.get(3)));
    }
    // Constraints with their columns in key order, from pg_constraint.
    let rows = client
        .query(
            "SELECT c.contype::text, t.relname::text,
                    array_agg(a.attname::text ORDER BY k.ord),
                    coalesce(ft.relname::text, ''),
                    coalesce(array_agg(fa.attname::text ORDER BY k.ord)
                             FILTER (WHERE fa.attname IS NOT NULL), '{}')
             FROM pg_constraint c
             JOIN pg_class t ON t.oid = c.conrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
             CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
             LEFT JOIN pg_class ft ON ft.oid = c.confrelid
             LEFT JOIN pg_attribute fa ON fa.attrelid = c.confrelid
                                      AND fa.attnum = c.confkey[k.ord]
             WHERE c.contype IN ('p', 'u', 'f') AND t.relname <> 'attend_schema'
             GROUP BY c.oid, c.contype, t.relname, ft.relname",
            &[],
        )
        .await
        .expect("constraints");
    for r in rows {
        let (kind, table, cols): (String, String, Vec<String>) = (r.get(0), r.get(1), r.get(2));
        match kind.as_str() {
            "p" => {
                shape.primary_keys.insert((table, cols));
            }
            "u" => {
                shape.unique.insert((table, cols));
            }
            _ => {
                let (to_table, to_cols): (String, Vec<String>) = (r.get(3), r.get(4));
                for (from, to) in cols.into_iter().zip(to_cols) {
                    shape
                        .foreign_keys
                        .insert((table.clone(), from, to_table.clone(), to));
                }
            }
        }
    }
    // Indexes made by CREATE INDEX: those no constraint owns.
    let rows = client
        .query(
            "SELECT i.relname::text, x.indisunique
             FROM pg_index x
             JOIN pg_class i ON i.oid = x.indexrelid
             JOIN pg_class t ON t.oid = x.indrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
             WHERE t.relname <> 'attend_schema'
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            &[],
        )
        .await
        .expect("indexes");
    for r in rows {
        shape.indexes.insert((r.get(0), r.get(1)));
    }
    shape
}

#[tokio::test]
async fn the_postgres_schema_has_sqlites_tables_columns_keys_and_indexes() {
    let cluster = Cluster::start();
    let pg = url(&database(&cluster, "attend", &[]));
    assert_eq!(
        postgres::migrate(&pg).await.expect("migrates"),
        postgres::known_versions().len()
    );
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("attend.db");
    sqlite::migrate(&file).expect("SQLite migrates");
    let (sqlite, client) = (
        sqlite_shape(&file),
        postgres::connect(&pg).await.expect("connects"),
    );
    let postgres = postgres_shape(&client).await;
    assert_eq!(sqlite.columns.len(), postgres.columns.len(), "tables");
    for (table, columns) in &sqlite.columns {
        assert_eq!(Some(columns), postgres.columns.get(table), "table {table}");
    }
    assert_eq!(sqlite.primary_keys, postgres.primary_keys, "primary keys");
    assert_eq!(sqlite.unique, postgres.unique, "unique constraints");
    assert_eq!(sqlite.indexes, postgres.indexes, "indexes");
    assert_eq!(sqlite.foreign_keys, postgres.foreign_keys, "foreign keys");
    println!(
        "{} tables, {} indexes, {} foreign keys alike on both backends",
        sqlite.columns.len(),
        sqlite.indexes.len(),
        sqlite.foreign_keys.len()
    );
    assert_eq!(
        postgres::schema_versions(&client).await.expect("versions"),
        postgres::known_versions()
    );
    assert_eq!(
        postgres::migrate(&pg).await.expect("again"),
        0,
        "nothing left to do"
    );
}

/// Two `attend-server migrate` at once, the first paused between reading the version and
/// applying (a debug-build hook): the second waits on the lock and finds nothing to do. Without
/// the lock both would read "nothing applied" and the second would fail half-way.
#[tokio::test]
async fn two_instances_migrating_at_once_apply_the_schema_once() {
    let cluster = Cluster::start();
    let db = database(&cluster, "attend", &[]);
    let migrate = |pause: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_attend-server"))
            .arg("migrate")
            .env("ATTEND_DATABASE", &db)
            .env("TEST_ATTEND_MIGRATE_PAUSE_MS", pause)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("migrate starts")
    };
    let first = migrate("1500");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let second = migrate("0");
    let outputs = [first, second].map(|c| c.wait_with_output().expect("finishes"));
    let said: Vec<String> = outputs
        .iter()
        .map(|o| {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            String::from_utf8_lossy(&o.stdout).into_owned()
        })
        .collect();
    let all = postgres::known_versions().len();
    assert!(
        said[0].starts_with(&format!("{all} migration(s) applied")),
        "{said:?}"
    );
    assert!(said[1].starts_with("0 migration(s) applied"), "{said:?}");
    assert!(!said.concat().contains("password"), "{said:?}");
    let client = postgres::connect(&url(&db)).await.expect("connects");
    assert_eq!(
        postgres::schema_versions(&client).await.expect("versions"),
        postgres::known_versions()
    );
}

#[tokio::test]
async fn a_database_without_the_c_collation_is_refused_and_an_unmigrated_one_is_not_served() {
    let cluster = Cluster::start();
    let other = url(&database(
        &cluster,
        "other",
        &[
            "-T",
            "template0",
            "--lc-collate=C.utf8",
            "--lc-ctype=C.utf8",
        ],
    ));
    let err = postgres::migrate(&other)
        .await
        .expect_err("refused")
        .to_string();
    assert!(
        err.contains("collation is C.utf8") && err.contains("LC_COLLATE 'C'"),
        "{err}"
    );
    let client = postgres::connect(&other).await.expect("connects");
    assert!(
        postgres::schema_versions(&client)
            .await
            .expect("versions")
            .is_empty()
    );

    // Serving without `--migrate` from a database never migrated stops at start.
    let db = database(&cluster, "attend", &[]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_attend-server"))
        .args(["serve"])
        .env("ATTEND_DATABASE", &db)
        .env("ATTEND_LISTEN", "127.0.0.1:0")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("at version 0") && stderr.contains("run `attend-server migrate`"),
        "{stderr}"
    );
}

/// Two transactions append to one organisation's roster log; the first appends first and commits
/// last. A kiosk reading by cursor in between must not move past the first's change: the second
/// waits for the first's lock (seen in `pg_locks`), so the read finds nothing yet, and the next
/// read finds both, in order. Without the lock the second commits `seq` n+1 while n is still
/// open; the read returns it, the cursor passes n, and the first change is never seen.
#[tokio::test]
async fn a_kiosk_reading_the_roster_by_cursor_never_skips_a_change_that_committed_late() {
    use attend_server::db::postgres::roster_log::{changes_since, roster_changed};
    let cluster = Cluster::start();
    let pg = url(&database(&cluster, "attend", &[]));
    postgres::migrate(&pg).await.expect("migrates");
    let org: attend_protocol::ids::OrgId =
        uuid::Uuid::now_v7().to_string().parse().expect("an org id");
    let mut first = postgres::connect(&pg).await.expect("connects");
    let early = first.transaction().await.expect("begins");
    let first_seq = roster_changed(&early, org, "employee", "e1")
        .await
        .expect("appends");
    let late = {
        let pg = pg.clone();
        tokio::spawn(async move {
            let mut c = postgres::connect(&pg).await.expect("connects");
            let tx = c.transaction().await.expect("begins");
            let seq = roster_changed(&tx, org, "employee", "e2")
                .await
                .expect("appends");
            tx.commit().await.expect("commits");
            seq
        })
    };
    let kiosk = postgres::connect(&pg).await.expect("connects");
    // Until the second writer either waits on the lock or has committed.
    for _ in 0..500 {
        let waiting: i64 = kiosk
            .query_one(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
                &[],
            )
            .await
            .expect("pg_locks")
            .get(0);
        if waiting > 0 || late.is_finished() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let (mut cursor, mut seen) = (0, Vec::new());
    let read = async |cursor: &mut i64, seen: &mut Vec<String>| {
        for (seq, _, id) in changes_since(&kiosk, org, *cursor, 100)
            .await
            .expect("reads")
        {
            seen.push(id);
            *cursor = seq;
        }
    };
    read(&mut cursor, &mut seen).await;
    early.commit().await.expect("commits");
    let second_seq = late.await.expect("the second writer");
    read(&mut cursor, &mut seen).await;
    assert_eq!(seen, ["e1", "e2"], "the kiosk saw {seen:?}");
    assert!(second_seq > first_seq);
}
