//! `with-postgres COMMAND [ARGS…]`: starts a throwaway PostgreSQL 15 cluster ([`Cluster`]), runs
//! the command with `TEST_POSTGRES_URL` naming the cluster's `postgres` database, stops the
//! cluster, and exits as the command did. `scripts/test.sh` runs the server's API suite a second
//! time under it, on PostgreSQL; a cluster that does not start fails the run (nothing is skipped).

use std::process::{Command, exit};

use attend_testkit::postgres::Cluster;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((program, rest)) = args.split_first() else {
        eprintln!("usage: with-postgres COMMAND [ARGS…]");
        exit(2);
    };
    let cluster = Cluster::start();
    let url = cluster.url("postgres");
    eprintln!("with-postgres: PostgreSQL 15 at {url}");
    let status = Command::new(program)
        .args(rest)
        .env("TEST_POSTGRES_URL", &url)
        .status()
        .unwrap_or_else(|e| panic!("running {program}: {e}"));
    drop(cluster);
    exit(status.code().unwrap_or(1));
}
