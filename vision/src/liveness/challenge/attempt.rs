//! One attempt at the challenge: the state machine the kiosk feeds frame by frame.

use super::parallax;
use super::track::{Window, same_face, usable};
use super::{ChallengeConfig, FailReason, Observation, Progress, Turn};
use crate::detect::BBox;
use crate::quality::pose;

/// One attempt. Feed it every frame: [`Challenge::observe`] for a frame with the face,
/// [`Challenge::no_face`] for one without, [`Challenge::tick`] when there is no frame to feed.
#[derive(Clone, Debug)]
pub struct Challenge {
    direction: Turn,
    config: ChallengeConfig,
    started_at_ms: u64,
    progress: Progress,
    /// The start's landmarks and nose shift, once enough frontal frames were seen.
    start: Option<([[f32; 2]; 5], f64)>,
    /// The landmarks of the frontal frames in a row so far, summed, and how many.
    gathered: ([[f64; 2]; 5], u32),
    last_box: Option<BBox>,
    missed: u32,
    turned_flat: u32,
    turns: Window,
    residuals: Window,
}

impl Challenge {
    pub fn new(direction: Turn, config: ChallengeConfig, started_at_ms: u64) -> Self {
        let window = config.window;
        Self {
            direction,
            config,
            started_at_ms,
            progress: Progress::Looking,
            start: None,
            gathered: ([[0.0; 2]; 5], 0),
            last_box: None,
            missed: 0,
            turned_flat: 0,
            turns: Window::new(window),
            residuals: Window::new(window),
        }
    }

    pub fn direction(&self) -> Turn {
        self.direction
    }

    pub fn config(&self) -> &ChallengeConfig {
        &self.config
    }

    pub fn progress(&self) -> Progress {
        self.progress
    }

    /// The medians of turn (in the asked direction) and residual over the last
    /// [`ChallengeConfig::window`] frames, once that many were measured after the start: what
    /// the decisions are made on, for logs and an evidence record.
    pub fn medians(&self) -> Option<(f32, f32)> {
        if !self.turns.is_full() {
            return None;
        }
        Some((self.turns.median()? as f32, self.residuals.median()? as f32))
    }

    /// Fails the attempt as timed out once `now_ms` is past the deadline; for when no frame came.
    pub fn tick(&mut self, now_ms: u64) -> Progress {
        if !self.progress.is_final()
            && now_ms.saturating_sub(self.started_at_ms) >= self.config.timeout_ms
        {
            self.progress = Progress::Failed(FailReason::TimedOut);
        }
        self.progress
    }

    /// A frame in which no face was found. Too many in a row and the face is lost: a picture
    /// swapped out of view, or a person who left.
    pub fn no_face(&mut self, at_ms: u64) -> Progress {
        if self.tick(at_ms).is_final() {
            return self.progress;
        }
        self.missed += 1;
        if self.missed >= self.config.max_missed_frames {
            self.progress = Progress::Failed(FailReason::LostFace);
        }
        self.progress
    }

    /// One frame with the face in it.
    pub fn observe(&mut self, frame: &Observation) -> Progress {
        if self.tick(frame.at_ms).is_final() {
            return self.progress;
        }
        // A box or landmarks that measure nothing (not finite, both eyes on one spot, three of
        // the four outer points in a line) are no face: they must not reset the count of missed
        // frames, nor become the box the next frame is compared with.
        let measures = usable(&frame.bbox)
            .then(|| parallax::nose_shift(&frame.landmarks))
            .flatten()
            .and_then(|shift| match &self.start {
                None => Some((shift, None)),
                Some((start, _)) => {
                    parallax::residual(start, &frame.landmarks).map(|r| (shift, Some(r)))
                }
            });
        let Some((shift, residual)) = measures else {
            return self.no_face(frame.at_ms);
        };
        let c = &self.config;
        if let Some(last) = &self.last_box
            && !same_face(last, &frame.bbox, c.min_iou, c.max_centre_jump)
        {
            return self.fail(FailReason::LostFace);
        }
        self.last_box = Some(frame.bbox);
        self.missed = 0;
        // NaN is no evidence of the same person: only a distance within the limit passes.
        if let Some(d) = frame.identity_distance
            && (d.is_nan() || d > c.max_identity_distance)
        {
            return self.fail(FailReason::OtherPerson);
        }
        match (self.start, residual) {
            (Some((_, start_shift)), Some(residual)) => self.judge(shift - start_shift, residual),
            _ => self.look(&frame.landmarks),
        }
    }

    fn fail(&mut self, reason: FailReason) -> Progress {
        self.progress = Progress::Failed(reason);
        self.progress
    }

    /// Waiting for frontal frames to start from. The start is the mean of
    /// [`ChallengeConfig::start_frames`] of them in a row: its noise is in every later measure
    /// alike (the medians do not reduce it), so it is averaged down first.
    fn look(&mut self, landmarks: &[[f32; 2]; 5]) -> Progress {
        let (yaw, _) = pose(landmarks);
        if yaw.abs() > self.config.max_start_yaw {
            self.gathered = ([[0.0; 2]; 5], 0);
            return self.progress;
        }
        let (sum, count) = &mut self.gathered;
        for (s, p) in sum.iter_mut().zip(landmarks) {
            s[0] += f64::from(p[0]);
            s[1] += f64::from(p[1]);
        }
        *count += 1;
        if *count < self.config.start_frames.max(1) {
            return self.progress;
        }
        let n = f64::from(*count);
        let mean = sum.map(|[x, y]| [(x / n) as f32, (y / n) as f32]);
        // The mean of measurable frontal frames is itself measurable, but if rounding ever
        // says otherwise, gather afresh rather than start from nothing.
        if let Some(shift) = parallax::nose_shift(&mean) {
            self.start = Some((mean, shift));
            self.progress = Progress::Turning { fraction: 0.0 };
        } else {
            self.gathered = ([[0.0; 2]; 5], 0);
        }
        self.progress
    }

    /// A frame after the start: `shift` is the nose's move across the face since the start
    /// (positive towards the image's right), `residual` its distance off the start's plane.
    fn judge(&mut self, shift: f64, residual: f64) -> Progress {
        self.turns.push(shift * self.direction.sign());
        self.residuals.push(residual);
        let (Some(turn), Some(residual)) = (self.turns.median(), self.residuals.median()) else {
            return self.progress;
        };
        let c = &self.config;
        let (min_turn, min_residual) = (f64::from(c.min_turn), f64::from(c.min_residual));
        // Decisions wait for a full window, so a single frame never decides.
        if self.turns.is_full() {
            if turn <= -f64::from(c.wrong_way_turn) {
                return self.fail(FailReason::WrongWay);
            }
            if turn >= min_turn {
                if residual >= min_residual {
                    self.progress = Progress::Passed {
                        residual: residual as f32,
                        turn: turn as f32,
                    };
                    return self.progress;
                }
                self.turned_flat += 1;
                if self.turned_flat >= c.flat_frames {
                    return self.fail(FailReason::Flat);
                }
            }
        }
        let fraction = if min_turn > 0.0 {
            (turn / min_turn).clamp(0.0, 1.0)
        } else {
            1.0
        };
        self.progress = Progress::Turning {
            fraction: fraction as f32,
        };
        self.progress
    }
}
