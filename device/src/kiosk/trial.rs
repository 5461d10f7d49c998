//! The liveness trial an installer runs on site (`attendd liveness-trial`), as a pure machine:
//! attempts labelled from the keypad, each scored like a face decision at the kiosk (the mean
//! of the passive check over the frames it scored), and the summary: pass rates per class at a
//! threshold, and the threshold that keeps live people's rejections within a chosen rate.
//!
//! Keys: `1` starts an attempt by a live person, `2` an attack (a print, a phone or a screen
//! held up), `*` takes back the last attempt (mislabelled, or somebody walked through), `#`
//! ends the trial. An attempt lasts until [`TrialRules::frames`] frames were scored or
//! [`TrialRules::attempt_ms`] passed; keys are not read meanwhile.
//!
//! Invariants: an attempt that no frame scored has no score, and counts as rejected in every
//! pass rate (at the kiosk such a face fails the check too); the suggested threshold is never
//! one that rejects more live attempts than the chosen rate allows, and none is suggested
//! without live attempts.

use serde::Serialize;

use crate::hw::Key;

/// Who stood before the camera in an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Live,
    Attack,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrialRules {
    /// Scored frames that make an attempt.
    pub frames: usize,
    /// The longest an attempt waits for them.
    pub attempt_ms: u64,
}

impl Default for TrialRules {
    fn default() -> Self {
        Self {
            frames: 5,
            attempt_ms: 10_000,
        }
    }
}

/// One labelled attempt: the passive scores of its frames, and the last reason a frame was not
/// scored (the framing gate's hint).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attempt {
    pub label: Label,
    pub frame_scores: Vec<f32>,
    pub not_scored: Option<String>,
}

impl Attempt {
    /// The mean over the frames scored, as a kiosk judges a face decision.
    pub fn score(&self) -> Option<f32> {
        (!self.frame_scores.is_empty())
            .then(|| self.frame_scores.iter().sum::<f32>() / self.frame_scores.len() as f32)
    }
}

/// What a key did.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Started(Label),
    TookBack(Option<Attempt>),
    Finished,
    /// A key that means nothing here.
    Ignored,
}

/// The trial so far.
#[derive(Clone, Debug, Default)]
pub struct Trial {
    rules: TrialRules,
    current: Option<(Attempt, u64)>,
    done: Vec<Attempt>,
}

impl Trial {
    pub fn new(rules: TrialRules) -> Self {
        Self {
            rules,
            current: None,
            done: Vec::new(),
        }
    }

    /// Whether an attempt is collecting frames (keys wait until it ends).
    pub fn collecting(&self) -> bool {
        self.current.is_some()
    }

    pub fn attempts(&self) -> &[Attempt] {
        &self.done
    }

    pub fn on_key(&mut self, key: Key, now_ms: u64) -> Step {
        if self.collecting() {
            return Step::Ignored;
        }
        let label = match key {
            Key::Digit(d) if d.value() == 1 => Label::Live,
            Key::Digit(d) if d.value() == 2 => Label::Attack,
            Key::Cancel => return Step::TookBack(self.done.pop()),
            Key::Enter => return Step::Finished,
            _ => return Step::Ignored,
        };
        let attempt = Attempt {
            label,
            frame_scores: Vec::new(),
            not_scored: None,
        };
        self.current = Some((attempt, now_ms));
        Step::Started(label)
    }

    /// One frame of the current attempt: its passive score, or why it had none. Returns the
    /// attempt when this frame completes it.
    pub fn on_frame(&mut self, score: Result<f32, String>, now_ms: u64) -> Option<Attempt> {
        let (attempt, _) = self.current.as_mut()?;
        match score {
            Ok(p) => attempt.frame_scores.push(p),
            Err(why) => attempt.not_scored = Some(why),
        }
        self.finish_if_due(now_ms)
    }

