//! Face decisions at the station, judged under the site's liveness rules
//! ([`crate::kiosk::liveness`]): punched with their evidence, refused with the PIN offered, or
//! held while the person is asked to turn their head.
//!
//! Invariants:
//! - At most one head turn is pending. Until it ends, its face decision has no punch: the
//!   punch (or the refusal) comes from [`Station::on_turn`] with the turn's outcome, or from
//!   [`Station::expire_turn`] as timed out when no outcome came in time (a camera that stopped
//!   must not leave a turn pending for ever).
//! - A key ends a pending turn without a punch ([`Station::on_key`]): the person chose the
//!   keypad, and the PIN is one key away.
//! - A failed turn is treated as any failed liveness check: refused, or punched with its
//!   evidence for review, as the site's rules say.

use attend_protocol::events::PunchMethod;
use attend_protocol::face_policy::{LivenessEvidence, LivenessPolicy, OnLivenessFailure};
use attend_protocol::ids::EmployeeId;
use attend_protocol::roster::{ConsentState, RosterEmployee};
use attend_protocol::validate::MAX_EVIDENCE_PICTURE_BASE64;
use attend_vision::liveness::challenge::{FailReason, Progress, Turn};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::{Message, MessageKind, RecordedFace, Station, msg};
use crate::hw::BeepPattern;
use crate::kiosk::liveness::{self, Judged, Passive};
use crate::lock;

/// How long past the turn's own time limit the station waits for its outcome before counting
/// it as timed out itself: the recognizer judges the limit on frame times, which run a little
/// behind.
pub const TURN_GRACE_MS: u64 = 3_000;

/// What a face match records on the punch.
#[derive(Clone, Debug, PartialEq)]
pub struct FaceMatch {
    pub score: f32,
    pub threshold: f32,
    /// The embedding model, e.g. `dlib-resnet-v1`.
    pub model_id: String,
    /// A small JPEG of the face that decided: kept with the punch only where the site's rules
    /// keep evidence pictures.
    pub picture: Option<Vec<u8>>,
    /// The descriptor of the face that decided: a head turn is checked against it (never
    /// recorded).
    pub descriptor: Option<Vec<f32>>,
}

/// The head turn a face decision waits for: its number (progress of any other turn is
/// ignored), which way, and how long it may take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TurnAsk {
    pub id: u64,
    pub direction: Turn,
    pub timeout_ms: u64,
    /// When it was asked, on the station's clock.
    pub asked_at_ms: u64,
}

#[derive(Clone, Debug)]
pub(super) struct PendingTurn {
    ask: TurnAsk,
    employee: RosterEmployee,
    face: FaceMatch,
    evidence: LivenessEvidence,
    policy: LivenessPolicy,
}

/// Random bits from the operating system for the turn's direction.
pub(super) fn random_bits() -> u32 {
    use ring::rand::SecureRandom as _;
    let mut bytes = [0u8; 4];
    match ring::rand::SystemRandom::new().fill(&mut bytes) {
        Ok(()) => u32::from_le_bytes(bytes),
        // No system randomness at all: a clock's nanoseconds still vary per attempt.
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default(),
    }
}

impl Station {
    /// A face decision: the recognised employee, the match details and the passive liveness
    /// check of the frames behind it. Judged under the site's liveness rules: punched with its
    /// evidence, refused (the PIN stays offered), or held while a head turn is asked for (the
    /// message is of kind [`MessageKind::Turn`] and [`Station::turn_asked`] says which way).
    pub fn on_face(
        &mut self,
        employee: EmployeeId,
        face: FaceMatch,
        passive: &Passive,
        now_ms: u64,
    ) -> Message {
        let Some(e) = lock(&self.roster).employee(employee).ok().flatten() else {
            return msg(MessageKind::Refused, "Unknown face — use PIN");
        };
        let policy = self.liveness_rules();
        match liveness::judge(&policy, passive, e.no_head_turn) {
            Judged::Final(evidence) => self.face_punch(&e, face, evidence, &policy, now_ms),
            Judged::TurnNeeded(evidence) => {
                let direction = Turn::random((self.coin)());
                let text = format!("{}, {}", e.display_name, direction.text());
                self.turns_asked += 1;
                self.turn = Some(PendingTurn {
                    ask: TurnAsk {
                        id: self.turns_asked,
                        direction,
                        timeout_ms: u64::from(policy.challenge_timeout_s) * 1_000,
                        asked_at_ms: now_ms,
                    },
                    employee: e,
                    face,
                    evidence,
                    policy,
                });
                msg(MessageKind::Turn, text)
            }
        }
    }

