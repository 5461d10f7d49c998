//! Recognition: camera frames → the vision pipeline → the matcher over the roster's templates →
//! the N-agreeing-frames decider. Runs on its own thread (inference must never block the async
//! runtime) and hands decisions to the station over a channel. With the liveness models loaded,
//! each frame whose face matched is also judged by the passive check, and a decision carries
//! the verdicts of the frames behind it (the station weighs them under the site's rules).
//!
//! When the station asks for a head turn ([`Recognizer::start_turn`], with the descriptor of
//! the face that decided and the turn's number), the frames that follow
//! feed the challenge instead of the matcher ([`attend_vision::liveness::challenge`]): the
//! largest face's box and landmarks, and its descriptor's distance from the face that was
//! recognised, so a swap to another face fails the turn. Each such frame reports the turn's
//! progress; a final one (passed or failed) returns the recognizer to matching. No face
//! decision is made while a turn runs.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use attend_protocol::ids::EmployeeId;
use attend_vision::detect::Detection;
use attend_vision::image::{self, FrameFormat as VisionFormat};
use attend_vision::liveness::challenge::{Challenge, ChallengeConfig, Observation, Progress, Turn};
use attend_vision::liveness::{GateMode, LivenessChecker};
use attend_vision::matcher::{Decision as Match, Gallery, Matcher, Metric, Storage};
use attend_vision::pipeline::Face;
use attend_vision::{FacePipeline, VisionError};

use crate::hw::{Camera, Frame, FrameFormat};
use crate::kiosk::decide::{Decider, Decision, FrameResult};
use crate::kiosk::face_match::MatchRule;
use crate::kiosk::liveness::{Passive, PassiveFrame};
use crate::roster::Template;

/// A face decision with what the punch records.
#[derive(Clone, Debug, PartialEq)]
pub struct FaceEvent {
    pub decision: Decision<EmployeeId>,
    pub threshold: f32,
    pub model_id: String,
    /// The passive check on the frames that agreed on the person.
    pub passive: Passive,
    /// A small picture (JPEG) of the face in the frame that decided, for the punch's evidence
    /// where the site keeps evidence pictures.
    pub picture: Option<Vec<u8>>,
    /// The descriptor of the face in the frame that decided: a head turn is checked against it.
    pub descriptor: Option<Vec<f32>>,
}

/// Side of an evidence picture, in pixels: enough for a reviewer to see who stood there, small
/// enough to travel with every face punch (about 4 KB of JPEG).
pub const PICTURE_SIDE: u32 = 112;

/// The face in `bbox` with some margin around it, as a square JPEG of [`PICTURE_SIDE`].
pub fn evidence_picture(
    img: &image::RgbImage,
    bbox: &attend_vision::detect::BBox,
) -> Option<Vec<u8>> {
    let side = bbox.w.max(bbox.h) * 1.4;
    if !side.is_finite() || side < 1.0 {
        return None;
    }
    let (cx, cy) = (bbox.x + bbox.w / 2.0, bbox.y + bbox.h / 2.0);
    let face = img.cropped(
        (cx - side / 2.0).round() as i64,
        (cy - side / 2.0).round() as i64,
        side.round() as u32,
        side.round() as u32,
    )?;
    face.resized(PICTURE_SIDE, PICTURE_SIDE).to_jpeg(80).ok()
}

/// What one frame produced: the boxes (for the preview) and maybe a decision.
#[derive(Clone, Debug)]
pub struct FrameOutcome {
    /// Width and height of the decoded frame (the boxes' coordinate space).
    pub size: (u32, u32),
    pub faces: Vec<Detection>,
    pub event: Option<FaceEvent>,
    /// The head turn's number and progress, on frames that fed one.
    pub turn: Option<(u64, Progress)>,
}

/// What the station tells the recognition thread about head turns.
#[derive(Clone, Debug, PartialEq)]
pub enum TurnCommand {
    /// Judge the frames from now on as head turn `id` (see [`Recognizer::start_turn`]).
    Start {
        id: u64,
        direction: Turn,
        timeout_ms: u64,
        anchor: Option<Vec<f32>>,
    },
    /// The station no longer waits for the turn.
    Cancel,
}

impl TurnCommand {
    pub fn apply(self, recognizer: &mut Recognizer, now: Instant) {
        match self {
            Self::Start {
                id,
                direction,
                timeout_ms,
                anchor,
            } => recognizer.start_turn(id, direction, timeout_ms, now, anchor),
            Self::Cancel => recognizer.cancel_turn(),
        }
    }
}