    /// Ends the current attempt once it has its frames or its time is up.
    pub fn finish_if_due(&mut self, now_ms: u64) -> Option<Attempt> {
        let (attempt, started) = self.current.as_ref()?;
        let full = attempt.frame_scores.len() >= self.rules.frames;
        let late = now_ms.saturating_sub(*started) >= self.rules.attempt_ms;
        if !(full || late) {
            return None;
        }
        self.finish_now()
    }

    /// Ends the current attempt with what it has (the camera ended).
    pub fn finish_now(&mut self) -> Option<Attempt> {
        let (attempt, _) = self.current.take()?;
        self.done.push(attempt.clone());
        Some(attempt)
    }
}

/// One class's attempts at a threshold.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ClassSummary {
    pub attempts: usize,
    /// Attempts that some frame scored.
    pub scored: usize,
    /// Attempts whose score reached the threshold.
    pub passed: usize,
    pub pass_rate: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub threshold: f32,
    pub live: ClassSummary,
    pub attack: ClassSummary,
    /// The chosen false-reject rate for live attempts.
    pub target_frr: f64,
    /// The highest threshold that rejects at most `target_frr` of the live attempts.
    pub suggested_threshold: Option<f32>,
    /// At the suggested threshold: the live attempts rejected and the attacks passed.
    pub suggested_frr: Option<f64>,
    pub suggested_attack_pass_rate: Option<f64>,
}

fn class(attempts: &[Attempt], label: Label, threshold: f32) -> ClassSummary {
    let mine: Vec<&Attempt> = attempts.iter().filter(|a| a.label == label).collect();
    let passed = mine
        .iter()
        .filter(|a| a.score().is_some_and(|s| s >= threshold))
        .count();
    ClassSummary {
        attempts: mine.len(),
        scored: mine.iter().filter(|a| a.score().is_some()).count(),
        passed,
        pass_rate: (!mine.is_empty()).then(|| passed as f64 / mine.len() as f64),
    }
}

/// Pass rates at `threshold`, and the threshold for `target_frr`.
pub fn summarise(attempts: &[Attempt], threshold: f32, target_frr: f64) -> Summary {
    let live = class(attempts, Label::Live, threshold);
    let attack = class(attempts, Label::Attack, threshold);
    // Unscored live attempts are rejected at any threshold; of the scored ones, a threshold at
    // the k-th lowest score rejects the k−1 below it. Take the highest that stays in budget.
    let mut scores: Vec<f32> = attempts
        .iter()
        .filter(|a| a.label == Label::Live)
        .filter_map(Attempt::score)
        .collect();
    scores.sort_by(f32::total_cmp);
    let budget = (target_frr * live.attempts as f64 + 1e-9).floor() as usize;
    let unscored = live.attempts - live.scored;
    let suggested = budget
        .checked_sub(unscored)
        .and_then(|may_reject| scores.get(may_reject.min(scores.len().saturating_sub(1))))
        .copied()
        .filter(|_| !scores.is_empty());
    let at = |t: f32| summarise_at(attempts, t);
    Summary {
        threshold,
        live,
        attack,
        target_frr,
        suggested_threshold: suggested,
        suggested_frr: suggested.map(|t| 1.0 - at(t).0),
        suggested_attack_pass_rate: suggested.and_then(|t| at(t).1),
    }
}

