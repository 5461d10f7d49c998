//! False rejects: every face YuNet finds in the labelled photos of both sets is a real person.
//! Goal: at least 80% of them scored (inside the framing gate), and of those at most 5% below
//! the threshold. A photo whose face is too large for the gate is framed as stepping back would
//! (on a larger canvas of its repeated edge pixels, the face at 20% of a 640×480 frame), and so
//! is one whose face is too small a share of a large photo (a crop, as stepping closer would).

use attend_vision::detect::Detection;
use attend_vision::image::RgbImage;
use attend_vision::liveness::{Framing, Hint};

use super::frames::{Canvas, KIOSK, kiosk_frame};
use super::{checker, labelled_photos, load, share_below};
use crate::support::pipeline;

/// The face share frames are made at: the middle of the gate's range, where real faces scored
/// best (measure.rs).
const FRAMED_SHARE: f32 = 0.2;

/// The face nearest the centre of a frame made around it.
fn centred(frame: &RgbImage) -> Option<Detection> {
    let (cx, cy) = (frame.width as f32 / 2.0, frame.height as f32 / 2.0);
    let faces = pipeline().detector().detect(frame).expect("detects");
    faces.into_iter().min_by(|a, b| {
        let d =
            |f: &Detection| (f.bbox.x + f.bbox.w / 2.0 - cx).hypot(f.bbox.y + f.bbox.h / 2.0 - cy);
        d(a).total_cmp(&d(b))
    })
}

#[test]
fn real_faces_are_scored_and_at_most_five_percent_rejected() {
    let gate = checker().gate();
    let threshold = checker().threshold();
    let (mut total, mut framed) = (0, 0);
    let mut scored: Vec<(String, f32)> = Vec::new();
    let mut refused: Vec<(String, String)> = Vec::new();
    for (name, path) in labelled_photos() {
        let photo = load(&path);
        let faces = pipeline().detector().detect(&photo).expect("detects");
        for (i, face) in faces.iter().enumerate() {
            total += 1;
            let label = format!("{name}#{i}");
            let refusal = gate.judge(&Framing::measure(&photo, face));
            // Stepping closer only makes sense for a face with pixels to spare.
            let reframe = refusal.as_ref().is_some_and(|r| {
                r.hint == Hint::StepBack
                    || (r.hint == Hint::StepCloser && face.bbox.w >= FRAMED_SHARE * KIOSK.0 as f32)
            });
            let (frame, face) = if reframe {
                framed += 1;
                let frame = kiosk_frame(&photo, face.bbox, FRAMED_SHARE, KIOSK, Canvas::Edge);
                let Some(face) = centred(&frame) else {
                    refused.push((label, "no face found once framed".into()));
                    continue;
                };
                (frame, face)
            } else {
                (photo.clone(), face.clone())
            };
            if let Some(r) = gate.judge(&Framing::measure(&frame, &face)) {
                refused.push((label, r.reason));
                continue;
            }
            let p = checker().score(&frame, &face.bbox).expect("scores").p_real;
            scored.push((label, p));
        }
    }
    let scores: Vec<f32> = scored.iter().map(|(_, p)| *p).collect();
    let scored_share = scored.len() as f32 / total as f32;
    let rejected = share_below(&scores, threshold);
    for (label, reason) in &refused {
        println!("not scored: {label}: {reason}");
    }
    for (label, p) in scored.iter().filter(|(_, p)| *p < threshold) {
        println!("rejected: {label}: P(real) {p:.3}");
    }
    println!(
        "real faces: {total}; scored {} ({:.1}%, {framed} of them framed in 640x480 first); \
         rejected at {threshold}: {} ({:.1}% of those scored)",
        scored.len(),
        scored_share * 100.0,
        scores.iter().filter(|p| **p < threshold).count(),
        rejected * 100.0
    );
    let sweep: Vec<String> = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
        .iter()
        .map(|t| format!("{t}: {:.1}%", share_below(&scores, *t) * 100.0))
        .collect();
    println!(
        "rejected of those scored, by threshold: {}",
        sweep.join(", ")
    );
    assert!(
        total >= 56,
        "every labelled photo has a face: found {total}"
    );
    assert!(
        scored_share >= 0.8,
        "only {:.1}% scored",
        scored_share * 100.0
    );
    assert!(
        rejected <= 0.05,
        "{:.1}% of real faces rejected",
        rejected * 100.0
    );
}
