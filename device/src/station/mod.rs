//! The station: turns keys and face decisions into committed events and relay switches, using
//! the pure machines in [`crate::kiosk`] and the roster cache. Order matters and is fixed here:
//! an event is committed to the outbox *before* the kiosk says "welcome" or powers a machine,
//! and a machine is powered *off* before its stop is recorded, so a crash never leaves a relay
//! on without a record, nor a record of a stop that did not happen.
//!
//! - [`faces`]: face decisions under the site's liveness rules, and the head turn they may ask.
//! - [`machines`]: machine codes, session timers, shutdown and the relay/record ordering.
//! - [`pins`]: PIN punches through the slowdown, its counts kept in `state.db`.

mod faces;
mod machines;
mod pins;

pub use faces::{FaceMatch, TURN_GRACE_MS, TurnAsk};

use std::sync::{Arc, Mutex};

use attend_protocol::events::{EventBody, Punch, PunchMethod, PunchType};
use attend_protocol::face_policy::LivenessEvidence;
use attend_protocol::ids::{EmployeeId, EquipmentId, SessionId};
use attend_protocol::roster::RosterEmployee;
use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::Notify;

use crate::hw::{BeepPattern, Key, Outputs};
use crate::kiosk::equipment::{Limits, Sessions, recover};
use crate::kiosk::keys::{Choice, KeyEntry, Outcome};
use crate::kiosk::pin::{Argon2Verifier, PinRules, PinVerifier};
use crate::kiosk::punch::{Presence, PunchBook, PunchKey};
use crate::lock;
use crate::outbox::{EventDraft, Outbox};
use crate::roster::RosterCache;

/// What the screen shows after an input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Message {
    pub kind: MessageKind,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Keypad echo and prompts.
    Entry,
    Success,
    Refused,
    /// Equipment countdown.
    Warning,
    /// A head turn asked for: the screen shows which way, and its progress.
    Turn,
}

fn msg(kind: MessageKind, text: impl Into<String>) -> Message {
    Message {
        kind,
        text: text.into(),
    }
}

/// A face match with its liveness evidence, as the punch records them.
#[derive(Clone, Debug)]
struct RecordedFace {
    face: FaceMatch,
    liveness: LivenessEvidence,
}

#[derive(Clone, Debug)]
pub struct StationSettings {
    pub repeat_window_ms: u64,
    /// How PIN failures slow the keypad down, per number and per kiosk.
    pub pin: PinRules,
    pub equipment: Limits,
    /// How long after identifying digits mean a machine code.
    pub code_window_ms: u64,
    pub key_timeout_ms: u64,
}

impl Default for StationSettings {
    fn default() -> Self {
        Self {
            repeat_window_ms: 60_000,
            pin: PinRules::default(),
            equipment: Limits {
                idle_ms: 15 * 60_000,
                max_ms: 8 * 3_600_000,
                warn_ms: 60_000,
            },
            code_window_ms: 15_000,
            key_timeout_ms: 30_000,
        }
    }
}

pub struct Station {
    entry: KeyEntry,
    pin_rules: PinRules,
    pin_verifier: Box<dyn PinVerifier>,
    /// Wall-clock Unix ms: PIN failures are kept across reboots, so they need a clock that
    /// survives one. Replaced in tests.
    wall_clock: Box<dyn Fn() -> i64 + Send + Sync>,
    punches: PunchBook,
    sessions: Sessions,
    outbox: Arc<Mutex<Outbox>>,
    roster: Arc<Mutex<RosterCache>>,
    outputs: Box<dyn Outputs>,
    wake: Arc<Notify>,
    /// The head turn a face decision is waiting for, if any.
    turn: Option<faces::PendingTurn>,
    /// Head turns asked for so far: the next one's number.
    turns_asked: u64,
    /// Random bits for the turn's direction. Replaced in tests.
    coin: Box<dyn FnMut() -> u32 + Send + Sync>,
    /// Set by the sync side when the clock offset exceeds the server's tolerance.
    pub clock_suspect: bool,
}

