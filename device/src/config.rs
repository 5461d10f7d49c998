//! attendd's settings: defaults, then a TOML file, then `ATTENDD_*` environment variables
//! (nested keys with `__`, e.g. `ATTENDD_SYNC__BATCH_SIZE=200`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::hw::{CameraConfig, HwConfig, KeypadConfig, OutputsConfig};
use crate::sync::SyncConfig;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Holds `credentials.json`, `state.db` (outbox + roster cache) and `template.key`.
    pub state_dir: PathBuf,
    pub sync: SyncSettings,
    pub camera: CameraConfig,
    pub keypad: KeypadConfig,
    pub outputs: OutputsConfig,
    pub recognition: RecognitionSettings,
    pub screen: ScreenSettings,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecognitionSettings {
    /// Off: the kiosk works by PIN only (no camera, no models needed).
    pub enabled: bool,
    /// Directory with the model files (`bash scripts/setup-models.sh` fills `.cache/models`).
    pub models_dir: PathBuf,
    /// Consecutive agreeing frames before a face decision.
    pub frames_needed: u32,
    /// How much the best person must beat the runner-up by.
    pub margin: f32,
    /// int8 gallery search (exact re-ranking keeps scores exact).
    pub int8: bool,
    pub threads: usize,
    /// `libonnxruntime.so`; when absent, `ORT_DYLIB_PATH`, then the source tree's cache.
    /// `attendd setup` installs it here (the package's config sets it).
    #[serde(default)]
    pub ort_library: Option<PathBuf>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenSettings {
    /// The kiosk page for Chromium; loopback only by default.
    pub listen: std::net::SocketAddr,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncSettings {
    pub batch_size: usize,
    /// Largest push body in bytes. Keep it well under the server's `sync.max_body_bytes`
    /// (8 MiB by default): a batch over the server's limit is refused and has to be split.
    pub max_batch_bytes: usize,
    pub base_backoff_ms: u64,
    pub max_backoff_ms: u64,
    pub idle_poll_ms: u64,
    pub roster_interval_s: u64,
    pub heartbeat_interval_s: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            state_dir: PathBuf::from("/var/lib/attendd"),
            camera: HwConfig::default().camera,
            keypad: HwConfig::default().keypad,
            outputs: HwConfig::default().outputs,
            recognition: RecognitionSettings {
                enabled: true,
                models_dir: PathBuf::from("/var/lib/attendd/models"),
                frames_needed: 3,
                margin: 0.05,
                int8: true,
                threads: 2,
                ort_library: None,
            },
            screen: ScreenSettings {
                listen: std::net::SocketAddr::from(([127, 0, 0, 1], 8081)),
            },
            sync: SyncSettings {
                batch_size: 500,
                max_batch_bytes: 1 << 20,
                base_backoff_ms: 1_000,
                max_backoff_ms: 300_000,
                idle_poll_ms: 5_000,
                roster_interval_s: 60,
                heartbeat_interval_s: 60,
            },
        }
    }
}

impl Config {
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
            .merge(Env::prefixed("ATTENDD_").ignore(&["config"]).split("__"))
            .extract()
            .map_err(Box::new)
    }

    pub fn credentials_path(&self) -> PathBuf {
        self.state_dir.join("credentials.json")
    }

    pub fn state_db(&self) -> PathBuf {
        self.state_dir.join("state.db")
    }

    pub fn template_key(&self) -> PathBuf {
        self.state_dir.join("template.key")
    }

    pub fn sync_config(&self) -> SyncConfig {
        let s = &self.sync;
        SyncConfig {
            batch_size: s.batch_size.clamp(1, attend_protocol::MAX_BATCH_EVENTS),
            // Below a few KiB every event would go alone; that is slow, not wrong.
            max_batch_bytes: s.max_batch_bytes.max(4_096),
            base_backoff_ms: s.base_backoff_ms,
            max_backoff_ms: s.max_backoff_ms,
            idle_poll_ms: s.idle_poll_ms,
            roster_interval_ms: s.roster_interval_s * 1_000,
        }
    }

    /// The face pipeline's settings: models, runtime library, threads.
    pub fn pipeline(&self) -> attend_vision::PipelineConfig {
        let mut p = attend_vision::PipelineConfig::new(&self.recognition.models_dir);
        p.threads = self.recognition.threads;
        p.ort_library.clone_from(&self.recognition.ort_library);
        p
    }

    pub fn hardware(&self) -> HwConfig {
        HwConfig {
            camera: self.camera.clone(),
            keypad: self.keypad.clone(),
            outputs: self.outputs.clone(),
        }
    }

    pub fn heartbeat_every(&self) -> Duration {
        Duration::from_secs(self.sync.heartbeat_interval_s.max(1))
    }
}
