use std::process::Command;

use attend_testkit::{command, face_set, faces_dir, models_dir, repo_root, shared_models};

fn cli() -> Command {
    let mut c = command(env!("CARGO_BIN_EXE_attend-vision"));
    c.current_dir(repo_root()).arg("--help");
    c
}

fn run(args: &[&str]) -> (bool, String, String) {
    let models = models_dir();
    let mut c = command(env!("CARGO_BIN_EXE_attend-vision"));
    c.current_dir(repo_root())
        .args(args)
        .arg("--models")
        .arg(models);
    let out = c.output().expect("attend-vision runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn compare_prints_score_decision_and_threshold() {
    let dir = face_set("face_recognition");
    let a = dir.join("examples/knn_examples/train/obama/obama.jpg");
    let b = dir.join("examples/knn_examples/train/obama/obama2.jpg");
    let (ok, stdout, stderr) = run(&[
        "compare",
        a.to_str().expect("utf8"),
        b.to_str().expect("utf8"),
    ]);
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(v["same"], true);
    assert_eq!(
        v["threshold"].as_f64().map(|t| (t * 100.0).round()),
        Some(60.0)
    );
    assert!(v["score"].as_f64().is_some_and(|s| s < 0.6));
}

#[test]
fn unreadable_images_and_faceless_images_fail_with_a_message_not_a_panic() {
    let (ok, _, stderr) = run(&["embed", "/nonexistent/photo.jpg"]);
    assert!(!ok);
    assert!(
        stderr.contains("cannot read image /nonexistent/photo.jpg"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));

    let dir = std::env::temp_dir().join(format!("attend-vision-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let blank = dir.join("blank.png");
    image::RgbImage::from_pixel(64, 64, image::Rgb([200, 200, 200]))
        .save(&blank)
        .expect("png written");
    let not_an_image = dir.join("notes.jpg");
    std::fs::write(&not_an_image, b"hello").expect("written");
    let (ok, _, stderr) = run(&[
        "compare",
        blank.to_str().expect("utf8"),
        blank.to_str().expect("utf8"),
    ]);
    assert!(!ok && stderr.contains("no face found in"), "{stderr}");
    let (ok, _, stderr) = run(&["embed", not_an_image.to_str().expect("utf8")]);
    assert!(!ok && stderr.contains("cannot decode"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn verify_pairs_prints_one_line_per_pair_and_rejects_a_bad_header() {
    let dir = face_set("face_recognition");
    let (ok, stdout, stderr) = run(&[
        "verify-pairs",
        "--images",
        dir.to_str().expect("utf8"),
        "--pairs",
        dir.join("pairs.csv").to_str().expect("utf8"),
    ]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout.lines().count(), 190);
    let bad = std::env::temp_dir().join(format!("attend-bad-pairs-{}.csv", std::process::id()));
    std::fs::write(&bad, "left,right\na.jpg,b.jpg\n").expect("written");
    let (ok, _, stderr) = run(&[
        "verify-pairs",
        "--images",
        dir.to_str().expect("utf8"),
        "--pairs",
        bad.to_str().expect("utf8"),
    ]);
    std::fs::remove_file(&bad).ok();
    assert!(!ok && stderr.contains("img_a and img_b"), "{stderr}");
}

#[test]
fn help_lists_every_command() {
    let out = cli().output().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["embed", "compare", "verify-pairs", "liveness"] {
        assert!(text.contains(cmd), "{text}");
    }
}

#[test]
fn a_broken_onnx_runtime_library_is_one_clear_error() {
    let fake = std::env::temp_dir().join(format!("attend-fake-ort-{}.so", std::process::id()));
    std::fs::write(&fake, b"not a shared library").expect("written");
    let out = command(env!("CARGO_BIN_EXE_attend-vision"))
        .current_dir(repo_root())
        .env("ORT_DYLIB_PATH", &fake)
        .args(["embed", "--models"])
        .arg(models_dir())
        .arg(face_set("face_recognition").join("examples/knn_examples/train/obama/obama.jpg"))
        .output()
        .expect("runs");
    std::fs::remove_file(&fake).ok();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("could not load ONNX Runtime from")
            && stderr.contains("scripts/setup-ort.sh"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_explicit_ort_library_comes_before_the_environment_and_the_cache() {
    let out = command(env!("CARGO_BIN_EXE_attend-vision"))
        .current_dir(repo_root())
        .args([
            "embed",
            "--ort-lib",
            "/nonexistent/libonnxruntime.so",
            "--models",
        ])
        .arg(models_dir())
        .arg(face_set("face_recognition").join("examples/knn_examples/train/obama/obama.jpg"))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("/nonexistent/libonnxruntime.so"),
        "{stderr}"
    );
}

/// `attend-vision liveness` on Minivision's samples, with the models straight from
/// ../shared/models (the detector and both liveness models are there).
fn liveness(extra: &[&str]) -> Vec<serde_json::Value> {
    let models = shared_models(&[
        "face_detection_yunet_2023mar.onnx",
        "2.7_80x80_MiniFASNetV2.onnx",
        "4_0_0_80x80_MiniFASNetV1SE.onnx",
    ]);
    let samples = faces_dir().join("liveness-samples");
    let out = command(env!("CARGO_BIN_EXE_attend-vision"))
        .current_dir(repo_root())
        .arg("liveness")
        .args(extra)
        .arg("--models")
        .arg(models)
        .args(["image_T1.jpg", "image_F1.jpg", "image_F2.jpg"].map(|f| samples.join(f)))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

#[test]
fn liveness_refuses_close_ups_with_a_hint_and_scores_them_with_no_gate() {
    let gated = liveness(&[]);
    assert_eq!(gated.len(), 3);
    for v in &gated {
        // Phone close-ups: every face is over a third of the frame's width.
        assert_eq!(v["faces"], 1, "{v}");
        assert!(v["live"].is_null() && v["score"].is_null(), "{v}");
        assert_eq!(v["hint"], "step back", "{v}");
        assert!(
            v["reason"]
                .as_str()
                .is_some_and(|r| r.contains("at most 30%")),
            "{v}"
        );
    }
    let scored = liveness(&["--no-gate"]);
    let live: Vec<&serde_json::Value> = scored.iter().map(|v| &v["live"]).collect();
    assert_eq!(
        live,
        [
            &serde_json::json!(true),
            &serde_json::json!(false),
            &serde_json::json!(false)
        ]
    );
    for v in &scored {
        let score = v["score"].as_f64().expect("a score");
        let scores = v["scores"].as_object().expect("per model");
        assert_eq!(scores.len(), 2, "{v}");
        let mean = scores
            .values()
            .filter_map(serde_json::Value::as_f64)
            .sum::<f64>()
            / 2.0;
        assert!(
            (mean - score).abs() < 1e-6,
            "the score is the models' mean: {v}"
        );
        assert_eq!(v["threshold"], 0.5);
    }
}

#[test]
fn embed_writes_each_faces_aligned_chip_when_asked() {
    let dir = std::env::temp_dir().join(format!("attend-vision-chips-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("chip directory");
    let photo = face_set("face_recognition").join("examples/obama_small.jpg");
    let (ok, stdout, stderr) = run(&[
        "embed",
        "--chips",
        dir.to_str().expect("utf8"),
        photo.to_str().expect("utf8"),
    ]);
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    let chip = v["faces"][0]["chip"]
        .as_str()
        .expect("the face names its chip");
    let bytes = std::fs::read(chip).expect("the chip is written");
    std::fs::remove_dir_all(&dir).ok();
    let header = b"P6\n150 150\n255\n";
    assert_eq!(&bytes[..header.len()], header, "a 150x150 binary PPM");
    assert_eq!(bytes.len(), header.len() + 150 * 150 * 3);
}
