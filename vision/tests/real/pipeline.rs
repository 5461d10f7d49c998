use attend_testkit::{face_set, models_dir};
use attend_vision::image;

use crate::support::pipeline;

#[test]
fn group_photos_yield_one_face_per_person_with_landmarks_inside_the_box() {
    // obama_and_biden.jpg also shows a child at the bottom right: three faces.
    let dir = face_set("face_recognition");
    for (file, expected) in [
        ("examples/two_people.jpg", 2),
        ("examples/knn_examples/test/obama_and_biden.jpg", 3),
    ] {
        let img = image::load(&dir.join(file)).expect("photo decodes");
        let faces = pipeline().faces(&img).expect("pipeline runs");
        assert_eq!(faces.len(), expected, "{file}");
        for f in &faces {
            let b = f.detection.bbox;
            for [x, y] in f.detection.landmarks.expect("YuNet gives landmarks") {
                assert!(
                    x >= b.x - 5.0
                        && x <= b.x + b.w + 5.0
                        && y >= b.y - 5.0
                        && y <= b.y + b.h + 5.0,
                    "{file}: landmark outside box"
                );
            }
            assert_eq!(f.embedding.as_ref().map(Vec::len), Some(128));
        }
    }
}

#[test]
fn the_same_photo_embeds_identically_and_a_mirror_stays_close() {
    let dir = face_set("face_recognition");
    let path = dir.join("examples/knn_examples/train/obama/obama.jpg");
    let img = image::load(&path).expect("decodes");
    let a = pipeline().embed_largest(&img, &path).expect("embeds");
    let b = pipeline().embed_largest(&img, &path).expect("embeds");
    assert_eq!(a, b, "inference must be deterministic");
    let mut mirrored = img.clone();
    for row in mirrored.data.chunks_exact_mut(img.width as usize * 3) {
        let px: Vec<[u8; 3]> = row
            .chunks_exact(3)
            .rev()
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        row.copy_from_slice(&px.concat());
    }
    let m = pipeline()
        .embed_largest(&mirrored, &path)
        .expect("embeds mirrored");
    let d = pipeline().metric().score(&a, &m);
    assert!(
        d < pipeline().threshold(),
        "a mirrored face is still the same person (distance {d})"
    );
}

#[test]
fn a_photo_without_a_face_is_a_clear_error() {
    let img = image::RgbImage::new(320, 240, vec![120; 320 * 240 * 3]).expect("valid");
    let err = pipeline()
        .embed_largest(&img, std::path::Path::new("grey.png"))
        .expect_err("no face");
    assert_eq!(err.to_string(), "no face found in grey.png");
}

