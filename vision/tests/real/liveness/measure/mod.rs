//! The measurements the framing gate's limits come from: how the fused P(real) of real faces
//! (every labelled photo's largest face) moves with face size, crop clamping, pixels, blur and
//! pose, in 640×480 kiosk-like frames made from the photos. Each test prints its table and
//! asserts the property its limit rests on, so a change of model, crop or resize that moves the
//! ground under a limit fails here.

mod pose;
mod sharpness;
mod size;

use std::sync::OnceLock;

use attend_vision::detect::BBox;
use attend_vision::image::RgbImage;
use attend_vision::liveness::{Framing, LivenessChecker};

use super::frames::{Canvas, KIOSK, kiosk_frame, largest, shrunk};
use super::{checker, labelled_photos, load, median, samples, share_below};
use crate::support::pipeline;

/// A photo's subject: the photo shrunk so no frame made from it needs upscaling beyond the
/// widest share measured (0.45 of 640 px), and its largest face.
pub struct Subject {
    pub name: String,
    pub photo: RgbImage,
    pub face: BBox,
}

fn subject(name: String, photo: &RgbImage) -> Option<Subject> {
    let faces = pipeline().detector().detect(photo).expect("detects");
    let face = largest(&faces)?.bbox;
    let (photo, face) = shrunk(photo, face, 0.45 * KIOSK.0 as f32);
    Some(Subject { name, photo, face })
}

pub fn real_faces() -> &'static [Subject] {
    static REAL: OnceLock<Vec<Subject>> = OnceLock::new();
    REAL.get_or_init(|| {
        labelled_photos()
            .into_iter()
            .filter_map(|(name, path)| subject(name, &load(&path)))
            .collect()
    })
}

/// Minivision's three samples: T1 real, F1 a print, F2 a tablet.
pub fn sample_faces() -> &'static [Subject] {
    static SAMPLES: OnceLock<Vec<Subject>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        ["T1", "F1", "F2"]
            .iter()
            .map(|s| {
                let photo = load(&samples().join(format!("image_{s}.jpg")));
                subject((*s).to_owned(), &photo).expect("a face")
            })
            .collect()
    })
}

/// What one frame gave: fused P(real), its framing, and each model's crop scale used.
pub struct Judged {
    pub p_real: f32,
    pub framing: Framing,
    pub scales: Vec<f32>,
}

pub fn judge(with: &LivenessChecker, frame: &RgbImage) -> Option<Judged> {
    let faces = pipeline().detector().detect(frame).expect("detects");
    let face = largest(&faces)?;
    let score = with.score(frame, &face.bbox).expect("scores");
    Some(Judged {
        p_real: score.p_real,
        framing: Framing::measure(frame, face),
        scales: score.models.iter().map(|m| m.scale).collect(),
    })
}

/// Over every real face, what the frames `make` builds gave.
pub struct Row {
    pub found: usize,
    pub total: usize,
    pub median: f32,
    pub rejected: f32,
    pub judged: Vec<Judged>,
}

pub fn row(with: &LivenessChecker, make: impl Fn(&Subject) -> RgbImage) -> Row {
    let subjects = real_faces();
    let judged: Vec<Judged> = subjects
        .iter()
        .filter_map(|s| judge(with, &make(s)))
        .collect();
    let scores: Vec<f32> = judged.iter().map(|j| j.p_real).collect();
    Row {
        found: judged.len(),
        total: subjects.len(),
        median: median(&scores),
        rejected: share_below(&scores, checker().threshold()),
        judged,
    }
}

pub fn print(label: &str, r: &Row, extra: &str) {
    println!(
        "{label:>22} | faces {:>2}/{:<2} | median P(real) {:.3} | rejected at {} {:>5.1}% | {extra}",
        r.found,
        r.total,
        r.median,
        checker().threshold(),
        r.rejected * 100.0
    );
}

/// Face width shares measured; the gate's size range is chosen from these.
pub const SHARES: [f32; 10] = [0.06, 0.08, 0.10, 0.12, 0.15, 0.20, 0.25, 0.30, 0.35, 0.45];

/// Every real face framed at each of [`SHARES`] (where most tables start), computed once.
pub fn share_rows() -> &'static [(f32, Row)] {
    static ROWS: OnceLock<Vec<(f32, Row)>> = OnceLock::new();
    ROWS.get_or_init(|| {
        SHARES
            .iter()
            .map(|&share| {
                let r = row(checker(), |s| {
                    kiosk_frame(&s.photo, s.face, share, KIOSK, Canvas::Edge)
                });
                (share, r)
            })
            .collect()
    })
}

pub fn at_share(share: f32) -> &'static Row {
    &share_rows()
        .iter()
        .find(|(s, _)| (s - share).abs() < 1e-6)
        .expect("a measured share")
        .1
}

/// Prints, for buckets of a measure, how many `(measure, P(real))` pairs fall in each and the
/// share of them rejected.
pub fn buckets(what: &str, items: &[(f32, f32)], edges: &[f32]) {
    for w in edges.windows(2) {
        let scores: Vec<f32> = items
            .iter()
            .filter(|(m, _)| (w[0]..w[1]).contains(m))
            .map(|(_, p)| *p)
            .collect();
        let high = if w[1] >= f32::MAX {
            "max".to_owned()
        } else {
            w[1].to_string()
        };
        println!(
            "{:>22} | faces {:>3} | median P(real) {:.3} | rejected at {} {:>5.1}%",
            format!("{what} {}..{high}", w[0]),
            scores.len(),
            median(&scores),
            checker().threshold(),
            share_below(&scores, checker().threshold()) * 100.0
        );
    }
}

/// Share rejected of the pairs whose measure is within `range`.
pub fn rejected_within(items: &[(f32, f32)], range: std::ops::RangeInclusive<f32>) -> f32 {
    let kept: Vec<f32> = items
        .iter()
        .filter(|(m, _)| range.contains(m))
        .map(|(_, p)| *p)
        .collect();
    share_below(&kept, checker().threshold())
}
