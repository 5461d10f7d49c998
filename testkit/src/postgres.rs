//! A throwaway PostgreSQL 15 cluster for a test: `initdb` into a temporary directory, `pg_ctl
//! start` on a free loopback port with the socket in that directory, stopped and removed when the
//! [`Cluster`] is dropped. It never touches a system cluster. Debian's `postgresql-15` provides
//! the binaries (`bash scripts/setup-postgres-test.sh` installs it); without them
//! [`Cluster::start`] panics saying so, so a missing PostgreSQL fails the test command rather
//! than skipping anything.
//!
//! `initdb` refuses to run as root: as root (CI), every command runs as the `postgres` user
//! (`runuser`), which owns the directory. The cluster is made with the C locale and UTF-8, so
//! text sorts by byte as SQLite's does. Tests want speed, not durability: `fsync`,
//! `synchronous_commit` and `full_page_writes` are off unless [`Cluster::start_durable`] is used.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where Debian puts PostgreSQL 15's server binaries.
pub const BIN_DIR: &str = "/usr/lib/postgresql/15/bin";

#[derive(Debug)]
pub struct Cluster {
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Cluster {
    /// A new cluster for tests (no fsync), up and accepting connections.
    pub fn start() -> Self {
        Self::start_with(&[
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
        ])
    }

    /// A new cluster with PostgreSQL's durable defaults (`fsync` and `synchronous_commit` on),
    /// for benchmarks compared against a durable SQLite.
    pub fn start_durable() -> Self {
        Self::start_with(&[])
    }

    /// A new cluster for tests that also accepts TLS, presenting `cert` with `key` (PEM files,
    /// copied into the cluster's directory so the server may read them).
    pub fn start_tls(cert: &Path, key: &Path) -> Self {
        let cert = cert.display().to_string();
        let key = key.display().to_string();
        Self::start_inner(
            &[
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c ssl=on",
            ],
            Some((&cert, &key)),
        )
    }

    fn start_with(settings: &[&str]) -> Self {
        Self::start_inner(settings, None)
    }

    fn start_inner(settings: &[&str], tls: Option<(&str, &str)>) -> Self {
        let initdb = Path::new(BIN_DIR).join("initdb");
        assert!(
            initdb.exists(),
            "PostgreSQL 15 is not installed ({} is missing): run `bash scripts/setup-postgres-test.sh`",
            initdb.display()
        );
        let dir = tempfile::Builder::new()
            .prefix("attend-pg-")
            .tempdir()
            .expect("a temporary directory");
        let cluster = Self {
            dir,
            port: free_port(),
            as_postgres: is_root(),
        };
        if cluster.as_postgres {
            let chown = Command::new("chown")
                .arg("postgres:postgres")
                .arg(cluster.dir.path())
                .output()
                .expect("chown runs");
            assert!(
                chown.status.success(),
                "giving {} to the postgres user: {} (is there a postgres user? Debian's \
                 postgresql-15 makes it)",
                cluster.dir.path().display(),
                String::from_utf8_lossy(&chown.stderr)
            );
        }
        let data = cluster.data_dir();
        cluster.run_checked(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ],
        );
        let mut options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            cluster.port,
            cluster.dir.path().display()
        );
        for s in settings {
            options.push(' ');
            options.push_str(s);
        }
        if let Some((cert, key)) = tls {
            for (from, name, setting) in [
                (cert, "server.crt", "ssl_cert_file"),
                (key, "server.key", "ssl_key_file"),
            ] {
                let to = cluster.dir.path().join(name);
                std::fs::copy(from, &to).unwrap_or_else(|e| panic!("copying {from}: {e}"));
                // PostgreSQL refuses a key others may read.
                std::fs::set_permissions(&to, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                    .expect("key permissions");
                if cluster.as_postgres {
                    let chown = Command::new("chown")
                        .arg("postgres:postgres")
                        .arg(&to)
                        .output();
                    assert!(
                        chown.is_ok_and(|o| o.status.success()),
                        "giving {} to postgres",
                        to.display()
                    );
                }
                options = format!("{options} -c {setting}={}", to.display());
            }
        }
        let log = cluster.dir.path().join("server.log");
        cluster.run_checked(
            "pg_ctl",
            &[
                "-D",
                &data.display().to_string(),
                "-l",
                &log.display().to_string(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        cluster
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory holding the server's Unix socket (`psql -h DIR`).
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// A connection URL for `database` as the `postgres` superuser over TCP.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs one of PostgreSQL's programs (`psql`, `createdb`, …) against this cluster as its
    /// superuser; the output as it came.
    pub fn client(&self, program: &str, args: &[&str]) -> Output {
        let port = self.port.to_string();
        let socket = self.dir.path().display().to_string();
        let mut all = vec!["-h", &socket, "-p", &port, "-U", "postgres"];
        all.extend_from_slice(args);
        self.command(program, &all)
            .output()
            .unwrap_or_else(|e| panic!("running {program}: {e}"))
    }

    /// `psql -Atc SQL` on `postgres`, the output's lines; panics with psql's message on failure.
    pub fn query(&self, sql: &str) -> Vec<String> {
        let out = self.client("psql", &["-d", "postgres", "-X", "-A", "-t", "-c", sql]);
        assert!(
            out.status.success(),
            "psql -c {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let path = Path::new(BIN_DIR).join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        command.args(args).current_dir(self.dir.path());
        command
    }

    fn run_checked(&self, program: &str, args: &[&str]) {
        let out = self
            .command(program, args)
            .output()
            .unwrap_or_else(|e| panic!("running {program}: {e}"));
        if !out.status.success() {
            let log =
                std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
            panic!(
                "{program} failed: {}{}\n{log}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data_dir().display().to_string();
        // Immediate: a test's cluster has nothing worth a clean shutdown.
        let _ = self
            .command("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"])
            .output();
    }
}
