//! The device's credentials: server URL, device id and signing secret, as handed out once at
//! provisioning. Stored as JSON in a file only the service user can read (mode 0600), written
//! atomically (temp file + rename) so a crash never leaves half a file.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

use attend_protocol::ids::DeviceId;
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Credentials {
    /// Base URL of attend-server, e.g. `https://attend.example.com`.
    pub server: String,
    pub device_id: DeviceId,
    /// Base64url HMAC key; never logged.
    pub device_secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("server", &self.server)
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("no device credentials at {0}: run `attendd provision --server URL --code CODE` first")]
    Missing(String),
    #[error("device credentials {path}: {reason}")]
    Invalid { path: String, reason: String },
}

impl Credentials {
    pub fn load(path: &Path) -> Result<Self, CredentialsError> {
        let text = std::fs::read_to_string(path)
            .map_err(|_| CredentialsError::Missing(path.display().to_string()))?;
        serde_json::from_str(&text).map_err(|e| CredentialsError::Invalid {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    }

    pub fn save(&self, path: &Path) -> Result<(), CredentialsError> {
        let err = |e: std::io::Error| CredentialsError::Invalid {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let tmp = path.with_extension("tmp");
        let json = serde_json::to_vec_pretty(self).map_err(|e| err(std::io::Error::other(e)))?;
        let _ = std::fs::remove_file(&tmp);
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(err)?;
        file.write_all(&json)
            .and_then(|()| file.sync_all())
            .map_err(err)?;
        std::fs::rename(&tmp, path).map_err(err)
    }
}
