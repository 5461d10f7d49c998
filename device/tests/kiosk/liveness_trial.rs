//! `attendd liveness-trial` on the real models, with a replayed camera and a scripted keypad:
//! Minivision's real sample, then its tablet replay and its poster print, each placed at a
//! kiosk's distance, are labelled live, attack, attack; the live one passes, the attacks do not,
//! and the suggested pass score sits between them. Needs the setup scripts and `../shared`.

use std::path::Path;

use attend_device::config::Config;
use attend_device::hw::{CameraConfig, CameraSpec, DirSpec, KeypadConfig};
use attend_device::kiosk::trial::TrialRules;
use attend_device::trial::{TrialOptions, run_trial};
use attend_testkit::waved::{Around, Pose, render_in};
use attend_vision::image::{self, RgbImage};

use crate::support::pipeline;

/// `sample` of the liveness samples with its face about 22% of a 640×480 frame's width, the
/// photo's edges repeated around it, as `count` frames named from `first`.
fn place(sample: &str, into: &Path, first: usize, count: usize) {
    let path = attend_testkit::faces_dir()
        .join("liveness-samples")
        .join(sample);
    let img = image::load(&path).expect("sample");
    let detection = pipeline()
        .detector()
        .detect(&img)
        .expect("detects")
        .into_iter()
        .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
        .expect("a face");
    let (face, eyes) = (detection.bbox, detection.landmarks.expect("landmarks"));
    // Half levelled (the samples' heads lean by 10..18°, the gate allows 15°, and its yaw
    // measure grows as a leaning head is turned upright), centred and scaled: as a person
    // standing at the kiosk.
    let lean = f64::from(eyes[1][1] - eyes[0][1]).atan2(f64::from(eyes[1][0] - eyes[0][0])) / 2.0;
    let scale = 0.22 * 640.0 / f64::from(face.w);
    let (sin, cos) = (-lean).sin_cos();
    let (cx, cy) = (
        f64::from(face.x + face.w / 2.0) - f64::from(img.width) / 2.0,
        f64::from(face.y + face.h / 2.0) - f64::from(img.height) / 2.0,
    );
    let pose = Pose {
        roll_deg: -lean.to_degrees(),
        dx: -(cx * cos - cy * sin) * scale,
        dy: -(cx * sin + cy * cos) * scale,
        ..Pose::facing(scale)
    };
    let rgb = render_in(
        &img.data,
        img.width,
        img.height,
        640,
        480,
        &pose,
        Around::Edges,
    );
    let jpeg = RgbImage::new(640, 480, rgb)
        .expect("frame")
        .to_jpeg(95)
        .expect("jpeg");
    for i in first..first + count {
        std::fs::write(into.join(format!("frame{i:03}.jpg")), &jpeg).expect("written");
    }
}

#[test]
fn labelled_attempts_give_pass_rates_and_a_pass_score_between_live_and_attacks() {
    let dir = tempfile::tempdir().expect("dir");
    let frames = dir.path().join("frames");
    std::fs::create_dir_all(&frames).expect("dir");
    place("image_T1.jpg", &frames, 0, 3);
    place("image_F2.jpg", &frames, 3, 3);
    place("image_F1.jpg", &frames, 6, 3);
    let mut config = Config {
        state_dir: dir.path().to_owned(),
        ..Config::default()
    };
    config.recognition.models_dir = attend_testkit::models_dir();
    config.camera = CameraConfig {
        source: CameraSpec::Dir(DirSpec {
            path: frames,
            fps: 100.0,
            looping: false,
        }),
    };
    config.keypad = KeypadConfig::Fake {
        script: "122#".into(),
    };
    let options = TrialOptions {
        rules: TrialRules {
            frames: 3,
            attempt_ms: 60_000,
        },
        threshold: 0.5,
        target_frr: 0.05,
    };
    let mut out = Vec::new();
    let mut said = Vec::new();
    let summary = run_trial(&config, &options, &mut out, |s| said.push(s.to_owned()))
        .expect("the trial runs");

    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .expect("utf8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON lines"))
        .collect();
    assert_eq!(lines.len(), 4, "three attempts and the summary: {lines:?}");
    let labels: Vec<&str> = lines[..3]
        .iter()
        .map(|l| l["label"].as_str().expect("label"))
        .collect();
    assert_eq!(labels, ["live", "attack", "attack"]);
    let score = |i: usize| lines[i]["score"].as_f64();
    let live = score(0).expect("the real sample is scored");
    assert!(live >= 0.5, "the real sample passes: {lines:?}");
    for i in [1, 2] {
        // An attack is either scored low or refused by the framing gate (the print is tilted
        // beyond it): neither passes.
        assert!(
            score(i).is_none_or(|s| s < 0.5),
            "attack {i} does not pass: {lines:?}"
        );
    }
    assert_eq!(
        (summary.live.passed, summary.attack.passed),
        (1, 0),
        "{summary:?}"
    );
    let suggested = f64::from(summary.suggested_threshold.expect("a pass score"));
    assert!((suggested - live).abs() < 1e-6, "{summary:?}");
    assert_eq!(summary.suggested_attack_pass_rate, Some(0.0));
    assert_eq!(lines[3]["summary"]["live"]["passed"], 1);
    assert!(
        said.last().is_some_and(|s| s.contains("set pass_score to")),
        "{said:?}"
    );
}