    /// The head turn being waited for, if any.
    pub fn turn_asked(&self) -> Option<TurnAsk> {
        self.turn.as_ref().map(|t| t.ask)
    }

    /// The descriptor the pending head turn is to be checked against.
    pub fn turn_anchor(&self) -> Option<&[f32]> {
        self.turn.as_ref()?.face.descriptor.as_deref()
    }

    /// The recognizer's progress on head turn `id`. A final one ends that turn with a punch or
    /// a refusal; anything else, or progress of another turn, changes nothing. The person is
    /// read from the roster again: a turn may take a minute, in which a pull may have withdrawn
    /// their consent or removed them.
    pub fn on_turn(&mut self, id: u64, progress: Progress, now_ms: u64) -> Option<Message> {
        let outcome = match progress {
            Progress::Passed { .. } => Ok(()),
            Progress::Failed(why) => Err(why),
            Progress::Looking | Progress::Turning { .. } => return None,
        };
        if self.turn_asked()?.id != id {
            return None;
        }
        let pending = self.turn.take()?;
        let Some(e) = lock(&self.roster)
            .employee(pending.employee.id)
            .ok()
            .flatten()
        else {
            return Some(msg(MessageKind::Refused, "Unknown face — use PIN"));
        };
        let evidence = liveness::after_turn(pending.evidence, outcome);
        Some(self.face_punch(&e, pending.face, evidence, &pending.policy, now_ms))
    }

    /// Ends a pending turn whose outcome is overdue as timed out (the camera may have stopped).
    pub fn expire_turn(&mut self, now_ms: u64) -> Option<Message> {
        let ask = self.turn_asked()?;
        let due = ask.asked_at_ms + ask.timeout_ms + TURN_GRACE_MS;
        (now_ms >= due)
            .then(|| self.on_turn(ask.id, Progress::Failed(FailReason::TimedOut), now_ms))
            .flatten()
    }

    /// A face punch with its evidence (and the face's picture where the site keeps them), or
    /// the refusal the site's rules ask for when no live person was seen.
    fn face_punch(
        &mut self,
        e: &RosterEmployee,
        mut face: FaceMatch,
        mut evidence: LivenessEvidence,
        policy: &LivenessPolicy,
        now_ms: u64,
    ) -> Message {
        if !evidence.live && policy.on_failure == OnLivenessFailure::Refuse {
            self.beep(BeepPattern::Long);
            let why = evidence.reason.as_deref().unwrap_or("no live person seen");
            return msg(
                MessageKind::Refused,
                format!(
                    "{}: could not confirm a live person ({why}). Use your PIN.",
                    e.display_name
                ),
            );
        }
        // Only with consent: without it the punch is refused below and nothing is written.
        // One over the protocol's bound would cost the whole punch (the server refuses it):
        // the punch goes without it.
        let picture = face.picture.take().map(|jpeg| BASE64.encode(jpeg));
        if policy.evidence_thumbnails && e.consent == ConsentState::Granted {
            evidence.picture_jpeg_base64 =
                picture.filter(|p| p.len() <= MAX_EVIDENCE_PICTURE_BASE64);
        }
        let face = RecordedFace {
            face,
            liveness: evidence,
        };
        self.punch(e, PunchMethod::Face, Some(face), None, now_ms)
    }

    /// The site's liveness rules as the server last sent them; an older server sends none, and
    /// then the passive check flags, as on a site that existed before the rules.
    fn liveness_rules(&self) -> LivenessPolicy {
        lock(&self.roster)
            .config()
            .ok()
            .flatten()
            .and_then(|c| c.liveness)
            .unwrap_or_else(LivenessPolicy::for_upgraded_site)
    }

    pub fn on_unknown_face(&mut self) -> Message {
        msg(MessageKind::Refused, "Unknown face — use PIN")
    }
}