impl std::fmt::Debug for Station {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Station")
            .field("outputs", &self.outputs.describe())
            .finish_non_exhaustive()
    }
}

impl Station {
    pub fn new(
        settings: &StationSettings,
        outbox: Arc<Mutex<Outbox>>,
        roster: Arc<Mutex<RosterCache>>,
        mut outputs: Box<dyn Outputs>,
        wake: Arc<Notify>,
    ) -> Self {
        if let Err(e) = outputs.safe_state() {
            tracing::error!(error = %e, "could not drive the outputs to their safe state");
        }
        let mut station = Self {
            entry: KeyEntry::new(settings.code_window_ms, settings.key_timeout_ms),
            pin_rules: settings.pin,
            pin_verifier: Box::new(Argon2Verifier),
            wall_clock: Box::new(|| Timestamp::now().as_millisecond()),
            punches: PunchBook::new(settings.repeat_window_ms),
            sessions: Sessions::new(settings.equipment),
            outbox,
            roster,
            outputs,
            wake,
            turn: None,
            turns_asked: 0,
            coin: Box::new(faces::random_bits),
            clock_suspect: false,
        };
        station.restore();
        station
    }

    /// Checks PINs with `verifier` instead of argon2 (tests count its calls).
    pub fn set_pin_verifier(&mut self, verifier: Box<dyn PinVerifier>) {
        self.pin_verifier = verifier;
    }

    /// Reads wall-clock Unix ms from `clock` (tests move it by hand).
    pub fn set_wall_clock(&mut self, clock: Box<dyn Fn() -> i64 + Send + Sync>) {
        self.wall_clock = clock;
    }

    /// Draws the head turn's direction from `coin` (tests fix it).
    pub fn set_coin(&mut self, coin: Box<dyn FnMut() -> u32 + Send + Sync>) {
        self.coin = coin;
    }

    pub fn outputs(&self) -> &dyn Outputs {
        self.outputs.as_ref()
    }

    /// Commits an event together with the local state it changes (one transaction).
    fn commit_with(
        &self,
        body: EventBody,
        also: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<()>,
    ) -> Result<(), String> {
        let mut draft = EventDraft::new(Timestamp::now(), body);
        draft.clock_suspect = self.clock_suspect;
        lock(&self.outbox)
            .enqueue_with(&draft, also)
            .map_err(|e| e.to_string())?;
        self.wake.notify_one();
        Ok(())
    }

    /// After a restart: presence as last recorded, and machines found running closed as
    /// `recovered` (relay off, stop recorded).
    fn restore(&mut self) {
        let (presences, open) = {
            let o = lock(&self.outbox);
            (
                o.presences().unwrap_or_default(),
                o.open_sessions().unwrap_or_default(),
            )
        };
        for (employee, state) in presences {
            let presence = match state.as_str() {
                "in" => Presence::In,
                "on_break" => Presence::OnBreak,
                _ => Presence::Out,
            };
            if let Ok(id) = employee.parse() {
                self.punches.restore(id, presence, 0);
            }
        }
        let parse = |s: &str| uuid::Uuid::parse_str(s).ok();
        let open: Vec<_> = open
            .iter()
            .filter_map(|(s, q, e, relay)| {
                Some((
                    SessionId(parse(s)?),
                    EquipmentId(parse(q)?),
                    EmployeeId(parse(e)?),
                    *relay,
                ))
            })
            .collect();
        if !open.is_empty() {
            tracing::warn!(
                sessions = open.len(),
                "machines were running when attendd stopped: closing them as recovered"
            );
            self.apply(recover(&open));
        }
    }

    fn local_time(&self) -> String {
        let tz = lock(&self.roster)
            .config()
            .ok()
            .flatten()
            .and_then(|c| jiff::tz::TimeZone::get(&c.timezone).ok());
        Timestamp::now()
            .to_zoned(tz.unwrap_or(jiff::tz::TimeZone::UTC))
            .strftime("%H:%M")
            .to_string()
    }

    fn beep(&mut self, pattern: BeepPattern) {
        let _ = self.outputs.beep(pattern);
    }

