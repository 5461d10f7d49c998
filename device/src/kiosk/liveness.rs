//! Whether a live person stood before the camera, for one face decision: the passive check's
//! verdicts on the frames that agreed on the person, the site's rules and the person's own
//! marking → the evidence the punch carries ([`LivenessEvidence`]). Pure.
//!
//! Invariants: a face is never `live` without a passive score at or above the rules'
//! `pass_score` (unless the rules are `off`); frames the framing gate refused give no score, so
//! a face the gate refused in every frame is not live and the gate's reason says why. Where the
//! rules need a head turn (`challenge`, and `adaptive` in the grey zone) the judgement is
//! [`Judged::TurnNeeded`] and only [`after_turn`] makes it final: live exactly when the turn
//! passed. A person marked as unable to turn their head is never asked: the passive check alone
//! decides, and the turn is `excused`.

use std::collections::BTreeMap;

use attend_protocol::face_policy::{
    ChallengeOutcome, LivenessEvidence, LivenessMode, LivenessPolicy, PassiveScore,
};
use attend_vision::liveness::challenge::FailReason;

/// The passive check on one frame: its fused score and each model's, or why it gave none.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PassiveFrame {
    pub score: Option<f32>,
    pub scores: BTreeMap<String, f32>,
    pub reason: Option<String>,
}

/// What the passive check saw of the frames behind one decision.
#[derive(Clone, Debug, PartialEq)]
pub enum Passive {
    /// The liveness models are not installed on this kiosk.
    NotInstalled,
    Frames(Vec<PassiveFrame>),
}

const NOT_INSTALLED: &str =
    "the liveness models are not installed on this kiosk (run attendd setup --from DIR)";

/// The rules' judgement of one face decision.
#[derive(Clone, Debug, PartialEq)]
pub enum Judged {
    /// Final: the evidence the punch carries (live or not).
    Final(LivenessEvidence),
    /// The passive check passed and the rules want a head turn: the evidence so far, to be
    /// finished by [`after_turn`].
    TurnNeeded(LivenessEvidence),
}

/// The evidence for one face decision under `policy`; `no_head_turn`: the person is marked as
/// unable to turn their head.
pub fn judge(policy: &LivenessPolicy, passive: &Passive, no_head_turn: bool) -> Judged {
    let evidence = passive_evidence(policy, passive);
    if !evidence.live {
        return Judged::Final(evidence);
    }
    let turn_needed = match (policy.mode, evidence.score) {
        (LivenessMode::Challenge, _) => true,
        (LivenessMode::Adaptive, Some(score)) => score < policy.challenge_below,
        _ => false,
    };
    match (turn_needed, no_head_turn) {
        (false, _) => Judged::Final(evidence),
        (true, true) => Judged::Final(LivenessEvidence {
            challenge: ChallengeOutcome::Excused,
            ..evidence
        }),
        (true, false) => Judged::TurnNeeded(evidence),
    }
}

/// The evidence once the head turn asked for is over: live exactly when it passed.
pub fn after_turn(evidence: LivenessEvidence, outcome: Result<(), FailReason>) -> LivenessEvidence {
    match outcome {
        Ok(()) => LivenessEvidence {
            live: true,
            challenge: ChallengeOutcome::Passed,
            ..evidence
        },
        Err(why) => LivenessEvidence {
            live: false,
            challenge: ChallengeOutcome::Failed,
            reason: Some(format!("head turn failed: {}", turn_failure(why))),
            ..evidence
        },
    }
}

/// Why a head turn failed, in words for the screen and the reviewer.
pub fn turn_failure(why: FailReason) -> &'static str {
    match why {
        FailReason::TimedOut => "no head turn was seen in time",
        FailReason::LostFace => "the face was lost from view",
        FailReason::WrongWay => "the head turned the other way",
        FailReason::Flat => "the face moved like a flat picture",
        FailReason::OtherPerson => "another face took over",
    }
}

