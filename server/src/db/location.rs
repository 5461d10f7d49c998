//! Where the data lives: the `database` setting. A file path is an embedded SQLite database; a
//! `postgres://` (or `postgresql://`, or libpq `key=value`) URL names a PostgreSQL database,
//! checked as libpq would read it. Any other URL scheme is refused at start-up, naming the scheme
//! and never echoing the rest (it may hold a password); so is a PostgreSQL URL that does not
//! parse. Before these checks a `postgres://…` value was taken for a file path, and a SQLite file
//! appeared under a directory named `postgres:` in the working directory.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Database {
    /// An embedded SQLite file (`./data/attend.db`; `sqlite://PATH` says the same).
    Sqlite(PathBuf),
    /// A PostgreSQL database (see [`crate::db::postgres`]), prepared by `attend-server migrate`.
    Postgres(PostgresUrl),
}

impl Database {
    /// The SQLite file, or `None` on PostgreSQL.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Self::Sqlite(path) => Some(path),
            Self::Postgres(_) => None,
        }
    }
}

/// A PostgreSQL connection URL as configured. Shown (`Display`, `Debug`) without its password.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl(String);

impl PostgresUrl {
    /// The URL as written, password included: only for connecting.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// What to connect with: the driver's configuration and the TLS policy libpq's `sslmode`
    /// and `sslrootcert` describe (see [`crate::db::postgres::tls`]).
    pub fn connection(
        &self,
    ) -> Result<(tokio_postgres::Config, crate::db::postgres::tls::TlsPolicy), String> {
        let (rest, policy) = crate::db::postgres::tls::split(&self.0)?;
        let mut config: tokio_postgres::Config = rest.parse().map_err(|e| format!("{e}"))?;
        config.ssl_mode(policy.driver_mode());
        Ok((config, policy))
    }

    fn config(&self) -> Option<tokio_postgres::Config> {
        self.connection().ok().map(|(config, _)| config)
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(config) = self.config() else {
            return f.write_str("postgres://(unreadable)");
        };
        let host = config.get_hosts().first().map_or_else(
            || "localhost".to_owned(),
            |h| match h {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            },
        );
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let user = config.get_user().unwrap_or("");
        let db = config.get_dbname().unwrap_or("");
        write!(f, "postgres://{user}@{host}:{port}/{db}")
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresUrl({self})")
    }
}

/// The scheme of `text` when it is a URL (`scheme://…`, or `postgres:`/`postgresql:` alone,
/// which libpq also reads), lower-cased.
fn url_scheme(text: &str) -> Option<String> {
    let (scheme, rest) = text.split_once(':')?;
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
    let scheme = scheme.to_ascii_lowercase();
    (is_scheme && (rest.starts_with("//") || matches!(scheme.as_str(), "postgres" | "postgresql")))
        .then_some(scheme)
}

impl TryFrom<String> for Database {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("`database` is empty: set it to a SQLite file path".into());
        }
        match url_scheme(text).as_deref() {
            None => Ok(Self::Sqlite(PathBuf::from(text))),
            Some("sqlite") => match text.split_once("://").map(|(_, path)| path) {
                Some(path) if !path.is_empty() => Ok(Self::Sqlite(PathBuf::from(path))),
                _ => Err("`database`: a sqlite:// URL needs a file path after it".into()),
            },
            Some("postgres" | "postgresql") => {
                let url = PostgresUrl(text.to_owned());
                match url.connection() {
                    Ok(_) => Ok(Self::Postgres(url)),
                    // The parser's message names the part it could not read, not the password.
                    Err(e) => Err(format!(
                        "`database` is not a PostgreSQL URL libpq reads: {e}"
                    )),
                }
            }
            Some(other) => Err(format!(
                "`database` has the URL scheme `{other}`, which attend-server does not know: \
                 set it to a SQLite file path"
            )),
        }
    }
}

impl From<Database> for String {
    fn from(database: Database) -> Self {
        match database {
            Database::Sqlite(path) => path.display().to_string(),
            Database::Postgres(url) => url.0,
        }
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => write!(f, "{url}"),
        }
    }
}

impl From<PathBuf> for Database {
    fn from(path: PathBuf) -> Self {
        Self::Sqlite(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Database, String> {
        Database::try_from(text.to_owned())
    }

    #[test]
    fn a_path_is_a_sqlite_file_and_so_is_a_sqlite_url() {
        for (text, path) in [
            ("./data/attend.db", "./data/attend.db"),
            ("/var/lib/attend/attend.db", "/var/lib/attend/attend.db"),
            ("attend.db", "attend.db"),
            ("data/2026:12.db", "data/2026:12.db"),
            ("sqlite:///var/lib/attend.db", "/var/lib/attend.db"),
            ("SQLite://rel.db", "rel.db"),
        ] {
            assert_eq!(parse(text), Ok(Database::Sqlite(path.into())), "{text}");
        }
    }

    #[test]
    fn a_postgres_url_is_postgres_and_never_shows_its_password() {
        for (text, shown) in [
            (
                "postgres://attend:s3cret@db.example/attend",
                "postgres://attend@db.example:5432/attend",
            ),
            (
                "postgresql://attend:s3cret@db.example:6432/attend?sslmode=disable",
                "postgres://attend@db.example:6432/attend",
            ),
        ] {
            let db = parse(text).expect(text);
            let Database::Postgres(url) = &db else {
                panic!("{text}: {db:?}");
            };
            assert_eq!(url.secret(), text);
            assert_eq!(db.to_string(), shown);
            assert!(!format!("{db:?}").contains("s3cret"));
            assert_eq!(db.sqlite_path(), None);
        }
        let err = parse("postgres://attend:s3cret@db.example:notaport/attend").expect_err("port");
        assert!(
            err.contains("PostgreSQL") && !err.contains("s3cret"),
            "{err}"
        );
    }

    #[test]
    fn any_other_url_scheme_or_nothing_is_refused_by_name() {
        let err = parse("mysql://root:pw@localhost/attend").expect_err("mysql");
        assert!(err.contains("`mysql`") && !err.contains("pw@"), "{err}");
        assert!(
            parse("file:///tmp/x.db")
                .expect_err("file")
                .contains("`file`")
        );
        assert!(parse("  ").expect_err("empty").contains("empty"));
        assert!(
            parse("sqlite://")
                .expect_err("no path")
                .contains("file path")
        );
    }

    #[test]
    fn it_reads_back_as_it_was_written() {
        let db = parse("./data/attend.db").expect("a path");
        assert_eq!(String::from(db.clone()), "./data/attend.db");
        assert_eq!(db.to_string(), "./data/attend.db");
        assert_eq!(db.sqlite_path(), Some(Path::new("./data/attend.db")));
    }
}