    /// A key from the keypad. A head turn being asked for ends: the person chose the keypad.
    pub fn on_key(&mut self, key: Key, now_ms: u64) -> Message {
        self.turn = None;
        match self.entry.on_key(key, now_ms) {
            Outcome::Echo { prompt, shown } => {
                msg(MessageKind::Entry, format!("{prompt}: {shown}"))
            }
            Outcome::Chosen(choice) => msg(
                MessageKind::Entry,
                match choice {
                    Choice::Punch(PunchKey::ClockIn) => {
                        "Clock in: show your face or type your number"
                    }
                    Choice::Punch(PunchKey::ClockOut) => {
                        "Clock out: show your face or type your number"
                    }
                    _ => "Break: show your face or type your number",
                },
            ),
            Outcome::Cancelled => msg(MessageKind::Entry, "Cancelled"),
            Outcome::Invalid(why) => {
                self.beep(BeepPattern::Long);
                msg(MessageKind::Refused, why)
            }
            Outcome::Pin {
                number,
                pin,
                choice,
            } => self.pin_entry(&number, &pin, choice, now_ms),
            Outcome::EquipmentCode { worker, code } => self.equipment_code(worker, &code, now_ms),
            Outcome::Stop { worker } => {
                let effects = self.sessions.stop_key(worker);
                if effects.is_empty() {
                    return msg(MessageKind::Refused, "No machine of yours is running");
                }
                self.apply(effects);
                msg(MessageKind::Success, "Machine stopped")
            }
        }
    }

    fn punch(
        &mut self,
        e: &RosterEmployee,
        method: PunchMethod,
        face: Option<RecordedFace>,
        choice: Option<Choice>,
        now_ms: u64,
    ) -> Message {
        let key = choice.map(|c| match c {
            Choice::Punch(k) => k,
            Choice::Break if self.punches.presence(e.id) == Presence::OnBreak => PunchKey::BreakEnd,
            Choice::Break => PunchKey::BreakStart,
        });
        let (previous, previous_at) = self.punches.snapshot(e.id);
        let punch_type = match self.punches.punch(e.id, e.consent, method, key, now_ms) {
            Ok(t) => t,
            Err(refusal) => {
                self.beep(BeepPattern::Long);
                return msg(
                    MessageKind::Refused,
                    format!("{}: {refusal}", e.display_name),
                );
            }
        };
        let body = EventBody::Punch(Punch {
            employee_id: e.id,
            punch_type,
            method,
            score: face.as_ref().map(|f| f.face.score),
            threshold: face.as_ref().map(|f| f.face.threshold),
            model_id: face.as_ref().map(|f| f.face.model_id.clone()),
            liveness: face.map(|f| f.liveness),
        });
        let state = match self.punches.presence(e.id) {
            Presence::In => "in",
            Presence::OnBreak => "on_break",
            Presence::Out => "out",
        };
        let id = e.id.to_string();
        let saved = self.commit_with(body, |tx| {
            tx.execute(
                "INSERT INTO presence (employee_id, state) VALUES (?1, ?2) ON CONFLICT (employee_id) DO UPDATE SET state = ?2",
                [id.as_str(), state],
            )
            .map(|_| ())
        });
        if let Err(error) = saved {
            self.punches.restore(e.id, previous, previous_at);
            tracing::error!(%error, "punch could not be recorded");
            self.beep(BeepPattern::Long);
            return msg(
                MessageKind::Refused,
                "Could not record the punch: please tell a manager",
            );
        }
        self.entry.identified(e.id, now_ms);
        if punch_type == PunchType::Out {
            let effects = self.sessions.clocked_out(e.id);
            self.apply(effects);
        }
        self.beep(BeepPattern::Short);
        let what = match punch_type {
            PunchType::In => "clocked in",
            PunchType::Out => "clocked out",
            PunchType::BreakStart => "break started",
            PunchType::BreakEnd => "back from break",
        };
        msg(
            MessageKind::Success,
            format!("Welcome, {} — {what} {}", e.display_name, self.local_time()),
        )
    }
}
