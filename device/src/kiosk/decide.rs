//! From per-frame matches to a decision. A face decision needs `frames_needed` consecutive
//! frames whose best match is the same person, each above the threshold with the margin the
//! matcher demands; any disagreeing or unknown frame restarts the count. A run of unknown
//! frames produces one "unknown face" answer, so the screen can suggest the PIN.

/// What the matcher said about one frame's best face.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FrameResult<P> {
    /// No face in view.
    NoFace,
    /// A face that matched nobody (or matched ambiguously).
    Unknown,
    Match {
        person: P,
        score: f32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decision<P> {
    /// Recognised: `score` is the weakest of the agreeing frames (the conservative one).
    Recognised { person: P, score: f32 },
    /// A face stayed unrecognised for `frames_needed` frames.
    Unknown,
}

/// What the face in view was last decided as.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Decided<P> {
    Unknown,
    Person(P),
}

#[derive(Clone, Debug)]
pub struct Decider<P> {
    frames_needed: u32,
    streak: Option<(P, u32, f32)>,
    unknown_streak: u32,
    /// The decision already given for the face in view: it is not repeated until the face
    /// leaves. A recognition may still follow an "unknown" (the first frames were blurred, or
    /// a stranger stepped aside for a colleague), and a different person may follow a
    /// recognition; an "unknown" never overrides a recognition.
    decided: Option<Decided<P>>,
}

impl<P: Copy + PartialEq> Decider<P> {
    pub fn new(frames_needed: u32) -> Self {
        Self {
            frames_needed: frames_needed.max(1),
            streak: None,
            unknown_streak: 0,
            decided: None,
        }
    }

    /// Feeds one frame; returns a decision at most once per face in view.
    pub fn on_frame(&mut self, frame: FrameResult<P>) -> Option<Decision<P>> {
        match frame {
            FrameResult::NoFace => {
                *self = Self::new(self.frames_needed);
                None
            }
            FrameResult::Unknown => {
                self.streak = None;
                self.unknown_streak += 1;
                if self.decided.is_none() && self.unknown_streak >= self.frames_needed {
                    self.decided = Some(Decided::Unknown);
                    return Some(Decision::Unknown);
                }
                None
            }
            FrameResult::Match { person, score } => {
                self.unknown_streak = 0;
                let (count, weakest) = match self.streak {
                    Some((p, n, w)) if p == person => (n + 1, w.max(score)),
                    _ => (1, score),
                };
                self.streak = Some((person, count, weakest));
                if count >= self.frames_needed && self.decided != Some(Decided::Person(person)) {
                    self.decided = Some(Decided::Person(person));
                    return Some(Decision::Recognised {
                        person,
                        score: weakest,
                    });
                }
                None
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values are the point of these tests
mod tests {
    use super::*;

    fn m(person: u32, score: f32) -> FrameResult<u32> {
        FrameResult::Match { person, score }
    }

    #[test]
    fn three_agreeing_frames_decide_once_with_the_weakest_score() {
        let mut d = Decider::new(3);
        assert_eq!(d.on_frame(m(1, 0.30)), None);
        assert_eq!(d.on_frame(m(1, 0.45)), None);
        assert_eq!(
            d.on_frame(m(1, 0.35)),
            Some(Decision::Recognised {
                person: 1,
                score: 0.45
            })
        );
        // Still in view: no second decision.
        assert_eq!(d.on_frame(m(1, 0.3)), None);
        // Leaves and comes back: decides again.
        d.on_frame(FrameResult::NoFace);
        for _ in 0..2 {
            assert_eq!(d.on_frame(m(1, 0.3)), None);
        }
        assert!(d.on_frame(m(1, 0.3)).is_some());
    }

    #[test]
    fn a_disagreeing_or_unknown_frame_restarts_the_count() {
        let mut d = Decider::new(3);
        d.on_frame(m(1, 0.3));
        d.on_frame(m(1, 0.3));
        assert_eq!(d.on_frame(m(2, 0.3)), None);
        d.on_frame(m(2, 0.3));
        assert_eq!(d.on_frame(FrameResult::Unknown), None);
        d.on_frame(m(2, 0.3));
        d.on_frame(m(2, 0.3));
        assert_eq!(
            d.on_frame(m(2, 0.3)),
            Some(Decision::Recognised {
                person: 2,
                score: 0.3
            })
        );
    }

    #[test]
    fn an_unrecognised_face_answers_unknown_once() {
        let mut d: Decider<u32> = Decider::new(2);
        assert_eq!(d.on_frame(FrameResult::Unknown), None);
        assert_eq!(d.on_frame(FrameResult::Unknown), Some(Decision::Unknown));
        assert_eq!(d.on_frame(FrameResult::Unknown), None);
    }

    #[test]
    fn a_face_first_answered_unknown_is_recognised_once_it_matches() {
        let mut d = Decider::new(2);
        d.on_frame(FrameResult::Unknown);
        assert_eq!(d.on_frame(FrameResult::Unknown), Some(Decision::Unknown));
        assert_eq!(d.on_frame(m(1, 0.3)), None);
        assert_eq!(
            d.on_frame(m(1, 0.3)),
            Some(Decision::Recognised {
                person: 1,
                score: 0.3
            })
        );
        // Recognised, then unrecognisable frames (a turned head): no "unknown" answer.
        for _ in 0..5 {
            assert_eq!(d.on_frame(FrameResult::Unknown), None);
        }
        // The same person again in the same visit: still no second decision.
        d.on_frame(m(1, 0.3));
        assert_eq!(d.on_frame(m(1, 0.3)), None);
    }

    proptest::proptest! {
        #[test]
        fn a_decision_always_rests_on_enough_agreeing_frames(frames in proptest::collection::vec(0u8..4, 0..60), needed in 1u32..5) {
            let mut d = Decider::new(needed);
            let mut history: Vec<FrameResult<u8>> = Vec::new();
            for f in frames {
                let frame = match f { 0 => FrameResult::NoFace, 1 => FrameResult::Unknown, p => FrameResult::Match { person: p, score: 0.4 } };
                history.push(frame);
                if let Some(Decision::Recognised { person, .. }) = d.on_frame(frame) {
                    let tail = &history[history.len() - needed as usize..];
                    let agreeing = FrameResult::Match { person, score: 0.4 };
                    proptest::prop_assert!(tail.iter().all(|h| *h == agreeing), "decided on {:?}", tail);
                }
            }
        }
    }
}