/// Live pass rate and attack pass rate at `t`.
fn summarise_at(attempts: &[Attempt], t: f32) -> (f64, Option<f64>) {
    let live = class(attempts, Label::Live, t);
    let attack = class(attempts, Label::Attack, t);
    (live.pass_rate.unwrap_or(0.0), attack.pass_rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> Key {
        Key::from_char(c).expect("a key")
    }

    fn attempt(label: Label, scores: &[f32]) -> Attempt {
        Attempt {
            label,
            frame_scores: scores.to_vec(),
            not_scored: scores.is_empty().then(|| "step closer".into()),
        }
    }

    #[test]
    fn keys_label_attempts_which_end_with_their_frames_or_their_time() {
        let mut trial = Trial::new(TrialRules {
            frames: 2,
            attempt_ms: 1_000,
        });
        assert_eq!(trial.on_key(key('1'), 0), Step::Started(Label::Live));
        assert_eq!(trial.on_key(key('2'), 10), Step::Ignored, "busy");
        assert_eq!(trial.on_frame(Err("hold still".into()), 100), None);
        assert_eq!(trial.on_frame(Ok(0.8), 200), None);
        let done = trial.on_frame(Ok(0.6), 300).expect("two frames scored");
        assert!((done.score().expect("scored") - 0.7).abs() < 1e-6);
        assert_eq!(done.not_scored.as_deref(), Some("hold still"));

        assert_eq!(trial.on_key(key('2'), 400), Step::Started(Label::Attack));
        assert_eq!(trial.finish_if_due(1_399), None);
        let late = trial.finish_if_due(1_400).expect("its time is up");
        assert_eq!((late.label, late.score()), (Label::Attack, None));
        assert_eq!(trial.attempts().len(), 2);
        assert_eq!(trial.finish_now(), None, "nothing in progress");
        trial.on_key(key('1'), 1_500);
        assert!(
            trial
                .finish_now()
                .is_some_and(|a| a.frame_scores.is_empty())
        );
        assert_eq!(trial.attempts().len(), 3);
        assert!(matches!(
            trial.on_key(key('*'), 1_600),
            Step::TookBack(Some(_))
        ));
        assert!(
            matches!(trial.on_key(key('*'), 2_000), Step::TookBack(Some(a)) if a.label == Label::Attack)
        );
        assert_eq!(trial.attempts().len(), 1);
        assert_eq!(trial.on_key(key('7'), 2_000), Step::Ignored);
        assert_eq!(trial.on_key(key('#'), 2_000), Step::Finished);
    }

    #[test]
    fn the_summary_counts_unscored_attempts_as_rejected_and_keeps_the_suggestion_in_budget() {
        let attempts = vec![
            attempt(Label::Live, &[0.9]),
            attempt(Label::Live, &[0.8]),
            attempt(Label::Live, &[0.7]),
            attempt(Label::Live, &[0.4]),
            attempt(Label::Live, &[]),
            attempt(Label::Attack, &[0.3]),
            attempt(Label::Attack, &[0.75]),
            attempt(Label::Attack, &[]),
        ];
        let s = summarise(&attempts, 0.5, 0.2);
        assert_eq!((s.live.attempts, s.live.scored, s.live.passed), (5, 4, 3));
        assert_eq!(
            (s.attack.attempts, s.attack.scored, s.attack.passed),
            (3, 2, 1)
        );
        // A budget of one rejection out of five: the unscored attempt spends it, so the
        // threshold must pass every scored live attempt: the lowest, 0.4.
        assert_eq!(s.suggested_threshold, Some(0.4));
        assert!((s.suggested_frr.expect("frr") - 0.2).abs() < 1e-9);
        assert!((s.suggested_attack_pass_rate.expect("rate") - 1.0 / 3.0).abs() < 1e-9);

        // A budget of two: the 0.4 may be rejected, so the threshold rises to 0.7.
        let s = summarise(&attempts, 0.5, 0.4);
        assert_eq!(s.suggested_threshold, Some(0.7));
        assert!((s.suggested_frr.expect("frr") - 0.4).abs() < 1e-9);
        assert!((s.suggested_attack_pass_rate.expect("rate") - 1.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn no_threshold_is_suggested_without_live_attempts_or_when_unscored_ones_exceed_the_budget() {
        let attacks = vec![attempt(Label::Attack, &[0.2])];
        assert_eq!(summarise(&attacks, 0.5, 0.05).suggested_threshold, None);
        let unscored = vec![attempt(Label::Live, &[]), attempt(Label::Live, &[0.9])];
        let s = summarise(&unscored, 0.5, 0.0);
        assert_eq!(
            s.suggested_threshold, None,
            "half the live people were never scored"
        );
        assert_eq!(s.live.pass_rate, Some(0.5));
    }
}
