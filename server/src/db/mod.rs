//! What every store shares, whatever the backend: scopes, pages, the audit context and the
//! store error. Each feature declares its own small store trait (`features/<feature>/store.rs`)
//! in these terms and implements it once on [`sql::SqlDb`]:
//!
//! - [`sql`]: the stores' core on either backend (transactions, dialect, codecs, the audit and
//!   roster-change writers);
//! - [`sqlite`]: the embedded backend's connections and migrations;
//! - [`postgres`]: PostgreSQL's pool, migrations and roster lock;
//! - [`location`]: reads the `database` setting;
//! - [`transfer`]: moves a whole database between the two.
//!
//! Invariants every backend keeps:
//! - Every read and write that a caller scopes with [`Scope::Org`] touches only that
//!   organisation's rows; an id from another organisation behaves exactly like a missing id
//!   ([`StoreError::NotFound`]), so nothing leaks across tenants.
//! - Every change a person makes writes its audit row ([`AuditCtx`]) and, when it changes what
//!   kiosks see, its roster-change row in the *same transaction* as the change itself (machine
//!   bookkeeping such as synced events, nonces and lockout counters writes no audit row).
//! - A synced event is stored at most once per `event_id`.
//! - Stores hold no business rules: they read and write what a service decided, and refuse a
//!   write whose precondition (an expected status, an overlap the service checked) changed
//!   underneath it.

pub mod location;
pub mod postgres;
pub mod sql;
pub mod sqlite;
pub mod transfer;

/// An enum stored and sent as snake_case text, with `as_str`, `parse` and `ALL`.
macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

pub(crate) use string_enum;

use attend_protocol::ids::{DepartmentId, DeviceId, OrgId, UserId};

/// Which organisations a call may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every organisation (super_admin, support, and the system itself).
    All,
    Org(OrgId),
}

impl Scope {
    pub fn org(self) -> Option<OrgId> {
        match self {
            Self::All => None,
            Self::Org(id) => Some(id),
        }
    }

    /// Whether a row owned by `org` is visible in this scope.
    pub fn allows(self, org: OrgId) -> bool {
        self.org().is_none_or(|o| o == org)
    }
}

/// Which employees a call may see inside its organisation: all, or those of some departments
/// (a manager's view).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum DepartmentFilter {
    #[default]
    Any,
    Only(Vec<DepartmentId>),
}

/// Who did something, for the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditActor {
    User { id: UserId, org: Option<OrgId> },
    Device { id: DeviceId, org: OrgId },
    System,
    Anonymous,
}

impl AuditActor {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::User { .. } => "user",
            Self::Device { .. } => "device",
            Self::System => "system",
            Self::Anonymous => "anonymous",
        }
    }

    pub fn id(&self) -> Option<String> {
        match self {
            Self::User { id, .. } => Some(id.to_string()),
            Self::Device { id, .. } => Some(id.to_string()),
            Self::System | Self::Anonymous => None,
        }
    }
}

/// Audit context passed to every mutation.
#[derive(Clone, Debug)]
pub struct AuditCtx {
    pub actor: AuditActor,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// The four-eyes rule the single-admin setting let this change through (its audit rows
    /// carry it, for admins to filter on).
    pub waived: Option<&'static str>,
}

impl AuditCtx {
    pub fn system() -> Self {
        Self {
            actor: AuditActor::System,
            ip: None,
            request_id: None,
            waived: None,
        }
    }

    /// The same context, its rows flagged with the four-eyes rule `waived` let through.
    #[must_use]
    pub fn waiving(mut self, waived: Option<&'static str>) -> Self {
        self.waived = waived.or(self.waived);
        self
    }
}

/// Keyset pagination: at most `limit` rows after the row whose key is `after`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub limit: u32,
    pub after: Option<String>,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            limit: 50,
            after: None,
        }
    }
}

/// One page of results and the `after` key for the next page (absent on the last one).
#[derive(Clone, Debug, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// Every item of a paged listing, fetched 100 at a time (for reports and pages that need the
/// whole list; streaming work should page itself).
pub async fn all_pages<T, F, Fut>(mut fetch: F) -> StoreResult<Vec<T>>
where
    F: FnMut(Page) -> Fut,
    Fut: std::future::Future<Output = StoreResult<Paged<T>>>,
{
    let mut items = Vec::new();
    let mut page = Page {
        limit: 100,
        after: None,
    };
    loop {
        let got = fetch(page.clone()).await?;
        items.extend(got.items);
        match got.next {
            Some(next) => page.after = Some(next),
            None => return Ok(items),
        }
    }
}

/// Housekeeping: deletes bookkeeping rows that can no longer matter (expired lockouts, sessions,
/// refresh and reset tokens, old nonces), so no table grows without bound. Nothing a person
/// wrote, and nothing the audit log refers to, is deleted.
#[async_trait::async_trait]
pub trait Prune: Send + Sync + std::fmt::Debug {
    /// Deletes what expired more than `grace` before `now`; answers how many rows went.
    async fn prune(&self, now: jiff::Timestamp, grace: jiff::SignedDuration) -> StoreResult<u64>;
}

/// Periodic work shared by every instance on one database (the scans, housekeeping): each
/// period's run is claimed in the database (`scheduled_work`), so one instance does it.
#[async_trait::async_trait]
pub trait Schedule: Send + Sync + std::fmt::Debug {
    /// Claims the periodic work `name` for the period starting at `now`: `true` for the one
    /// caller, on any instance, that moves its due time on from a time already past to `next`.
    async fn claim_period(
        &self,
        name: &str,
        now: jiff::Timestamp,
        next: jiff::Timestamp,
    ) -> StoreResult<bool>;
}

/// A cheap round trip to the database, for the readiness probe.
#[async_trait::async_trait]
pub trait Ping: Send + Sync + std::fmt::Debug {
    /// What the database is and how busy, after one round trip to it.
    async fn ping(&self) -> StoreResult<DatabaseStatus>;
}

/// Which backend serves, how full its connection pool is, and the work queued in it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DatabaseStatus {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// PostgreSQL's connection pool (SQLite has one writer and a few readers).
    pub pool: Option<postgres::pool::PoolStatus>,
    /// Mail waiting to be sent and notification jobs waiting to run.
    pub queued_jobs: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; names the field, e.g. `email`.
    #[error("{field} is already taken")]
    Conflict { field: &'static str },
    /// A referenced row does not exist or is not in scope; names the field.
    #[error("{field} does not exist")]
    BadReference { field: &'static str },
    /// The request is well-formed but not allowed in the current state.
    #[error("{0}")]
    State(String),
    #[error(
        "database schema is at version {found}, this build needs {wanted}: run `attend-server migrate`"
    )]
    SchemaBehind { found: usize, wanted: usize },
    /// The database could not take the work now: a write lost to concurrent writers on every
    /// attempt, or no connection came free in time. Answered 503 with `Retry-After`.
    #[error("the database is busy ({0})")]
    Busy(&'static str),
    #[error("storage backend failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type StoreResult<T> = Result<T, StoreError>;
