//! Kiosks: registering (with a one-time provisioning code), provisioning, disabling, checking
//! each signed request, and taking in what they push.

use std::sync::Arc;

use attend_protocol::ack::{Ack, AckStatus};
use attend_protocol::events::EventBody;
use attend_protocol::ids::{DeviceId, SiteId};
use attend_protocol::provision::{ProvisionRequest, ProvisionResponse};
use attend_protocol::signing::{self, DeviceSecret, SignatureError, SignedRequest};
use jiff::{SignedDuration, Timestamp};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::store::{DeviceStore, NonceUse, Signer};
use super::{Device, DeviceAuth, DeviceStatus, EventFilter, NewDevice, ReceivedEvent, StoredEvent};
use crate::access::{Action, Caller};
use crate::config::Settings;
use crate::db::{Page, Paged, StoreError, all_pages};
use crate::features::attendance::LiveFeed;
use crate::features::auth::lockouts::Throttle;
use crate::features::auth::service::anonymous;
use crate::features::orgs::OrgStore;
use crate::platform::error::{AppResult, Error};
use crate::platform::limits;
use crate::platform::tokens::{human_code, normalise_code, token_hash};
use crate::platform::validate::Check;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDevice {
    pub site_id: SiteId,
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedDevice {
    pub device: Device,
    /// Type this on the kiosk (`attendd provision --code …`). Shown once; single use; valid
    /// for `auth.provisioning_code_ttl_s` (an hour by default).
    pub provisioning_code: String,
    #[schema(value_type = String, format = DateTime)]
    pub provisioning_expires_at: Timestamp,
}

/// A signed request as it arrived: who it claims to be from, its signature, and what was
/// signed (the full path, not a nested router's remainder).
#[derive(Debug)]
pub struct SignedParts<'a> {
    pub timestamp: i64,
    pub nonce: &'a str,
    pub signature: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub body: &'a [u8],
}

const REPLAYED: Error = Error::Unauthorized("nonce already used (replayed request)");

#[derive(Clone, Debug)]
pub struct DeviceService {
    pub(super) store: Arc<dyn DeviceStore>,
    orgs: Arc<dyn OrgStore>,
    throttle: Throttle,
    pub(super) live: LiveFeed,
    settings: Arc<Settings>,
}

/// A fresh one-time code as shown to the administrator, its hash as stored, and its expiry
/// (`auth.provisioning_code_ttl_s` from now).
pub(super) struct NewCode {
    pub code: String,
    pub hash: String,
    pub expires: Timestamp,
}

impl DeviceService {
    pub fn new(
        store: Arc<dyn DeviceStore>,
        orgs: Arc<dyn OrgStore>,
        throttle: Throttle,
        live: LiveFeed,
        settings: Arc<Settings>,
    ) -> Self {
        Self {
            store,
            orgs,
            throttle,
            live,
            settings,
        }
    }

    pub async fn create_device(
        &self,
        caller: &Caller,
        req: CreateDevice,
    ) -> AppResult<CreatedDevice> {
        caller.permit(Action::CreateDevice)?;
        Check::default()
            .text("name", &req.name, limits::NAME)
            .finish()?;
        // The site decides the organisation; a site outside the caller's scope is a bad reference.
        let site = self
            .orgs
            .get_site(caller.scope(), req.site_id)
            .await
            .map_err(|_| Error::field("site_id", "does not exist"))?;
        let code = self.new_code();
        let new = NewDevice {
            org_id: site.org_id,
            site_id: site.id,
            name: req.name.trim().to_owned(),
            provisioning_code_hash: code.hash,
            provisioning_expires_at: code.expires,
            confirm_on_provisioning: false,
        };
        let device = self.store.create_device(&caller.audit(), new).await?;
        Ok(CreatedDevice {
            device,
            provisioning_code: code.code,
            provisioning_expires_at: code.expires,
        })
    }

    pub(super) fn new_code(&self) -> NewCode {
        let code = human_code();
        NewCode {
            hash: token_hash(&normalise_code(&code)),
            expires: Timestamp::now()
                + SignedDuration::from_secs(self.settings.auth.provisioning_code_ttl_s),
            code,
        }
    }

    pub async fn list_devices(&self, caller: &Caller, page: &Page) -> AppResult<Paged<Device>> {
        caller.permit(Action::ListDevices)?;
        Ok(self.store.list_devices(caller.scope(), page).await?)
    }

    /// Every kiosk in scope (for the kiosks page).
    pub async fn all_devices(&self, caller: &Caller) -> AppResult<Vec<Device>> {
        caller.permit(Action::AllDevices)?;
        let scope = caller.scope();
        Ok(all_pages(|page| {
            let store = self.store.clone();
            async move { store.list_devices(scope, &page).await }
        })
        .await?)
    }

    pub async fn get_device(&self, caller: &Caller, id: DeviceId) -> AppResult<Device> {
        caller.permit(Action::GetDevice)?;
        Ok(self.store.get_device(caller.scope(), id).await?)
    }

    /// Disables (its signed requests are refused from now on) or re-enables a kiosk.
    pub async fn set_status(
        &self,
        caller: &Caller,
        id: DeviceId,
        status: DeviceStatus,
    ) -> AppResult<Device> {
        caller.permit(Action::SetDeviceStatus)?;
        Ok(self
            .store
            .set_device_status(&caller.audit(), caller.scope(), id, status)
            .await?)
    }

