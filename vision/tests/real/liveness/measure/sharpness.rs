//! Blur: a moving head or a soft focus. Real faces blurred enough read as spoofs (a print or a
//! screen is soft too), so the gate must refuse them for sharpness first and ask to hold still.

use attend_vision::liveness::GateLimits;

use super::super::frames::{Canvas, KIOSK, blurred, kiosk_frame};
use super::super::{median, share_below};
use super::{at_share, buckets, print, rejected_within, row};
use crate::liveness::checker;

#[test]
fn blurred_faces_are_refused_for_sharpness_before_they_read_as_spoofs() {
    let limit = GateLimits::default().min_sharpness;

    println!("face at 20% of 640x480, Gaussian blur (sigma as a share of the face width):");
    let mut pooled = Vec::new();
    let mut unblurred = Vec::new();
    for k in [0.0f32, 0.01, 0.015, 0.02, 0.03] {
        let made;
        let r = if k > 0.0 {
            made = row(checker(), |s| {
                let frame = kiosk_frame(&s.photo, s.face, 0.2, KIOSK, Canvas::Edge);
                blurred(&frame, k * 0.2 * KIOSK.0 as f32)
            });
            &made
        } else {
            at_share(0.2)
        };
        let measures: Vec<(f32, f32)> = r
            .judged
            .iter()
            .map(|j| (j.framing.sharpness, j.p_real))
            .collect();
        let sharpness: Vec<f32> = measures.iter().map(|m| m.0).collect();
        let extra = format!("sharpness median {:.0}", median(&sharpness));
        print(&format!("sigma {:.1}% of face", k * 100.0), r, &extra);
        if k == 0.0 {
            unblurred = sharpness;
        }
        pooled.extend(measures);
    }
    println!("all of them, by the sharpness the gate measures:");
    let edges = [0.0, 25.0, 50.0, 75.0, 100.0, 150.0, 200.0, 400.0, f32::MAX];
    buckets("sharpness", &pooled, &edges);
    let kept = rejected_within(&pooled, limit..=f32::MAX);
    let refused = share_below(&unblurred, limit);
    println!(
        "limit {limit}: {:.1}% of the unblurred faces refused; {:.1}% of the faces above it \
         rejected",
        refused * 100.0,
        kept * 100.0
    );
    assert!(refused <= 0.05, "the limit refuses sharp faces");
    assert!(
        kept <= 0.05,
        "blurred faces pass the limit and are rejected as spoofs"
    );
}