/// The passive part: live when the mean score of the scored frames reaches `pass_score`.
fn passive_evidence(policy: &LivenessPolicy, passive: &Passive) -> LivenessEvidence {
    let mut evidence = LivenessEvidence {
        mode: policy.mode,
        live: true,
        score: None,
        scores: Vec::new(),
        challenge: ChallengeOutcome::NotAsked,
        reason: None,
        picture_jpeg_base64: None,
    };
    if policy.mode == LivenessMode::Off {
        return evidence;
    }
    let fail = |mut evidence: LivenessEvidence, reason: String| {
        evidence.live = false;
        evidence.reason = Some(reason);
        evidence
    };
    let frames = match passive {
        Passive::NotInstalled => return fail(evidence, NOT_INSTALLED.into()),
        Passive::Frames(frames) => frames,
    };
    let scored: Vec<&PassiveFrame> = frames.iter().filter(|f| f.score.is_some()).collect();
    if scored.is_empty() {
        let why = frames
            .iter()
            .rev()
            .find_map(|f| f.reason.clone())
            .unwrap_or_else(|| "no face was scored".into());
        return fail(evidence, format!("not scored: {why}"));
    }
    // The mean over the agreeing frames: one odd frame decides nothing.
    let n = scored.len() as f32;
    let score = scored.iter().filter_map(|f| f.score).sum::<f32>() / n;
    let mut sums: BTreeMap<String, (f32, f32)> = BTreeMap::new();
    for (model, p) in scored.iter().flat_map(|f| &f.scores) {
        let entry = sums.entry(model.clone()).or_default();
        *entry = (entry.0 + p, entry.1 + 1.0);
    }
    evidence.score = Some(score);
    evidence.scores = sums
        .into_iter()
        .map(|(model, (sum, n))| PassiveScore {
            model,
            p_real: sum / n,
        })
        .collect();
    if score < policy.pass_score {
        let why = format!("passive score {score:.2} below {:.2}", policy.pass_score);
        return fail(evidence, why);
    }
    evidence
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(score: f32) -> PassiveFrame {
        PassiveFrame {
            score: Some(score),
            scores: [
                ("a".to_owned(), score - 0.02),
                ("b".to_owned(), score + 0.02),
            ]
            .into(),
            reason: None,
        }
    }

    fn refused(reason: &str) -> PassiveFrame {
        PassiveFrame {
            reason: Some(reason.into()),
            ..PassiveFrame::default()
        }
    }

    /// The judgement, which must be final.
    fn settled(judged: Judged) -> LivenessEvidence {
        match judged {
            Judged::Final(evidence) => evidence,
            Judged::TurnNeeded(e) => panic!("a turn was asked for: {e:?}"),
        }
    }

    fn rules(mode: LivenessMode) -> LivenessPolicy {
        LivenessPolicy {
            mode,
            ..LivenessPolicy::for_new_site()
        }
    }

    #[test]
    fn the_passive_rules_take_the_mean_of_the_agreeing_frames() {
        let frames = Passive::Frames(vec![frame(0.9), frame(0.3), frame(0.6)]);
        let e = settled(judge(&rules(LivenessMode::Passive), &frames, false));
        assert!(e.live, "{e:?}");
        assert!((e.score.expect("scored") - 0.6).abs() < 1e-6);
        let p = |m: &str| e.scores.iter().find(|s| s.model == m).expect(m).p_real;
        assert!((p("a") - 0.58).abs() < 1e-6 && (p("b") - 0.62).abs() < 1e-6);
        assert_eq!(e.challenge, ChallengeOutcome::NotAsked);

        let low = Passive::Frames(vec![frame(0.4), frame(0.45)]);
        let e = settled(judge(&rules(LivenessMode::Passive), &low, false));
        assert!(!e.live);
        assert!(e.reason.expect("why").contains("below 0.50"));
    }

    #[test]
    fn frames_the_gate_refused_give_no_score_and_their_reason_is_kept() {
        let frames = Passive::Frames(vec![refused("face too small: step closer")]);
        let e = settled(judge(&rules(LivenessMode::Passive), &frames, false));
        assert!(!e.live);
        assert_eq!(e.score, None);
        assert!(e.reason.expect("why").contains("step closer"));
        // One scored frame among refused ones is what counts.
        let mixed = Passive::Frames(vec![refused("hold still"), frame(0.8)]);
        assert!(settled(judge(&rules(LivenessMode::Passive), &mixed, false)).live);
    }

    #[test]
    fn adaptive_rules_pass_a_clear_score_and_ask_for_a_turn_in_the_grey_zone() {
        let policy = rules(LivenessMode::Adaptive);
        let clear = Passive::Frames(vec![frame(policy.challenge_below + 0.05)]);
        assert!(settled(judge(&policy, &clear, false)).live);
        let grey = Passive::Frames(vec![frame(policy.pass_score + 0.1)]);
        let Judged::TurnNeeded(so_far) = judge(&policy, &grey, false) else {
            panic!("the grey zone asks for a turn");
        };
        assert_eq!(so_far.challenge, ChallengeOutcome::NotAsked);
        let e = settled(judge(&policy, &grey, true));
        assert!(e.live, "a person marked as unable to turn is excused");
        assert_eq!(e.challenge, ChallengeOutcome::Excused);
        let low = Passive::Frames(vec![frame(policy.pass_score - 0.1)]);
        assert!(
            !settled(judge(&policy, &low, true)).live,
            "the mark excuses the turn, not the passive check"
        );
        assert!(
            !settled(judge(&policy, &low, false)).live,
            "a turn never rescues a failed passive check"
        );
    }

    #[test]
    fn the_turn_decides_and_says_why_it_failed() {
        let policy = rules(LivenessMode::Challenge);
        let Judged::TurnNeeded(so_far) = judge(&policy, &Passive::Frames(vec![frame(0.8)]), false)
        else {
            panic!("challenge rules ask for a turn");
        };
        let passed = after_turn(so_far.clone(), Ok(()));
        assert!(passed.live);
        assert_eq!(passed.challenge, ChallengeOutcome::Passed);
        assert_eq!(passed.score, so_far.score, "the passive scores are kept");
        let failed = after_turn(so_far, Err(FailReason::Flat));
        assert!(!failed.live);
        assert_eq!(failed.challenge, ChallengeOutcome::Failed);
        assert!(failed.reason.expect("why").contains("flat picture"));
    }

    #[test]
    fn off_asks_nothing_and_missing_models_are_never_a_pass() {
        let e = settled(judge(
            &rules(LivenessMode::Off),
            &Passive::NotInstalled,
            false,
        ));
        assert!(e.live);
        assert_eq!((e.mode, e.score), (LivenessMode::Off, None));
        for mode in [
            LivenessMode::Passive,
            LivenessMode::Challenge,
            LivenessMode::Adaptive,
        ] {
            let e = settled(judge(&rules(mode), &Passive::NotInstalled, true));
            assert!(!e.live, "{mode:?}");
            assert!(e.reason.expect("why").contains("not installed"));
        }
    }

    #[test]
    fn challenge_rules_need_the_turn_even_for_a_clear_score() {
        let clear = Passive::Frames(vec![frame(0.99)]);
        assert!(matches!(
            judge(&rules(LivenessMode::Challenge), &clear, false),
            Judged::TurnNeeded(_)
        ));
        assert!(settled(judge(&rules(LivenessMode::Challenge), &clear, true)).live);
    }
}
