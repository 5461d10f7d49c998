//! The roster cache: who may punch, their PIN hashes and consent, face templates, equipment and
//! qualifications, as last pulled from the server. A delta is applied in one transaction
//! together with its cursor, so a crash mid-apply simply repeats the pull.
//!
//! Face templates are biometric data: they are stored sealed with AES-256-GCM (ring), a fresh
//! random nonce per template and the template id as associated data. The key lives in its own
//! file, created with mode 0600, and a key file that others can read is refused.

use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use attend_protocol::ids::{EmployeeId, EquipmentId, QualificationId, TemplateId};
use attend_protocol::roster::{
    ConsentState, DeviceConfig, EntityKind, HeldQualification, RosterDelta, RosterEmployee,
    RosterEquipment,
};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::{Connection, OptionalExtension, params};

use crate::outbox::store::{OutboxError, open_state_db};

#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error(transparent)]
    Store(#[from] OutboxError),
    #[error("roster cache: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("template key {path}: {reason}")]
    Key { path: PathBuf, reason: String },
    #[error("template {0} cannot be decrypted: wrong key file or corrupt row")]
    Unseal(String),
    #[error("roster cache row is corrupt: {0}")]
    Corrupt(String),
}

/// The AES-256-GCM key that seals face templates at rest.
pub struct TemplateKey(LessSafeKey);

impl std::fmt::Debug for TemplateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TemplateKey(<redacted>)")
    }
}

impl TemplateKey {
    /// Reads the key file, or creates it (mode 0600) with 32 random bytes.
    pub fn load_or_create(path: &Path) -> Result<Self, RosterError> {
        let err = |reason: String| RosterError::Key {
            path: path.to_owned(),
            reason,
        };
        if path.exists() {
            let meta = std::fs::metadata(path).map_err(|e| err(e.to_string()))?;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(err(format!(
                    "is readable by other users (mode {mode:o}): run `chmod 600` on it"
                )));
            }
            let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
            return Self::from_bytes(&bytes)
                .ok_or_else(|| err(format!("must hold 32 bytes, holds {}", bytes.len())));
        }
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| err("no system randomness".into()))?;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| err(e.to_string()))?;
        file.write_all(&bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| err(e.to_string()))?;
        Self::from_bytes(&bytes).ok_or_else(|| err("invalid key".into()))
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        UnboundKey::new(&AES_256_GCM, bytes)
            .ok()
            .map(|k| Self(LessSafeKey::new(k)))
    }

    fn seal(&self, id: &str, vector: &[f32]) -> Result<([u8; NONCE_LEN], Vec<u8>), RosterError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| RosterError::Unseal(id.to_owned()))?;
        let mut data: Vec<u8> = vector.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(id.as_bytes()),
                &mut data,
            )
            .map_err(|_| RosterError::Unseal(id.to_owned()))?;
        Ok((nonce, data))
    }

    fn open(&self, id: &str, nonce: &[u8], mut sealed: Vec<u8>) -> Result<Vec<f32>, RosterError> {
        let nonce: [u8; NONCE_LEN] = nonce
            .try_into()
            .map_err(|_| RosterError::Unseal(id.to_owned()))?;
        let plain = self
            .0
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(id.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| RosterError::Unseal(id.to_owned()))?;
        Ok(plain
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
}

/// A decrypted template.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub id: TemplateId,
    pub employee_id: EmployeeId,
    pub vector: Vec<f32>,
}

#[derive(Debug)]
pub struct RosterCache {
    conn: Connection,
    key: TemplateKey,
}

const CURSOR: &str = "roster_cursor";
const CONFIG: &str = "device_config";

fn consent_text(c: ConsentState) -> &'static str {
    match c {
        ConsentState::NotAsked => "not_asked",
        ConsentState::Granted => "granted",
        ConsentState::Withdrawn => "withdrawn",
    }
}

impl RosterCache {
    pub fn open(db: &Path, key: TemplateKey) -> Result<Self, RosterError> {
        Ok(Self {
            conn: open_state_db(db)?,
            key,
        })
    }

