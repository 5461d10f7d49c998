//! The throwaway PostgreSQL cluster the server's tests will run on: it starts (or the test
//! command fails), it is PostgreSQL 15 with byte-order text like SQLite's, two run side by side,
//! and dropping one stops it and removes its files.

use attend_testkit::postgres::Cluster;

#[test]
fn a_cluster_starts_answers_sorts_like_sqlite_and_is_gone_when_dropped() {
    let first = Cluster::start();
    let second = Cluster::start();
    assert_ne!(first.port(), second.port());
    let version = first.query("SHOW server_version_num");
    assert!(version[0].starts_with("15"), "{version:?}");
    assert_eq!(first.query("SHOW lc_collate"), ["C"]);
    assert_eq!(first.query("SHOW server_encoding"), ["UTF8"]);
    assert_eq!(first.query("SHOW fsync"), ["off"]);
    // Byte order, as SQLite's BINARY collation: capitals before lower case, 'Z' before 'a'.
    assert_eq!(
        first.query(
            "SELECT string_agg(w, ',' ORDER BY w) FROM unnest(ARRAY['b','a','Z','É','e']) w"
        ),
        ["Z,a,b,e,É"]
    );
    assert_eq!(second.query("SELECT 1 + 1"), ["2"]);
    let (socket_dir, port) = (first.socket_dir().to_owned(), first.port());
    drop(first);
    assert!(
        !socket_dir.exists(),
        "{} is left behind",
        socket_dir.display()
    );
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "port {port} still answers"
    );
    assert_eq!(second.query("SELECT 'still up'"), ["still up"]);
}

#[test]
fn a_durable_cluster_keeps_postgres_defaults() {
    let cluster = Cluster::start_durable();
    assert_eq!(cluster.query("SHOW fsync"), ["on"]);
    assert_eq!(cluster.query("SHOW synchronous_commit"), ["on"]);
    assert!(
        cluster
            .url("attend")
            .ends_with(&format!(":{}/attend", cluster.port()))
    );
}
