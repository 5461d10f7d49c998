//! `attendd liveness-trial`: the installer's calibration on site, with the kiosk's own camera,
//! keypad and models (stop `attendd run` first: one process owns the camera). Each attempt is
//! labelled from the keypad (`1` a live person, `2` an attack, `*` takes the last one back, `#`
//! ends) and scored as the kiosk scores a face decision: the passive check, behind the framing
//! gate, over several frames ([`crate::kiosk::trial`]). Writes one JSON line per attempt and
//! the summary as the last line; says what to do on standard error.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use attend_vision::liveness::{GateMode, LivenessChecker, LivenessConfig};
use attend_vision::{FacePipeline, image};
use serde_json::json;

use crate::config::Config;
use crate::hw::{SystemClock, open_camera, open_keypad};
use crate::kiosk::trial::{Label, Step, Summary, Trial, TrialRules, summarise};
use crate::recognize::vision_format;

#[derive(Clone, Copy, Debug)]
pub struct TrialOptions {
    pub rules: TrialRules,
    /// The pass score the rates are counted at (the site's `pass_score`).
    pub threshold: f32,
    /// The live people's rejection rate the suggested threshold keeps within.
    pub target_frr: f64,
}

/// Runs the trial until `#` (or until the camera or keypad ends) and returns its summary.
pub fn run_trial(
    config: &Config,
    options: &TrialOptions,
    out: &mut dyn Write,
    mut say: impl FnMut(&str),
) -> anyhow::Result<Summary> {
    let pipeline = FacePipeline::load(&config.pipeline()).context("loading the face models")?;
    let mut liveness = LivenessConfig::new(&config.recognition.models_dir);
    liveness.threads = 1;
    let checker = LivenessChecker::load(&liveness).with_context(|| {
        format!(
            "the liveness models are not installed in {} (run attendd setup --from DIR with them)",
            config.recognition.models_dir.display()
        )
    })?;
    let mut camera =
        open_camera(&config.camera.source, Arc::new(SystemClock)).context("opening the camera")?;
    let (mut keypad, _feeder) = open_keypad(&config.keypad).context("opening the keypad")?;
    let started = Instant::now();
    let now_ms = || started.elapsed().as_millis() as u64;
    let mut trial = Trial::new(options.rules);
    say(
        "Press 1 and stand before the camera (a live person), 2 and hold up a photo or screen (an attack); * takes the last attempt back, # ends.",
    );
    loop {
        if !trial.collecting() {
            let Some(key) = keypad.next_key(Duration::from_millis(100))? else {
                continue;
            };
            match trial.on_key(key, now_ms()) {
                Step::Started(label) => say(match label {
                    Label::Live => "Attempt: a live person. Look at the camera.",
                    Label::Attack => "Attempt: an attack. Hold the photo or screen up.",
                }),
                Step::TookBack(Some(_)) => say("The last attempt is taken back."),
                Step::TookBack(None) => say("No attempt to take back."),
                Step::Finished => break,
                Step::Ignored => {}
            }
            continue;
        }
        let (done, camera_ended) = match camera.next_frame() {
            Ok(frame) => {
                // A frame that cannot be read is a frame without a score, not the trial's end.
                let score = score_frame(&pipeline, &checker, &frame);
                let done = trial.on_frame(score, now_ms());
                (done.or_else(|| trial.finish_if_due(now_ms())), false)
            }
            // An attempt in progress keeps what it had.
            Err(e) => {
                say(&format!("The camera ended ({e}): the trial ends."));
                (trial.finish_now(), true)
            }
        };
        if let Some(done) = done {
            let score = done.score();
            writeln!(
                out,
                "{}",
                json!({
                    "attempt": trial.attempts().len(),
                    "label": done.label,
                    "score": score,
                    "frames_scored": done.frame_scores.len(),
                    "not_scored": done.not_scored,
                })
            )?;
            say(&match score {
                Some(p) => format!("Scored {p:.2} over {} frames.", done.frame_scores.len()),
                None => format!(
                    "Not scored: {}.",
                    done.not_scored.as_deref().unwrap_or("no face")
                ),
            });
        }
        if camera_ended {
            break;
        }
    }
    let summary = summarise(trial.attempts(), options.threshold, options.target_frr);
    writeln!(out, "{}", json!({ "summary": summary }))?;
    say(&describe(&summary));
    Ok(summary)
}

/// One frame's passive score as the kiosk takes it (behind the framing gate), or why none.
fn score_frame(
    pipeline: &FacePipeline,
    checker: &LivenessChecker,
    frame: &crate::hw::Frame,
) -> Result<f32, String> {
    let img =
        image::decode(&frame.bytes, vision_format(frame.format)).map_err(|e| e.to_string())?;
    let faces = pipeline
        .detector()
        .detect(&img)
        .map_err(|e| e.to_string())?;
    let verdict = checker
        .check(&img, &faces, GateMode::Enforce)
        .map_err(|e| e.to_string())?;
    verdict
        .score
        .ok_or_else(|| verdict.reason.unwrap_or_else(|| "no face".into()))
}

/// The summary in words for the installer.
fn describe(s: &Summary) -> String {
    use std::fmt::Write as _;
    let rate = |r: Option<f64>| r.map_or("–".to_owned(), |r| format!("{:.0}%", r * 100.0));
    let mut text = format!(
        "At pass score {:.2}: live {} of {} passed ({}), attacks {} of {} passed ({}).",
        s.threshold,
        s.live.passed,
        s.live.attempts,
        rate(s.live.pass_rate),
        s.attack.passed,
        s.attack.attempts,
        rate(s.attack.pass_rate)
    );
    match s.suggested_threshold {
        Some(t) => {
            let _ = write!(
                text,
                " For at most {:.0}% live rejections set pass_score to {t:.2}: live rejected {}, attacks passing {}.",
                s.target_frr * 100.0,
                rate(s.suggested_frr),
                rate(s.suggested_attack_pass_rate)
            );
        }
        None => text.push_str(
            " No pass score keeps the live rejections that low: too many live attempts were not scored (check the camera's placement) or there were none.",
        ),
    }
    text
}