    /// Exchanges a one-time code for the device's id and signing secret; wrong codes count
    /// towards a lockout of the client.
    pub async fn provision(
        &self,
        ip: Option<String>,
        req: ProvisionRequest,
    ) -> AppResult<ProvisionResponse> {
        let key = ip.clone().unwrap_or_else(|| "unknown".into());
        let now = Timestamp::now();
        self.throttle.ensure_open("provision", &key, now).await?;
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| Error::Internal(anyhow::anyhow!("no randomness")))?;
        let secret = DeviceSecret::from_bytes(bytes);
        let code = token_hash(&normalise_code(&req.code));
        let provisioned = self
            .store
            .provision_device(
                &anonymous(ip),
                &code,
                &secret.to_base64(),
                now,
                req.attendd_version.as_deref(),
            )
            .await;
        match provisioned {
            Ok(auth) => Ok(ProvisionResponse {
                device_id: auth.id,
                device_secret: secret.to_base64(),
                org_id: auth.org_id,
                site_id: auth.site_id,
                site_timezone: auth.timezone,
                server_time: now,
            }),
            Err(StoreError::NotFound) => {
                self.throttle.failed("provision", &key, now).await?;
                Err(Error::field("code", "is invalid, already used or expired"))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The first check of a signed request, before its body is read: the device exists (and
    /// whether the nonce was seen, refused by [`Self::verify`]). A disabled one is refused only
    /// once its signature verifies, so nobody learns a device's state, or which nonces it used,
    /// from a request they could not sign.
    pub async fn signer(&self, id: DeviceId, nonce: &NonceUse) -> AppResult<Signer> {
        let signer = self
            .store
            .signer(id, nonce)
            .await?
            .ok_or(Error::Unauthorized("unknown device"))?;
        match signer.device.status {
            DeviceStatus::Active | DeviceStatus::Disabled => Ok(signer),
            DeviceStatus::Unprovisioned => Err(Error::Unauthorized("unknown device")),
        }
    }

    /// The rest of the check, on the body as read: the signature and timestamp verify and the
    /// nonce was not seen. The nonce is not spent here: [`Self::remember_nonce`] or the write
    /// the request makes ([`Self::ingest`]) spends it, so a replay writes nothing.
    pub fn verify(&self, signer: &Signer, req: SignedParts<'_>) -> AppResult<()> {
        let device = &signer.device;
        let secret =
            DeviceSecret::from_base64(&device.secret).map_err(|e| Error::Internal(e.into()))?;
        let signed = SignedRequest {
            method: req.method,
            path: req.path,
            query: req.query,
            timestamp: req.timestamp,
            nonce: req.nonce,
            body: req.body,
        };
        let (now, window) = (Timestamp::now(), self.settings.sync.skew_window_s);
        signing::verify(&secret, &signed, req.signature, now.as_second(), window).map_err(|e| {
            match e {
                SignatureError::Stale { .. } => {
                    Error::Unauthorized("request timestamp is outside the allowed clock skew")
                }
                SignatureError::BadNonce => Error::Unauthorized("malformed nonce"),
                _ => Error::Unauthorized("bad request signature"),
            }
        })?;
        if device.status == DeviceStatus::Disabled {
            return Err(Error::ForbiddenBecause("this device has been disabled"));
        }
        if signer.nonce_seen {
            return Err(REPLAYED);
        }
        Ok(())
    }

    /// The nonce of a request that writes nothing else (a roster pull) and the device's last
    /// contact.
    pub async fn remember_nonce(&self, device: &DeviceAuth, nonce: &NonceUse) -> AppResult<()> {
        if self.store.remember_nonce(device.id, nonce).await? {
            Ok(())
        } else {
            Err(REPLAYED)
        }
    }

    /// Stores a pushed batch (each event once; refused ones acknowledged with the reason) in
    /// the transaction that spends the request's nonce, and tells open live boards when a
    /// punch or machine event arrived.
    pub async fn ingest(
        &self,
        device: &DeviceAuth,
        nonce: &NonceUse,
        events: Vec<ReceivedEvent>,
    ) -> AppResult<Vec<Ack>> {
        // Punches and machine events change the live boards; heartbeats do not.
        let live = events
            .iter()
            .any(|e| matches!(e.event.body, EventBody::Punch(_) | EventBody::Equipment(_)));
        let skew = jiff::SignedDuration::from_secs(self.settings.sync.skew_window_s);
        let acks = self
            .store
            .ingest(device, nonce, events, skew)
            .await?
            .ok_or(REPLAYED)?;
        if live && acks.iter().any(|a| a.status == AckStatus::Accepted) {
            self.live.changed(device.org_id);
        }
        Ok(acks)
    }

    pub async fn list_events(
        &self,
        caller: &Caller,
        filter: &EventFilter,
        page: &Page,
    ) -> AppResult<Paged<StoredEvent>> {
        caller.permit(Action::ListEvents)?;
        Ok(self
            .store
            .list_events(caller.scope(), &caller.departments(), filter, page)
            .await?)
    }
}
