//! Recognition: camera frames → the vision pipeline → the matcher over the roster's templates →
//! the N-agreeing-frames decider. Runs on its own thread (inference must never block the async
//! runtime) and hands decisions to the station over a channel. With the liveness models loaded,
//! each frame whose face matched is also judged by the passive check, and a decision carries
//! the verdicts of the frames behind it (the station weighs them under the site's rules).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use attend_protocol::ids::EmployeeId;
use attend_vision::detect::Detection;
use attend_vision::image::{self, FrameFormat as VisionFormat};
use attend_vision::liveness::{GateMode, LivenessChecker};
use attend_vision::matcher::{Decision as Match, Gallery, Matcher, Metric, Storage};
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
}

/// What one frame produced: the boxes (for the preview) and maybe a decision.
#[derive(Clone, Debug)]
pub struct FrameOutcome {
    /// Width and height of the decoded frame (the boxes' coordinate space).
    pub size: (u32, u32),
    pub faces: Vec<Detection>,
    pub event: Option<FaceEvent>,
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

    /// Processes one frame. Only the largest face is matched: the person at the kiosk.
    pub fn on_frame(&mut self, frame: &Frame) -> Result<FrameOutcome, VisionError> {
        let img = image::decode(&frame.bytes, vision_format(frame.format))?;
        let faces = self.pipeline.faces(&img)?;
        let largest = faces
            .iter()
            .filter(|f| f.embedding.is_some())
            .max_by(|a, b| a.detection.bbox.area().total_cmp(&b.detection.bbox.area()));
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
        });
        Ok(FrameOutcome {
            size: (img.width, img.height),
            faces: faces.into_iter().map(|f| f.detection).collect(),
            event,
        })
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
