//! What every handler and page reaches: one service per feature, and the few shared pieces of
//! the HTTP layer. Built once by [`AppState::build`] on a backend's [`Stores`]; cheap to clone.

use std::ops::Deref;
use std::sync::Arc;

use anyhow::Context as _;

use super::stores::Stores;
use crate::config::Settings;
use crate::features::attendance::{AttendanceService, LiveFeed};
use crate::features::audit::AuditService;
use crate::features::auth::AuthService;
use crate::features::blocks::BlockService;
use crate::features::corrections::CorrectionService;
use crate::features::devices::DeviceService;
use crate::features::enrolment::EnrolmentService;
use crate::features::enrolment::photos::Faces;
use crate::features::equipment::EquipmentService;
use crate::features::equipment::codes::CodeKey;
use crate::features::leave::LeaveService;
use crate::features::notifications::{NotificationService, NotificationStore};
use crate::features::orgs::OrgService;
use crate::features::people::PeopleService;
use crate::features::reports::ReportService;
use crate::features::roster::RosterService;
use crate::features::timesheets::TimesheetService;
use crate::features::timesheets::blobs::{self, BlobStore};
use crate::platform::client::TrustedProxies;
use crate::platform::metrics::Metrics;
use crate::platform::password::Hasher;
use crate::platform::rate_limit::{Limiter, RateLimits};
use crate::platform::tokens::{JwtKeys, random_token};

/// Shared state of the HTTP layer.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] holds.
pub struct Shared {
    pub settings: Arc<Settings>,
    pub limits: RateLimits,
    pub metrics: Arc<Metrics>,
    /// Tells open live boards that an organisation's attendance changed.
    pub live: LiveFeed,
    pub ping: Arc<dyn crate::db::Ping>,
    /// Where queued mail waits for the mail worker.
    pub outbox: Arc<dyn NotificationStore>,
    pub attendance: AttendanceService,
    pub audit: AuditService,
    pub blocks: BlockService,
    /// Whose forwarding headers are believed (`http.trusted_proxies`).
    pub proxies: Arc<TrustedProxies>,
    pub auth: AuthService,
    /// Argon2 runs, bounded (and counted: the tests read [`Hasher::runs`]).
    pub hasher: Hasher,
    pub corrections: CorrectionService,
    pub devices: DeviceService,
    pub enrolment: EnrolmentService,
    pub equipment: EquipmentService,
    pub leave: LeaveService,
    pub notifications: NotificationService,
    pub orgs: OrgService,
    pub people: PeopleService,
    pub reports: ReportService,
    pub roster: RosterService,
    pub timesheets: TimesheetService,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Where attachment bytes live: S3 when configured, else a local directory.
fn blob_store(settings: &Settings) -> anyhow::Result<Arc<dyn BlobStore>> {
    if let Some(s3) = &settings.attachments_s3 {
        // object_store's reqwest brings no TLS crypto of its own; ours is ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let store = blobs::S3Blobs::new(s3).context("configuring S3 attachment storage")?;
        return Ok(Arc::new(store));
    }
    let dir = settings.attachments_dir.clone().unwrap_or_else(|| {
        blobs::default_dir(
            settings
                .database
                .sqlite_path()
                .unwrap_or(std::path::Path::new("./data/attend.db")),
        )
    });
    let store = blobs::LocalBlobs::new(&dir)
        .with_context(|| format!("opening the attachment directory {}", dir.display()))?;
    Ok(Arc::new(store))
}

impl AppState {
    /// Every service on `stores`, with the server's signing key (made on first start).
    pub async fn build(stores: &Stores, settings: Settings) -> anyhow::Result<Self> {
        let key = stores
            .auth
            .server_key("jwt_hs256", &|| random_token(48))
            .await?;
        crate::platform::password::warm_up();
        let blobs = blob_store(&settings)?;
        let jwt = Arc::new(JwtKeys::new(key.as_bytes()));
        let codes = CodeKey::new(&jwt);
        let settings = Arc::new(settings);
        let s = stores.clone();
        let live = LiveFeed::default();
        let orgs = OrgService::new(s.orgs.clone());
        let hasher = Hasher::default();
        let people = PeopleService::new(s.people.clone(), hasher.clone());
        let auth = AuthService::new(
            s.auth.clone(),
            s.people.clone(),
            s.orgs.clone(),
            jwt.clone(),
            settings.clone(),
            hasher.clone(),
        );
        let attendance =
            AttendanceService::new(s.attendance.clone(), s.leave.clone(), s.orgs.clone());
        let timesheets = TimesheetService::new(
            s.timesheets.clone(),
            s.people.clone(),
            attendance.clone(),
            blobs,
            settings.attachments_quota_bytes,
        );
        let faces = Arc::new(Faces::new(settings.vision.clone()));
        let proxies =
            TrustedProxies::parse(&settings.http.trusted_proxies).map_err(anyhow::Error::msg)?;
        for origin in &settings.http.cors_origins {
            let valid = origin.parse::<axum::http::HeaderValue>().is_ok()
                && (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.ends_with('/');
            anyhow::ensure!(
                valid,
                "http.cors_origins: {origin:?} is not an origin (like https://hr.example.com, no path)"
            );
        }
        let limiter = Limiter::new(
            settings.rate_limit.clone(),
            settings.http.instances,
            s.blocks.clone(),
        );
        // Blocks set before a restart hold from the first request.
        limiter.refresh().await;
        Ok(Self(Arc::new(Shared {
            limits: RateLimits {
                limiter: limiter.clone(),
                jwt,
            },
            blocks: BlockService::new(limiter),
            proxies: Arc::new(proxies),
            metrics: Metrics::new(),
            ping: s.ping.clone(),
            outbox: s.notifications.clone(),
            audit: AuditService::new(s.audit.clone()),
            corrections: CorrectionService::new(s.corrections.clone()),
            devices: DeviceService::new(
                s.devices.clone(),
                s.orgs.clone(),
                auth.throttle().clone(),
                live.clone(),
                settings.clone(),
            ),
            enrolment: EnrolmentService::new(s.enrolment.clone(), s.people.clone(), faces),
            equipment: EquipmentService::new(
                s.equipment.clone(),
                s.orgs.clone(),
                hasher.clone(),
                codes,
            ),
            leave: LeaveService::new(s.leave.clone()),
            notifications: NotificationService::new(
                s.notifications.clone(),
                s.schedule.clone(),
                s.orgs.clone(),
                s.people.clone(),
                attendance.clone(),
                settings.clone(),
            ),
            reports: ReportService::new(
                s.pay_rates.clone(),
                timesheets.clone(),
                people.clone(),
                orgs.clone(),
            ),
            roster: RosterService::new(s.roster.clone(), settings.sync.roster_page),
            attendance,
            auth,
            hasher,
            live,
            orgs,
            people,
            timesheets,
            settings,
        })))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