/// A copy of the models directory without the files `leave_out` names.
fn models_copy(name: &str, leave_out: &[&str]) -> std::path::PathBuf {
    let tmp = std::env::temp_dir().join(format!("attend-vision-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    for f in std::fs::read_dir(models_dir()).expect("models dir") {
        let f = f.expect("entry");
        if !leave_out.iter().any(|l| f.file_name() == **l) {
            std::fs::copy(f.path(), tmp.join(f.file_name())).expect("copy");
        }
    }
    tmp
}

#[test]
fn a_model_file_with_the_wrong_hash_is_refused_by_name() {
    let tmp = models_copy("badmodel", &[]);
    let yunet = tmp.join("face_detection_yunet_2026may.onnx");
    let mut bytes = std::fs::read(&yunet).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF;
    std::fs::write(&yunet, bytes).expect("write");
    let err = attend_vision::FacePipeline::load(&attend_vision::PipelineConfig::new(&tmp))
        .expect_err("corrupt model");
    let msg = err.to_string();
    std::fs::remove_dir_all(&tmp).ok();
    assert!(
        msg.contains("yunet-2026may") && msg.contains("sha256 is"),
        "{msg}"
    );
}

#[test]
fn a_kiosk_without_the_default_detector_file_uses_the_fallback_and_finds_the_same_faces() {
    // Set up before the dynamic YuNet became the default: only the 2023mar file is there.
    let tmp = models_copy("fallback", &["face_detection_yunet_2026may.onnx"]);
    let loaded = attend_vision::FacePipeline::load(&attend_vision::PipelineConfig::new(&tmp));
    std::fs::remove_dir_all(&tmp).ok();
    let old = loaded.expect("loads on the fallback detector");
    assert_eq!(old.detector().model_id(), "yunet-2023mar");
    assert_eq!(pipeline().detector().model_id(), "yunet-2026may");
    let img = image::load(&face_set("face_recognition").join("examples/two_people.jpg"))
        .expect("decodes");
    let (a, b) = (
        old.detector().detect_coarse_first(&img).expect("runs"),
        pipeline().detector().detect(&img).expect("runs"),
    );
    assert_eq!(a.len(), 2);
    assert!(
        b.iter()
            .all(|x| a.iter().any(|y| y.bbox.iou(&x.bbox) > 0.8)),
        "{a:?} {b:?}"
    );
}

#[test]
fn enrolment_gates_pass_a_clear_portrait_and_name_what_is_wrong_otherwise() {
    use attend_vision::quality::QualityLimits;
    let dir = face_set("face_recognition");
    let limits = QualityLimits::default();
    let portrait =
        image::load(&dir.join("examples/knn_examples/train/obama/obama.jpg")).expect("decodes");
    let (report, embedding) = pipeline()
        .enrolment_check(&portrait, &limits)
        .expect("runs");
    assert!(report.passed(), "{:?}", report.problems);
    assert_eq!(embedding.map(|e| e.len()), Some(128));

    let group = image::load(&dir.join("examples/two_people.jpg")).expect("decodes");
    let (report, embedding) = pipeline().enrolment_check(&group, &limits).expect("runs");
    assert!(embedding.is_none());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("exactly one face")),
        "{:?}",
        report.problems
    );

    // Heavy blur: shrink to a thumbnail and blow it back up.
    let blurred = portrait
        .resized(portrait.width / 12, portrait.height / 12)
        .resized(portrait.width, portrait.height);
    let (report, _) = pipeline().enrolment_check(&blurred, &limits).expect("runs");
    assert!(
        report.problems.iter().any(|p| p.contains("blurred")),
        "sharpness {} {:?}",
        report.sharpness,
        report.problems
    );
}

#[test]
fn every_detector_in_the_manifest_finds_the_same_two_people() {
    use attend_vision::detect::Detector;
    use attend_vision::manifest::{Manifest, bundled_manifest_path};
    let manifest = Manifest::load(&bundled_manifest_path()).expect("manifest");
    let img = image::load(&face_set("face_recognition").join("examples/two_people.jpg"))
        .expect("decodes");
    let reference = pipeline().detector().detect(&img).expect("yunet runs");
    assert_eq!(reference.len(), 2);
    for id in ["yunet-2023mar", "ultraface-rfb-320", "centerface"] {
        let (model, spec) = manifest.detector(id).expect("described");
        let detector = Detector::load(&models_dir(), &model, &spec, 1).expect("loads");
        let found = detector.detect(&img).expect("runs");
        assert_eq!(found.len(), 2, "{id}: {found:?}");
        for r in &reference {
            assert!(
                found.iter().any(|f| f.bbox.iou(&r.bbox) > 0.5),
                "{id} missed the face at {:?}",
                r.bbox
            );
        }
        assert_eq!(
            found.iter().all(|f| f.landmarks.is_some()),
            spec.landmarks == 5,
            "{id}: landmarks as the manifest says"
        );
    }
}

/// Each detector in the manifest loaded once and run once. Cheap on purpose: it is the aarch64
/// stage's proof (scripts/cross.sh runs it under qemu) that every detector's graph loads and runs
/// on that build of ONNX Runtime; what the detectors find is checked natively above.
#[test]
fn every_detector_in_the_manifest_loads_and_sees_nobody_in_a_blank_frame() {
    use attend_vision::detect::Detector;
    use attend_vision::manifest::{Manifest, Role, bundled_manifest_path};
    let manifest = Manifest::load(&bundled_manifest_path()).expect("manifest");
    let blank = image::RgbImage::new(160, 120, vec![128; 160 * 120 * 3]).expect("valid");
    let ids: Vec<&str> = manifest
        .models
        .iter()
        .filter(|m| m.role == Role::Detector)
        .map(|m| m.id.as_str())
        .collect();
    assert!(ids.len() >= 3, "the manifest lists {ids:?}");
    for id in ids {
        let (model, spec) = manifest.detector(id).expect("described");
        let detector =
            Detector::load(&models_dir(), &model, &spec, 1).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(detector.model_id(), id);
        let found = detector
            .detect(&blank)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(
            found.is_empty(),
            "{id} sees faces in a blank frame: {found:?}"
        );
    }
}
