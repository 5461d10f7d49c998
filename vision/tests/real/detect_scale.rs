//! A kiosk looks at each frame scaled to 320 px first (`Detector::detect_coarse_first`): coarser
//! landmarks, a quarter of the pixels. Templates are enrolled at full detail. On both labelled
//! sets, probes described that way against full-detail templates must match as well as
//! full-detail probes do, at the model's 1:1 threshold and at the 1:N default (one error of slack
//! per set and threshold for the noise).

use std::collections::HashMap;

use attend_testkit::face_set;
use attend_vision::bench::at_most;
use attend_vision::image;

use crate::support::{pairs, pipeline};

/// Errors over every pair at the 1:1 threshold and at the 1:N default, and the genuine pairs'
/// mean distance: template `a` at full detail against probe `b` described by `probe`.
fn errors(set: &str, probe: impl Fn(&image::RgbImage) -> Vec<f32>) -> ([usize; 2], f32) {
    let dir = face_set(set);
    let mut full = HashMap::new();
    let mut probes = HashMap::new();
    let (mut wrong, mut genuine) = ([0; 2], Vec::new());
    let p = pipeline();
    let identify = p.embedder().model().embedder.identification().0;
    for (a, b, same) in pairs(set) {
        let mut described = |name: &str, kiosk: bool| {
            let cache = if kiosk { &mut probes } else { &mut full };
            cache
                .entry(name.to_owned())
                .or_insert_with(|| {
                    let path = dir.join(name);
                    let img = image::load(&path).unwrap_or_else(|e| panic!("{e}"));
                    if kiosk {
                        probe(&img)
                    } else {
                        p.embed_largest(&img, &path)
                            .unwrap_or_else(|e| panic!("{e}"))
                    }
                })
                .clone()
        };
        let (template, probe) = (described(&a, false), described(&b, true));
        let score = p.metric().score(&template, &probe);
        for (i, threshold) in [p.threshold(), identify].into_iter().enumerate() {
            if p.metric().is_match(score, threshold) != same {
                wrong[i] += 1;
            }
        }
        if same {
            genuine.push(score);
        }
    }
    (wrong, genuine.iter().sum::<f32>() / genuine.len() as f32)
}

/// The largest face of a kiosk frame (the photo at most 640 px), detected as `coarse` says.
fn kiosk_probe(img: &image::RgbImage, coarse: bool) -> Vec<f32> {
    let p = pipeline();
    let frame = at_most(img, 640);
    let found = if coarse {
        p.detector().detect_coarse_first(&frame)
    } else {
        p.detector().detect(&frame)
    }
    .expect("detects");
    let largest = found
        .iter()
        .filter(|d| d.landmarks.is_some())
        .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
        .expect("a face with landmarks");
    p.describe(&frame, largest)
        .expect("embeds")
        .expect("a chip")
}

#[test]
fn coarse_first_probes_match_full_detail_templates_as_well_as_full_detail_probes() {
    for set in ["face_recognition", "deepface-dev"] {
        let (coarse, coarse_mean) = errors(set, |img| kiosk_probe(img, true));
        let (fine, fine_mean) = errors(set, |img| kiosk_probe(img, false));
        println!(
            "{set}: {} pairs, errors at 1:1 and 1:N: coarse-first probes {coarse:?} (genuine mean {coarse_mean:.3}), full-detail probes {fine:?} (genuine mean {fine_mean:.3})",
            pairs(set).len(),
        );
        for i in 0..2 {
            assert!(
                coarse[i] <= fine[i] + 1,
                "{set}: {coarse:?} errors against {fine:?}"
            );
        }
    }
}