    /// The cursor to pull with next (0 before the first pull).
    pub fn cursor(&self) -> Result<u64, RosterError> {
        let v: Option<String> = self
            .conn
            .query_row("SELECT value FROM kv WHERE key = ?1", [CURSOR], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Applies a delta and its cursor atomically.
    pub fn apply(&mut self, delta: &RosterDelta) -> Result<(), RosterError> {
        let sealed: Vec<_> = delta
            .templates
            .iter()
            .map(|t| self.key.seal(&t.id.to_string(), &t.vector).map(|s| (t, s)))
            .collect::<Result<_, _>>()?;
        let tx = self.conn.transaction()?;
        for e in &delta.employees {
            let quals = serde_json::to_string(&e.qualifications)
                .map_err(|e| RosterError::Corrupt(e.to_string()))?;
            tx.execute(
                "INSERT OR REPLACE INTO roster_employees (id, employee_number, display_name, pin_hash, consent, qualifications, no_head_turn)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![e.id.to_string(), e.employee_number, e.display_name, e.pin_hash, consent_text(e.consent), quals, e.no_head_turn],
            )?;
        }
        for (t, (nonce, data)) in sealed {
            tx.execute(
                "INSERT OR REPLACE INTO roster_templates (id, employee_id, model_id, nonce, sealed) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![t.id.to_string(), t.employee_id.to_string(), t.model_id, nonce.to_vec(), data],
            )?;
        }
        for q in &delta.equipment {
            tx.execute(
                "INSERT OR REPLACE INTO roster_equipment (id, name, activation_code_hash, required_qualification, relay_channel, locked_out)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![q.id.to_string(), q.name, q.activation_code_hash, q.required_qualification.map(|r| r.to_string()), q.relay_channel, q.locked_out],
            )?;
        }
        for q in &delta.qualifications {
            tx.execute(
                "INSERT OR REPLACE INTO roster_qualifications (id, name) VALUES (?1, ?2)",
                params![q.id.to_string(), q.name],
            )?;
        }
        for t in &delta.tombstones {
            let id = t.id.to_string();
            match t.entity {
                EntityKind::Employee => {
                    tx.execute("DELETE FROM roster_employees WHERE id = ?1", [&id])?;
                    // A deleted person's biometric templates go with them.
                    tx.execute("DELETE FROM roster_templates WHERE employee_id = ?1", [&id])?;
                }
                EntityKind::Template => {
                    tx.execute("DELETE FROM roster_templates WHERE id = ?1", [&id])?;
                }
                EntityKind::Equipment => {
                    tx.execute("DELETE FROM roster_equipment WHERE id = ?1", [&id])?;
                }
                EntityKind::Qualification => {
                    tx.execute("DELETE FROM roster_qualifications WHERE id = ?1", [&id])?;
                }
            }
        }
        let config = serde_json::to_string(&delta.config)
            .map_err(|e| RosterError::Corrupt(e.to_string()))?;
        for (k, v) in [(CURSOR, delta.cursor.to_string()), (CONFIG, config)] {
            tx.execute("INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2", params![k, v])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn employee_where(
        &self,
        clause: &str,
        value: &str,
    ) -> Result<Option<RosterEmployee>, RosterError> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT id, employee_number, display_name, pin_hash, consent, qualifications, no_head_turn FROM roster_employees WHERE {clause} = ?1"),
                [value],
                |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, String>(4)?, r.get::<_, String>(5)?, r.get(6)?)),
            )
            .optional()?;
        let Some((id, employee_number, display_name, pin_hash, consent, quals, no_head_turn)) = row
        else {
            return Ok(None);
        };
        let consent = match consent.as_str() {
            "granted" => ConsentState::Granted,
            "withdrawn" => ConsentState::Withdrawn,
            _ => ConsentState::NotAsked,
        };
        let qualifications: Vec<HeldQualification> =
            serde_json::from_str(&quals).map_err(|e| RosterError::Corrupt(e.to_string()))?;
        Ok(Some(RosterEmployee {
            id: EmployeeId::from_str(&id).map_err(|e| RosterError::Corrupt(e.to_string()))?,
            employee_number,
            display_name,
            pin_hash,
            consent,
            qualifications,
            no_head_turn,
        }))
    }

    pub fn employee(&self, id: EmployeeId) -> Result<Option<RosterEmployee>, RosterError> {
        self.employee_where("id", &id.to_string())
    }

    /// The employee typed at the keypad.
    pub fn employee_by_number(&self, number: &str) -> Result<Option<RosterEmployee>, RosterError> {
        self.employee_where("employee_number", number)
    }

    pub fn employee_count(&self) -> Result<usize, RosterError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM roster_employees", [], |r| {
                r.get::<_, i64>(0)
            })? as usize)
    }

    /// Decrypted templates of `model_id`, for people who granted consent.
    pub fn templates(&self, model_id: &str) -> Result<Vec<Template>, RosterError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.id, t.employee_id, t.nonce, t.sealed FROM roster_templates t
             JOIN roster_employees e ON e.id = t.employee_id AND e.consent = 'granted' WHERE t.model_id = ?1",
        )?;
        let rows = stmt.query_map([model_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, employee, nonce, sealed) = row?;
            let vector = self.key.open(&id, &nonce, sealed)?;
            let parse =
                |s: &str| uuid::Uuid::parse_str(s).map_err(|e| RosterError::Corrupt(e.to_string()));
            out.push(Template {
                id: TemplateId(parse(&id)?),
                employee_id: EmployeeId(parse(&employee)?),
                vector,
            });
        }
        Ok(out)
    }

    /// Every machine at this site.
    pub fn equipment(&self) -> Result<Vec<RosterEquipment>, RosterError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, activation_code_hash, required_qualification, relay_channel, locked_out FROM roster_equipment ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, activation_code_hash, required, relay_channel, locked_out) = row?;
            let parse =
                |s: &str| uuid::Uuid::parse_str(s).map_err(|e| RosterError::Corrupt(e.to_string()));
            out.push(RosterEquipment {
                id: EquipmentId(parse(&id)?),
                name,
                activation_code_hash,
                required_qualification: required
                    .map(|q| parse(&q).map(QualificationId))
                    .transpose()?,
                relay_channel,
                locked_out,
            });
        }
        Ok(out)
    }

    /// The settings the server last sent.
    pub fn config(&self) -> Result<Option<DeviceConfig>, RosterError> {
        let v: Option<String> = self
            .conn
            .query_row("SELECT value FROM kv WHERE key = ?1", [CONFIG], |r| {
                r.get(0)
            })
            .optional()?;
        v.map(|v| serde_json::from_str(&v).map_err(|e| RosterError::Corrupt(e.to_string())))
            .transpose()
    }
}
