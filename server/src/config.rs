//! Typed settings: defaults, then an optional TOML file, then `ATTEND_*` environment variables
//! (nested keys with `__`, e.g. `ATTEND_RATE_LIMIT__PER_MINUTE=200`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::db::location::Database;
use crate::db::sqlite::Synchronous;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on (`ATTEND_LISTEN`).
    pub listen: SocketAddr,
    /// The database (`ATTEND_DATABASE`): a SQLite file's path, or a `postgres://` URL (with
    /// libpq's `sslmode` and `sslrootcert`); any other scheme is refused at start.
    pub database: Database,
    /// SQLite's durability: `normal` (default) or `full` (fsync every commit). PostgreSQL's is
    /// the server's own `synchronous_commit`.
    pub synchronous: Synchronous,
    /// PostgreSQL connections each instance may open (`ATTEND_DATABASE_POOL`, default 16).
    pub database_pool: usize,
    /// Public base URL, used in e-mails.
    pub public_url: String,
    pub auth: AuthSettings,
    pub sync: SyncSettings,
    pub rate_limit: RateLimitSettings,
    pub http: HttpSettings,
    pub notifications: NotificationSettings,
    /// SMTP delivery (`[mail]`); without it mail is queued as usual and written to the log
    /// instead of sent.
    #[serde(default)]
    pub mail: Option<MailSettings>,
    /// `json` (default) or `pretty` log lines.
    pub log_format: LogFormat,
    /// Where timesheet attachments are stored; `attachments/` beside the database by default.
    #[serde(default)]
    pub attachments_dir: Option<PathBuf>,
    /// The most bytes of timesheet attachments one employee may have in all.
    pub attachments_quota_bytes: u64,
    /// S3-compatible storage for attachments instead of `attachments_dir`.
    #[serde(default)]
    pub attachments_s3: Option<S3Settings>,
    /// Face models for enrolment from uploaded photos (`[vision]`); without it the dashboard
    /// says photo enrolment is not set up, and kiosk enrolment still works.
    #[serde(default)]
    pub vision: Option<VisionSettings>,
}

/// The face models the server uses to turn uploaded photos into templates. They must be the
/// kiosks' models (the manifest's defaults unless named), or the templates would not match.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisionSettings {
    /// Directory with the manifest's model files (`bash scripts/setup-models.sh` fills one).
    pub models_dir: PathBuf,
    /// `libonnxruntime.so`; `ORT_DYLIB_PATH` or the project cache when absent.
    #[serde(default)]
    pub ort_library: Option<PathBuf>,
    /// Embedding model id from the manifest; its default when absent.
    #[serde(default)]
    pub embedder: Option<String>,
}

/// An S3-compatible bucket (AWS S3, MinIO, Ceph, …).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    pub bucket: String,
    pub region: String,
    /// For S3-compatible services, e.g. `http://minio:9000`; AWS when absent.
    #[serde(default)]
    pub endpoint: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Allow a plain-HTTP endpoint (a service on the local network).
    #[serde(default)]
    pub allow_http: bool,
    /// Key prefix inside the bucket, e.g. `attend/attachments`.
    #[serde(default)]
    pub prefix: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub access_token_ttl_s: i64,
    pub refresh_token_ttl_s: i64,
    /// No refresh token of a login session outlives this, however often it is rotated.
    pub session_max_age_s: i64,
    pub reset_token_ttl_s: i64,
    pub invite_ttl_s: i64,
    /// A kiosk's one-time provisioning code lasts this long (an hour: a code leaked in a chat
    /// soon stops working; `POST /devices/{id}/provisioning-code` issues a fresh one).
    pub provisioning_code_ttl_s: i64,
    /// Failed logins (per e-mail) or reset confirmations (per client) before a lockout.
    pub max_failures: u32,
    /// Failed sign-ins from one address (to any accounts) within the window before that address
    /// is locked out of signing in: the limit on password spraying.
    pub max_failures_per_address: u32,
    pub failure_window_s: i64,
    pub lockout_s: i64,
    /// Self-registrations waiting for approval one organisation may hold; more are refused
    /// until a manager decides some.
    pub max_pending_registrations: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncSettings {
    /// Tolerated |device clock − server clock| for a signed request.
    pub skew_window_s: i64,
    /// Largest accepted sync request body.
    pub max_body_bytes: usize,
    /// Most roster entities returned by one pull.
    pub roster_page: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    pub enabled: bool,
    /// Requests per minute per client on the API and the dashboard (not the signed kiosk
    /// routes, which use `sync_per_minute`).
    pub per_minute: u32,
    /// Requests per minute per client on heavy routes as well (attendance, reports, exports,
    /// audit, device events, notification jobs).
    pub heavy_per_minute: u32,
    /// Requests per minute per device on the signed sync routes (instead of `per_minute`): a
    /// kiosk back from a long outage drains its backlog in batches back to back.
    pub sync_per_minute: u32,
    /// Rejections within one minute after which a client is blocked for `cooldown_s`.
    pub block_after_rejections: u32,
    /// The first block's length; each further block within a day doubles it.
    pub cooldown_s: u64,
    /// The longest a repeat offender is blocked.
    pub max_block_s: u64,
}

