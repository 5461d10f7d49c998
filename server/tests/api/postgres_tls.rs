//! TLS to PostgreSQL means what libpq means by `sslmode` (`attend_server::db::postgres::tls`),
//! against a throwaway cluster with `ssl = on` presenting a certificate for `localhost` signed by
//! a test CA no system trusts (made with `openssl`, as managed databases' own CAs are): `require`
//! encrypts without checking it (it refused such servers before, checking them against the
//! system's roots); `verify-ca` and `verify-full` check it against `sslrootcert`, and
//! `verify-full` the host's name too; and a server serves with `verify-full`.

use attend_server::db::location::{Database, PostgresUrl};
use attend_server::db::postgres;
use attend_server::db::sql::SqlDb;
use attend_server::db::sqlite::Synchronous;
use attend_testkit::postgres::Cluster;

use crate::mail_tls::certificates;

fn url(text: &str) -> PostgresUrl {
    match Database::try_from(text.to_owned()) {
        Ok(Database::Postgres(url)) => url,
        other => panic!("{text}: {other:?}"),
    }
}

/// Whether the connection `text` names is encrypted, or the error connecting.
async fn encrypted(text: &str) -> Result<bool, String> {
    let client = postgres::connect(&url(text))
        .await
        .map_err(|e| format!("{e:#}"))?;
    let row = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.get(0))
}

#[tokio::test]
async fn sslmode_means_what_libpq_means_against_a_server_with_its_own_ca() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (ca, cert, key) = certificates(dir.path());
    let cluster = Cluster::start_tls(&cert, &key);
    let port = cluster.port();
    let ca = ca.display();
    let by_ip = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    // The certificate names `localhost`; `hostaddr` keeps the connection on IPv4 loopback.
    let by_name = format!("postgres://postgres@localhost:{port}/postgres?hostaddr=127.0.0.1");

    assert_eq!(
        encrypted(&format!("{by_ip}?sslmode=disable")).await,
        Ok(false)
    );
    assert_eq!(
        encrypted(&format!("{by_ip}?sslmode=prefer")).await,
        Ok(true)
    );
    assert_eq!(
        encrypted(&format!("{by_ip}?sslmode=require")).await,
        Ok(true),
        "require encrypts without checking the certificate, as libpq does"
    );
    let unknown_ca = encrypted(&format!("{by_name}&sslmode=verify-full")).await;
    assert!(
        unknown_ca
            .as_ref()
            .is_err_and(|e| e.contains("UnknownIssuer")),
        "verify-full against the system's roots refuses a private CA: {unknown_ca:?}"
    );
    assert_eq!(
        encrypted(&format!("{by_name}&sslmode=verify-full&sslrootcert={ca}")).await,
        Ok(true)
    );
    let wrong_name = encrypted(&format!("{by_ip}?sslmode=verify-full&sslrootcert={ca}")).await;
    assert!(
        wrong_name
            .as_ref()
            .is_err_and(|e| e.contains("not valid for name")),
        "verify-full checks the host's name (the certificate is for localhost): {wrong_name:?}"
    );
    assert_eq!(
        encrypted(&format!("{by_ip}?sslmode=verify-ca&sslrootcert={ca}")).await,
        Ok(true),
        "verify-ca checks the chain, not the name"
    );
    let other_ca = tempfile::tempdir().expect("temporary directory");
    let (other_ca, _, _) = certificates(other_ca.path());
    let require_with_root = encrypted(&format!(
        "{by_ip}?sslmode=require&sslrootcert={}",
        other_ca.display()
    ))
    .await;
    assert!(
        require_with_root.is_err(),
        "require with sslrootcert checks the chain, as libpq does: {require_with_root:?}"
    );

    // A server serves with the strictest mode.
    let strict = format!("{by_name}&sslmode=verify-full&sslrootcert={ca}");
    let database = Database::try_from(strict).expect("a PostgreSQL URL");
    let db = SqlDb::open(&database, Synchronous::Full, 2, true)
        .await
        .expect("migrated and opened over verified TLS");
    let status = attend_server::db::Ping::ping(&db).await.expect("ping");
    assert_eq!(status.backend, "postgres");
}
