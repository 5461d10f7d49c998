//! Accuracy on the labelled pairs at the manifest's default threshold, with TAR at FAR = 1e-3
//! and a threshold sweep printed for the record.

use std::collections::HashMap;

use attend_testkit::face_set;
use attend_vision::image;

use crate::support::{pairs, pipeline};

/// Scores for every pair of a set: `(score, same)`.
pub fn scores(set: &str) -> Vec<(f32, bool)> {
    let dir = face_set(set);
    let mut cache: HashMap<String, Vec<f32>> = HashMap::new();
    let mut embed = |name: &str| -> Vec<f32> {
        cache
            .entry(name.to_owned())
            .or_insert_with(|| {
                let path = dir.join(name);
                let img = image::load(&path).unwrap_or_else(|e| panic!("{e}"));
                pipeline()
                    .embed_largest(&img, &path)
                    .unwrap_or_else(|e| panic!("{e}"))
            })
            .clone()
    };
    pairs(set)
        .iter()
        .map(|(a, b, same)| (pipeline().metric().score(&embed(a), &embed(b)), *same))
        .collect()
}

fn accuracy(scores: &[(f32, bool)], threshold: f32) -> f64 {
    let right = scores
        .iter()
        .filter(|(s, same)| pipeline().metric().is_match(*s, threshold) == *same)
        .count();
    right as f64 / scores.len() as f64
}

/// True-accept rate at the strictest threshold whose false-accept rate is ≤ `far`.
fn tar_at_far(scores: &[(f32, bool)], far: f64) -> f64 {
    let mut impostor: Vec<f32> = scores
        .iter()
        .filter(|(_, same)| !same)
        .map(|(s, _)| *s)
        .collect();
    impostor.sort_by(f32::total_cmp);
    let allowed = (far * impostor.len() as f64).floor() as usize;
    // Euclidean: accept below the threshold; pick it just under the (allowed+1)-th closest impostor.
    let threshold = impostor.get(allowed).copied().unwrap_or(f32::MAX) - 1e-6;
    let genuine: Vec<f32> = scores
        .iter()
        .filter(|(_, same)| *same)
        .map(|(s, _)| *s)
        .collect();
    genuine.iter().filter(|s| **s <= threshold).count() as f64 / genuine.len() as f64
}

fn report(set: &str, minimum: f64) {
    let s = scores(set);
    let threshold = pipeline().threshold();
    let acc = accuracy(&s, threshold);
    let sweep: Vec<String> = [0.45, 0.5, 0.55, 0.6, 0.65, 0.7]
        .iter()
        .map(|t| format!("{t}:{:.4}", accuracy(&s, *t)))
        .collect();
    println!(
        "{set}: {} pairs, accuracy {acc:.4} at {threshold}, TAR@FAR=1e-3 {:.4}, sweep {}",
        s.len(),
        tar_at_far(&s, 1e-3),
        sweep.join(" ")
    );
    assert!(
        acc >= minimum,
        "{set}: accuracy {acc:.4} is below {minimum}"
    );
}

#[test]
fn face_recognition_pairs_are_at_least_99_percent_right() {
    report("face_recognition", 0.99);
}

#[test]
fn deepface_pairs_are_at_least_98_percent_right() {
    report("deepface-dev", 0.98);
}