pub fn vision_format(format: FrameFormat) -> VisionFormat {
    match format {
        FrameFormat::Jpeg => VisionFormat::Jpeg,
        FrameFormat::Png => VisionFormat::Png,
        FrameFormat::Yuyv { width, height } => VisionFormat::Yuyv { width, height },
        FrameFormat::Rgb { width, height } => VisionFormat::Rgb { width, height },
    }
}

#[derive(Debug)]
pub struct Recognizer {
    pipeline: Arc<FacePipeline>,
    gallery: Gallery<EmployeeId>,
    matcher: Matcher,
    decider: Decider<EmployeeId>,
    liveness: Option<LivenessChecker>,
    /// The passive verdicts of the latest frames that matched someone, as many as a decision
    /// needs; emptied when a frame shows nobody or nobody known.
    passive: VecDeque<PassiveFrame>,
    frames_needed: usize,
    /// The head turn being judged: its number, the challenge, and the descriptor it is checked
    /// against.
    turn: Option<(u64, Challenge, Option<Vec<f32>>)>,
    /// Frame times are counted in milliseconds from here.
    epoch: Instant,
}

impl Recognizer {
    /// `margin`: how much the best person must beat the runner-up by (in the metric's units).
    pub fn new(
        pipeline: Arc<FacePipeline>,
        frames_needed: u32,
        margin: f32,
        int8: bool,
    ) -> Result<Self, VisionError> {
        let metric = pipeline.metric();
        let dim = pipeline.embedder().model().embedder.dim;
        let gallery = Gallery::new(dim, metric).map_err(|e| VisionError::Model(e.to_string()))?;
        let mut matcher = Matcher::new(metric);
        matcher.threshold = pipeline.threshold();
        matcher.margin = margin;
        if int8 {
            matcher.storage = Storage::INT8;
        }
        Ok(Self {
            pipeline,
            gallery,
            matcher,
            decider: Decider::new(frames_needed),
            liveness: None,
            passive: VecDeque::new(),
            frames_needed: frames_needed.max(1) as usize,
            turn: None,
            epoch: Instant::now(),
        })
    }

    /// Judges each matched frame with the passive liveness check too.
    pub fn with_liveness(mut self, checker: LivenessChecker) -> Self {
        self.liveness = Some(checker);
        self
    }

    pub fn model_id(&self) -> &str {
        &self.pipeline.embedder().model().spec.id
    }

    /// The threshold and margin faces are identified with, and the metric they are in.
    pub fn match_rules(&self) -> (MatchRule, Metric) {
        let rule = MatchRule {
            threshold: self.matcher.threshold,
            margin: self.matcher.margin,
        };
        (rule, self.gallery.metric())
    }

    /// Identifies with this threshold and margin from now on (the site's rules, see
    /// `kiosk::face_match`).
    pub fn set_match_rules(&mut self, rule: MatchRule) {
        self.matcher.threshold = rule.threshold;
        self.matcher.margin = rule.margin;
    }

    /// Replaces the gallery (after a roster pull). Templates of another size are skipped.
    pub fn set_templates(&mut self, templates: &[Template]) -> usize {
        let (dim, metric) = (self.gallery.dim(), self.gallery.metric());
        let mut gallery = Gallery::new(dim, metric).expect("dimension already validated");
        let added = templates
            .iter()
            .filter(|t| gallery.add(t.employee_id, &t.vector).is_ok())
            .count();
        self.gallery = gallery;
        added
    }

    /// Judges the frames from `at` on as head turn `id`, in `direction`, that may take
    /// `timeout_ms`, each frame's face checked against `anchor` (the descriptor of the face that
    /// decided). Replaces a turn already running.
    pub fn start_turn(
        &mut self,
        id: u64,
        direction: Turn,
        timeout_ms: u64,
        at: Instant,
        anchor: Option<Vec<f32>>,
    ) {
        let metric = self.gallery.metric();
        let config = ChallengeConfig {
            timeout_ms,
            // One face against one (the face that started the turn): the model's 1:1
            // same-person threshold, not the stricter 1:N one a site identifies with.
            max_identity_distance: metric.distance_limit(self.pipeline.threshold()),
            ..ChallengeConfig::default()
        };
        let challenge = Challenge::new(direction, config, self.millis(at));
        self.turn = Some((id, challenge, anchor));
    }

    /// Stops judging a head turn (the person chose the keypad).
    pub fn cancel_turn(&mut self) {
        self.turn = None;
    }

    pub fn turn_running(&self) -> bool {
        self.turn.is_some()
    }