/// How the server meets the network (`[http]`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// Reverse proxies (addresses or CIDRs) whose `Forwarded` / `X-Forwarded-For` is believed;
    /// empty: the peer address is the client. Parsed at start; a bad entry is refused by name.
    pub trusted_proxies: Vec<String>,
    /// A client has this long to send a request's headers (slow-header attacks).
    pub header_read_timeout_s: u64,
    /// A request (its body included) must be answered within this long, or it gets a 408.
    pub request_timeout_s: u64,
    /// Web origins (like `https://hr.example.com`) whose pages may call the JSON API from a
    /// browser; empty (the default): none, CORS is off.
    pub cors_origins: Vec<String>,
    /// How many instances serve behind the load balancer (1 or more). Each keeps the per-minute
    /// request buckets of `[rate_limit]` in memory, so each allows `1/instances` of every quota
    /// (a balancer spreads a client's requests across them); blocks and lockouts are shared
    /// through the database. More than one needs PostgreSQL and a shared attachment store.
    pub instances: std::num::NonZeroU32,
}

/// What the server tells people, and how hard it tries (`[notifications]`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// A kiosk not heard from for this long is reported to its org admins, once per outage.
    pub kiosk_offline_after_s: u64,
    /// The hour (UTC, 0–23) from which the daily digest of requests waiting for approval goes
    /// out to reviewers.
    pub approvals_digest_hour_utc: u8,
    /// The wait after a mail's first temporary failure; each further failure doubles it.
    pub mail_retry_first_s: u64,
    /// The longest wait between two tries of a mail.
    pub mail_retry_max_s: u64,
    /// Tries before a mail that keeps failing becomes a dead letter.
    pub mail_max_attempts: u32,
}

/// How mail leaves: an SMTP server (`[mail]`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// The SMTP server's host name (checked against its certificate).
    pub host: String,
    /// Its port; by `tls` when absent: 587 (starttls), 465 (tls), 25 (none).
    #[serde(default)]
    pub port: Option<u16>,
    /// `starttls` (default), `tls` (implicit TLS), or `none` (only for a server on loopback).
    #[serde(default)]
    pub tls: MailTls,
    /// SMTP authentication; with `password`, or neither.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// The sender, e.g. `Attend <attend@example.com>`.
    pub from: String,
    /// A CA certificate (PEM) to trust for the SMTP server besides the system's, for a server
    /// whose certificate an internal CA signed.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Longest time one message may take to send, connecting included.
    #[serde(default = "default_mail_timeout")]
    pub timeout_s: u64,
}

fn default_mail_timeout() -> u64 {
    30
}

