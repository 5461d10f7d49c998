//! The 1:N defaults separate the labelled pairs exactly as `models/reports/face-match-thresholds.md`
//! says (`models/tools/det_curve.py`, issue 13 item 4). A change in any count means the pipeline's
//! distances moved: rerun the tool, review the defaults, then update the report and these numbers.

use attend_vision::manifest::Manifest;

use crate::accuracy::scores;
use crate::support::pipeline;

/// `(false accepts, impostor pairs, false rejects, genuine pairs)` at `threshold`.
fn errors(scores: &[(f32, bool)], threshold: f32) -> (usize, usize, usize, usize) {
    let metric = pipeline().metric();
    let impostor = scores.iter().filter(|(_, same)| !same);
    let genuine = scores.iter().filter(|(_, same)| *same);
    (
        impostor
            .clone()
            .filter(|(s, _)| metric.is_match(*s, threshold))
            .count(),
        impostor.count(),
        genuine
            .clone()
            .filter(|(s, _)| !metric.is_match(*s, threshold))
            .count(),
        genuine.count(),
    )
}

fn closest_impostor(scores: &[(f32, bool)]) -> f32 {
    scores
        .iter()
        .filter(|(_, same)| !same)
        .map(|(s, _)| *s)
        .fold(f32::INFINITY, f32::min)
}

fn defaults() -> (f32, f32) {
    let manifest = Manifest::bundled().expect("bundled manifest");
    manifest
        .embedder("dlib-resnet-v1")
        .expect("dlib embedder")
        .embedder
        .identification()
}

#[test]
fn the_bundled_identification_defaults_are_the_derived_ones() {
    assert_eq!(defaults(), (0.45, 0.11));
}

/// The report's table: at 0.6 no errors on either set; at the 1:N default no false accept and
/// the false rejects it counts (4 of 44 and 12 of 88 genuine pairs).
#[test]
fn face_recognition_pairs_at_the_defaults_make_the_reported_errors() {
    let s = scores("face_recognition");
    assert_eq!(errors(&s, 0.6), (0, 146, 0, 44), "at 0.6");
    assert_eq!(
        errors(&s, defaults().0),
        (0, 146, 4, 44),
        "at the 1:N default"
    );
    let closest = closest_impostor(&s);
    assert!(
        (closest - 0.652).abs() < 0.005,
        "closest impostor {closest}, report 0.652"
    );
}

#[test]
fn deepface_pairs_at_the_defaults_make_the_reported_errors() {
    let s = scores("deepface-dev");
    assert_eq!(errors(&s, 0.6), (0, 215, 0, 88), "at 0.6");
    assert_eq!(
        errors(&s, defaults().0),
        (0, 215, 12, 88),
        "at the 1:N default"
    );
    let closest = closest_impostor(&s);
    assert!(
        (closest - 0.737).abs() < 0.005,
        "closest impostor {closest}, report 0.737"
    );
}
