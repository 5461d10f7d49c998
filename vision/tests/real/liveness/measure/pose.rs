//! Pose, judged on YuNet's landmark estimates (which understate a tilt: a face turned 20° in the
//! image plane measures about 12°). Roll is made by turning frames; yaw cannot be made from a
//! photo, so it is the photos' own.

use attend_vision::liveness::GateLimits;

use super::super::frames::{Canvas, KIOSK, kiosk_frame, rotated};
use super::super::median;
use super::{at_share, buckets, print, rejected_within, row, share_rows};
use crate::liveness::checker;

#[test]
fn real_faces_within_the_pose_limits_stay_real() {
    let gate = GateLimits::default();
    println!("face at 20% of 640x480, turned in the image plane:");
    let mut rolls = Vec::new();
    for degrees in [0.0f32, 10.0, 20.0, 30.0] {
        let made;
        let r = if degrees > 0.0 {
            made = row(checker(), |s| {
                rotated(
                    &kiosk_frame(&s.photo, s.face, 0.2, KIOSK, Canvas::Edge),
                    degrees,
                )
            });
            &made
        } else {
            at_share(0.2)
        };
        let measured: Vec<f32> = r
            .judged
            .iter()
            .filter_map(|j| j.framing.roll_deg.map(f32::abs))
            .collect();
        let extra = format!("median measured |roll| {:.1}", median(&measured));
        print(&format!("turned {degrees:.0} deg"), r, &extra);
        rolls.extend(
            r.judged
                .iter()
                .filter_map(|j| Some((j.framing.roll_deg?.abs(), j.p_real))),
        );
    }
    println!("all of them, by the roll the gate measures:");
    buckets(
        "|roll|",
        &rolls,
        &[0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 90.0],
    );

    println!("the photos' own yaw, framed at every share inside the gate's size range:");
    let sizes = gate.min_face_fraction..=gate.max_face_fraction;
    let yaws: Vec<(f32, f32)> = share_rows()
        .iter()
        .filter(|(share, _)| sizes.contains(share))
        .flat_map(|(_, r)| &r.judged)
        .filter_map(|j| Some((j.framing.yaw?.abs(), j.p_real)))
        .collect();
    buckets("|yaw|", &yaws, &[0.0, 0.1, 0.2, 0.25, 0.3, 9.0]);

    let roll_kept = rejected_within(&rolls, 0.0..=gate.max_roll_deg);
    let roll_beyond = rejected_within(&rolls, gate.max_roll_deg..=90.0);
    let yaw_kept = rejected_within(&yaws, 0.0..=gate.max_yaw);
    println!(
        "within |roll| {}: {:.1}% rejected (beyond: {:.1}%); within |yaw| {}: {:.1}% rejected",
        gate.max_roll_deg,
        roll_kept * 100.0,
        roll_beyond * 100.0,
        gate.max_yaw,
        yaw_kept * 100.0
    );
    assert!(
        roll_kept <= 0.05,
        "real faces within the roll limit are rejected"
    );
    assert!(
        roll_beyond > roll_kept,
        "tilted faces score no worse: widen the roll limit"
    );
    assert!(
        yaw_kept <= 0.05,
        "real faces within the yaw limit are rejected"
    );
}
