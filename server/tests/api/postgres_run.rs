//! The suite on PostgreSQL: when `TEST_POSTGRES_URL` names a PostgreSQL server (the test command
//! runs the suite a second time under `with-postgres`, which starts a throwaway cluster and sets
//! it), every spawned server gets a database of its own, copied from a template migrated once
//! per run, and dropped with the server.

use std::sync::atomic::{AtomicU32, Ordering};

use attend_server::db::location::{Database, PostgresUrl};
use tokio::sync::OnceCell;

/// The PostgreSQL server the suite runs on, if it runs on one.
pub fn postgres_server() -> Option<String> {
    std::env::var("TEST_POSTGRES_URL").ok()
}

/// One server's database; dropped (connections and all) when the server is.
pub struct PostgresDatabase {
    pub url: String,
    server: String,
    name: String,
}

static TEMPLATE: OnceCell<()> = OnceCell::const_new();
static NEXT: AtomicU32 = AtomicU32::new(0);
const TEMPLATE_NAME: &str = "attend_template";

fn on(server: &str, database: &str) -> String {
    let (base, _) = server.rsplit_once('/').expect("a URL ending in /DATABASE");
    format!("{base}/{database}")
}

fn postgres_url(url: &str) -> PostgresUrl {
    match Database::try_from(url.to_owned()).expect("a PostgreSQL URL") {
        Database::Postgres(u) => u,
        Database::Sqlite(_) => panic!("{url} is not a PostgreSQL URL"),
    }
}

async fn admin(server: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(server, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connecting to {server}: {e}"));
    tokio::spawn(connection);
    client
}

/// A new database with the current schema.
pub async fn fresh_postgres_database(server: &str) -> PostgresDatabase {
    TEMPLATE
        .get_or_init(|| async {
            let client = admin(server).await;
            for sql in [
                format!("DROP DATABASE IF EXISTS {TEMPLATE_NAME}"),
                format!("CREATE DATABASE {TEMPLATE_NAME}"),
            ] {
                client
                    .batch_execute(&sql)
                    .await
                    .expect("the template database");
            }
            attend_server::db::postgres::migrate(&postgres_url(&on(server, TEMPLATE_NAME)))
                .await
                .expect("the template migrates");
        })
        .await;
    let name = format!(
        "attend_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    admin(server)
        .await
        .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE_NAME}"))
        .await
        .unwrap_or_else(|e| panic!("creating {name}: {e}"));
    PostgresDatabase {
        url: on(server, &name),
        server: server.to_owned(),
        name,
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        // On a thread of its own: a test's runtime may be shutting down around this drop.
        let (server, name) = (self.server.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async {
                let _ = admin(&server)
                    .await
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
            });
        });
        let _ = dropped.join();
    }
}
