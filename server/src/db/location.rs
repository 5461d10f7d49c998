//! Where the data lives: the `database` setting. A file path is an embedded SQLite database; a
//! URL names a database server. Only SQLite is built so far, so a URL is refused at start-up,
//! naming its scheme and never echoing the rest (it may hold a password). Before this check a
//! `postgres://…` value was taken for a file path, and a SQLite file appeared under a directory
//! named `postgres:` in the working directory.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Database {
    /// An embedded SQLite file (`./data/attend.db`; `sqlite://PATH` says the same).
    Sqlite(PathBuf),
}

impl Database {
    /// The SQLite file.
    pub fn sqlite_path(&self) -> &Path {
        match self {
            Self::Sqlite(path) => path,
        }
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
            Some("postgres" | "postgresql") => Err(
                "`database` names a PostgreSQL server, and this attend-server runs on SQLite \
                 only: set `database` to a file path (for example ./data/attend.db)"
                    .into(),
            ),
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
        }
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
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
    fn a_postgres_url_is_refused_without_echoing_its_password() {
        for text in [
            "postgres://attend:s3cret@db.example/attend",
            "postgresql://attend:s3cret@db.example/attend?sslmode=require",
            "postgres:dbname=attend password=s3cret",
        ] {
            let err = parse(text).expect_err(text);
            assert!(err.contains("PostgreSQL"), "{err}");
            assert!(!err.contains("s3cret"), "{err}");
        }
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
        assert_eq!(db.sqlite_path(), Path::new("./data/attend.db"));
    }
}