/// How the connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTls {
    #[default]
    Starttls,
    Tls,
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Json,
    Pretty,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: Database::Sqlite(PathBuf::from("./data/attend.db")),
            synchronous: Synchronous::Normal,
            database_pool: 16,
            public_url: "http://127.0.0.1:8080".into(),
            auth: AuthSettings {
                access_token_ttl_s: 15 * 60,
                refresh_token_ttl_s: 30 * 24 * 3600,
                session_max_age_s: 90 * 24 * 3600,
                reset_token_ttl_s: 3600,
                invite_ttl_s: 7 * 24 * 3600,
                provisioning_code_ttl_s: 3600,
                max_failures: 5,
                max_failures_per_address: 20,
                failure_window_s: 15 * 60,
                lockout_s: 15 * 60,
                max_pending_registrations: 50,
            },
            sync: SyncSettings {
                skew_window_s: 300,
                max_body_bytes: 8 * 1024 * 1024,
                roster_page: 500,
            },
            rate_limit: RateLimitSettings {
                enabled: true,
                per_minute: 100,
                heavy_per_minute: 50,
                // 20 batches a second: a kiosk drains a 100,000-event backlog in 500-event batches
                // without being limited (about a second, measured).
                sync_per_minute: 1_200,
                block_after_rejections: 50,
                cooldown_s: 300,
                max_block_s: 24 * 3600,
            },
            http: HttpSettings {
                trusted_proxies: Vec::new(),
                header_read_timeout_s: 10,
                request_timeout_s: 60,
                cors_origins: Vec::new(),
                instances: std::num::NonZeroU32::MIN,
            },
            notifications: NotificationSettings {
                kiosk_offline_after_s: 30 * 60,
                approvals_digest_hour_utc: 7,
                mail_retry_first_s: 60,
                mail_retry_max_s: 3600,
                mail_max_attempts: 12,
            },
            mail: None,
            log_format: LogFormat::Json,
            attachments_dir: None,
            attachments_quota_bytes: 200 * 1024 * 1024,
            attachments_s3: None,
            vision: None,
        }
    }
}

impl Settings {
    /// Refuses a deployment of several instances these settings cannot serve, naming the
    /// settings: each instance needs to see the others' data, live notices and attachments.
    pub fn check_instances(&self) -> Result<(), String> {
        let n = self.http.instances.get();
        if n == 1 {
            return Ok(());
        }
        if self.database.sqlite_path().is_some() {
            return Err(format!(
                "http.instances is {n}, but `database` is a SQLite file, which one server \
                 serves: set `database` to a postgres:// URL for several instances"
            ));
        }
        if self.attachments_s3.is_none() && self.attachments_dir.is_none() {
            return Err(format!(
                "http.instances is {n}, but attachments would go to each instance's own disk: \
                 set [attachments_s3] (or `attachments_dir` to a directory every instance shares)"
            ));
        }
        Ok(())
    }

    /// Defaults ← `file` (if given) ← `ATTEND_*` environment.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Self::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(Box::new(figment::Error::from(format!(
                    "config file {} does not exist",
                    file.display()
                ))));
            }
            figment = figment.merge(Toml::file(file));
        }
        figment
            .merge(Env::prefixed("ATTEND_").ignore(&["config"]).split("__"))
            .extract()
            .map_err(Box::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_instances_need_postgres_and_a_shared_attachment_store() {
        let mut settings = Settings::default();
        assert_eq!(settings.check_instances(), Ok(()), "one instance on SQLite");
        settings.http.instances = std::num::NonZeroU32::new(2).expect("2");
        let sqlite = settings.check_instances().expect_err("SQLite");
        assert!(
            sqlite.contains("http.instances is 2") && sqlite.contains("postgres://"),
            "{sqlite}"
        );
        settings.database = Database::try_from("postgres://db/attend".to_owned()).expect("URL");
        let disk = settings.check_instances().expect_err("local attachments");
        assert!(disk.contains("[attachments_s3]"), "{disk}");
        settings.attachments_dir = Some("/mnt/shared/attachments".into());
        assert_eq!(settings.check_instances(), Ok(()), "a shared directory");
    }
}