    fn millis(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.epoch).as_millis() as u64
    }

    /// Processes one frame. Only the largest face is described and matched: the person at the
    /// kiosk. Frames are looked at coarsely first (a face near the camera needs few pixels), at
    /// full detail during a head turn, whose parallax test reads the landmarks to the pixel.
    pub fn on_frame(&mut self, frame: &Frame) -> Result<FrameOutcome, VisionError> {
        let img = image::decode(&frame.bytes, vision_format(frame.format))?;
        let detector = self.pipeline.detector();
        let faces = match self.turn {
            Some(_) => detector.detect(&img)?,
            None => detector.detect_coarse_first(&img)?,
        };
        let largest = match faces
            .iter()
            .filter(|d| d.landmarks.is_some())
            .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
        {
            Some(detection) => self
                .pipeline
                .describe(&img, detection)?
                .map(|embedding| Face {
                    detection: detection.clone(),
                    embedding: Some(embedding),
                }),
            None => None,
        };
        let largest = largest.as_ref();
        if let Some(id) = self.turn.as_ref().map(|t| t.0) {
            let progress = self.turn_frame(largest, self.millis(frame.captured_at));
            return Ok(FrameOutcome {
                size: (img.width, img.height),
                faces,
                event: None,
                turn: Some((id, progress)),
            });
        }
        let result = match largest.and_then(|f| f.embedding.as_ref()) {
            None => FrameResult::NoFace,
            Some(embedding) => match self.matcher.identify(&self.gallery, embedding) {
                Ok(Match::Match { person, score, .. }) => FrameResult::Match { person, score },
                Ok(Match::Unknown { .. }) | Err(_) => FrameResult::Unknown,
            },
        };
        match (&result, largest, &self.liveness) {
            (FrameResult::Match { .. }, Some(face), Some(checker)) => {
                let verdict = checker.check(
                    &img,
                    std::slice::from_ref(&face.detection),
                    GateMode::Enforce,
                )?;
                if self.passive.len() == self.frames_needed {
                    self.passive.pop_front();
                }
                self.passive.push_back(PassiveFrame {
                    score: verdict.score,
                    scores: verdict.scores,
                    reason: verdict.reason,
                });
            }
            (FrameResult::Match { .. }, _, _) => {}
            _ => self.passive.clear(),
        }
        let event = self.decider.on_frame(result).map(|decision| FaceEvent {
            decision,
            threshold: self.matcher.threshold,
            model_id: self.model_id().to_owned(),
            passive: match self.liveness {
                Some(_) => Passive::Frames(self.passive.drain(..).collect()),
                None => Passive::NotInstalled,
            },
            picture: match decision {
                Decision::Recognised { .. } => {
                    largest.and_then(|f| evidence_picture(&img, &f.detection.bbox))
                }
                Decision::Unknown => None,
            },
            descriptor: match decision {
                Decision::Recognised { .. } => largest.and_then(|f| f.embedding.clone()),
                Decision::Unknown => None,
            },
        });
        Ok(FrameOutcome {
            size: (img.width, img.height),
            faces,
            event,
            turn: None,
        })
    }

    /// One frame of a running head turn: the largest face (or none) fed to the challenge. A
    /// final outcome ends the turn.
    fn turn_frame(&mut self, largest: Option<&Face>, at_ms: u64) -> Progress {
        let metric = self.gallery.metric();
        let Some((_, challenge, start)) = &mut self.turn else {
            return Progress::Looking;
        };
        let seen = largest.and_then(|face| {
            let landmarks = face.detection.landmarks?;
            let identity_distance = match (start.as_deref(), face.embedding.as_deref()) {
                (Some(start), Some(now)) => Some(metric.distance(start, now)),
                _ => None,
            };
            Some(Observation {
                at_ms,
                bbox: face.detection.bbox,
                landmarks,
                identity_distance,
            })
        });
        let progress = match seen {
            Some(observation) => challenge.observe(&observation),
            None => challenge.no_face(at_ms),
        };
        if progress.is_final() {
            self.turn = None;
        }
        progress
    }
}

/// Runs the camera → recognizer loop on the current thread until `stop` is set or the camera
/// ends; every outcome goes to `emit`. Camera errors are reported and end the loop (the daemon
/// restarts the camera).
pub fn run(
    camera: &mut dyn Camera,
    recognizer: &mut Recognizer,
    stop: &AtomicBool,
    mut emit: impl FnMut(FrameOutcome),
    mut refresh: impl FnMut(&mut Recognizer),
) -> Result<(), String> {
    while !stop.load(Ordering::Relaxed) {
        refresh(recognizer);
        let frame = camera.next_frame().map_err(|e| e.to_string())?;
        match recognizer.on_frame(&frame) {
            Ok(outcome) => emit(outcome),
            Err(e) => tracing::warn!(error = %e, "frame skipped"),
        }
    }
    Ok(())
}
