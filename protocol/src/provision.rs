//! Device provisioning: an admin creates a device and is shown a one-time code; the kiosk
//! exchanges that code (once) for its id and the secret it signs every later request with.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{DeviceId, OrgId, SiteId};

/// `POST /api/v1/device/provision` body.
///
/// Stays strict (unknown fields refused), unlike the sync types: it is the one kiosk request
/// that is not signed, answered to anyone who holds a code, and it is a one-off step an
/// installer watches. A field the server does not understand there would silently be a
/// credential request the kiosk believes carries something it did not, so it fails loudly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvisionRequest {
    /// The one-time code shown to the admin when the device was created.
    pub code: String,
    /// What the kiosk reports about itself, kept for the devices page.
    #[serde(default)]
    pub attendd_version: Option<String>,
}

/// The credentials a kiosk stores after provisioning. `device_secret` is shown exactly once.
/// A kiosk ignores fields a newer server adds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProvisionResponse {
    pub device_id: DeviceId,
    /// Base64url (no padding) of 32 random bytes: the HMAC key for request signing.
    pub device_secret: String,
    pub org_id: OrgId,
    pub site_id: SiteId,
    /// IANA time zone of the device's site, e.g. `Europe/Lisbon`.
    pub site_timezone: String,
    #[schema(value_type = String, format = DateTime)]
    pub server_time: Timestamp,
}
