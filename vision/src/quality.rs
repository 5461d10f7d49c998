//! Enrolment quality gates: the face must be big enough, sharp (variance of the Laplacian on
//! the aligned chip, so the measure does not depend on how far away the person stood), roughly
//! frontal (from landmark symmetry), and alone in view.

use serde::Serialize;

use crate::detect::Detection;
use crate::image::RgbImage;

#[derive(Clone, Debug, Serialize)]
pub struct QualityLimits {
    /// Smallest accepted face box side, in frame pixels.
    pub min_face_px: f32,
    /// Smallest accepted Laplacian variance on the aligned chip's grey levels.
    pub min_sharpness: f32,
    /// Largest |yaw| proxy: nose offset from the eye midpoint over the eye distance.
    pub max_yaw: f32,
    /// Largest eye-line tilt, degrees.
    pub max_roll_deg: f32,
}

impl Default for QualityLimits {
    fn default() -> Self {
        Self {
            min_face_px: 80.0,
            min_sharpness: 30.0,
            max_yaw: 0.25,
            max_roll_deg: 20.0,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct QualityReport {
    pub faces_in_view: usize,
    pub face_px: f32,
    pub sharpness: f32,
    pub yaw: f32,
    pub roll_deg: f32,
    /// Empty when every gate passed; otherwise one sentence per failed gate.
    pub problems: Vec<String>,
}

impl QualityReport {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Variance of the 4-neighbour Laplacian over the interior of a grey image.
pub fn laplacian_variance(grey: &[f32], width: usize, height: usize) -> f32 {
    if width < 3 || height < 3 || grey.len() < width * height {
        return 0.0;
    }
    let mut values = Vec::with_capacity((width - 2) * (height - 2));
    for y in 1..height - 1 {
        for x in 1..width - 1 {
            let i = y * width + x;
            values.push(
                grey[i - 1] + grey[i + 1] + grey[i - width] + grey[i + width] - 4.0 * grey[i],
            );
        }
    }
    let n = values.len() as f32;
    let mean = values.iter().sum::<f32>() / n;
    values.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n
}

/// Yaw proxy and roll (degrees) from the five landmarks.
pub fn pose(landmarks: &[[f32; 2]; 5]) -> (f32, f32) {
    let (eye_a, eye_b, nose) = (landmarks[0], landmarks[1], landmarks[2]);
    let eye_dist = (eye_b[0] - eye_a[0]).hypot(eye_b[1] - eye_a[1]).max(1e-3);
    let mid = [eye_a[0].midpoint(eye_b[0]), eye_a[1].midpoint(eye_b[1])];
    // Project the nose offset onto the eye line so head tilt does not read as yaw.
    let (ux, uy) = (
        (eye_b[0] - eye_a[0]) / eye_dist,
        (eye_b[1] - eye_a[1]) / eye_dist,
    );
    let yaw = ((nose[0] - mid[0]) * ux + (nose[1] - mid[1]) * uy) / eye_dist;
    let roll = (eye_b[1] - eye_a[1])
        .atan2(eye_b[0] - eye_a[0])
        .to_degrees();
    (yaw, roll)
}

/// Checks the best face of a frame for enrolment. `chip` is that face's aligned chip.
pub fn assess(detections: &[Detection], chip: &RgbImage, limits: &QualityLimits) -> QualityReport {
    let mut problems = Vec::new();
    if detections.len() != 1 {
        problems.push(format!(
            "exactly one face must be in view, found {}",
            detections.len()
        ));
    }
    let best = detections.first();
    let face_px = best.map_or(0.0, |d| d.bbox.w.min(d.bbox.h));
    if face_px < limits.min_face_px {
        problems.push(format!(
            "face is {face_px:.0} px, at least {:.0} px needed: come closer",
            limits.min_face_px
        ));
    }
    let sharpness = laplacian_variance(&chip.luma(), chip.width as usize, chip.height as usize);
    if sharpness < limits.min_sharpness {
        problems.push(format!(
            "image is blurred (sharpness {sharpness:.0} < {:.0}): hold still",
            limits.min_sharpness
        ));
    }
    let (yaw, roll_deg) = best
        .and_then(|d| d.landmarks)
        .map_or((0.0, 0.0), |l| pose(&l));
    if yaw.abs() > limits.max_yaw {
        problems.push(format!(
            "face is turned sideways (yaw {yaw:.2}): look at the camera"
        ));
    }
    if roll_deg.abs() > limits.max_roll_deg {
        problems.push(format!("head is tilted {roll_deg:.0}°: hold it upright"));
    }
    QualityReport {
        faces_in_view: detections.len(),
        face_px,
        sharpness,
        yaw,
        roll_deg,
        problems,
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values are the point of these tests
mod tests {
    use super::*;
    use crate::detect::BBox;

    fn face(landmarks: [[f32; 2]; 5], side: f32) -> Detection {
        Detection {
            bbox: BBox {
                x: 0.0,
                y: 0.0,
                w: side,
                h: side,
            },
            score: 0.9,
            landmarks: Some(landmarks),
        }
    }

    const FRONTAL: [[f32; 2]; 5] = [
        [46.0, 45.0],
        [101.0, 45.0],
        [73.5, 78.0],
        [49.0, 102.0],
        [98.0, 102.0],
    ];

    fn checkerboard(size: u32, cell: u32) -> RgbImage {
        let data = (0..size * size).flat_map(|i| {
            let v = if ((i % size) / cell + (i / size) / cell).is_multiple_of(2) {
                30
            } else {
                220
            };
            [v, v, v]
        });
        RgbImage::new(size, size, data.collect()).expect("valid")
    }

    #[test]
    fn flat_images_have_zero_sharpness_and_edges_have_a_lot() {
        let flat = RgbImage::new(20, 20, vec![128; 1200]).expect("valid");
        assert_eq!(laplacian_variance(&flat.luma(), 20, 20), 0.0);
        let sharp = checkerboard(40, 4);
        assert!(laplacian_variance(&sharp.luma(), 40, 40) > 1000.0);
        let blurred = sharp.resized(10, 10).resized(40, 40);
        assert!(
            laplacian_variance(&blurred.luma(), 40, 40)
                < laplacian_variance(&sharp.luma(), 40, 40) / 4.0
        );
    }

    #[test]
    fn frontal_face_has_no_yaw_or_roll_and_turned_faces_do() {
        let (yaw, roll) = pose(&FRONTAL);
        assert!(yaw.abs() < 1e-3 && roll.abs() < 1e-3);
        let mut turned = FRONTAL;
        turned[2][0] += 25.0;
        assert!(pose(&turned).0 > 0.4);
        let tilted = FRONTAL.map(|p| [p[0], p[1] + (p[0] - 46.0) * 0.5]);
        assert!((pose(&tilted).1 - 26.57).abs() < 0.1);
    }

    #[test]
    fn every_failed_gate_is_reported() {
        let chip = checkerboard(150, 5);
        let good = assess(&[face(FRONTAL, 120.0)], &chip, &QualityLimits::default());
        assert!(good.passed(), "{:?}", good.problems);
        let small_and_crowded = assess(
            &[face(FRONTAL, 40.0), face(FRONTAL, 30.0)],
            &chip,
            &QualityLimits::default(),
        );
        assert_eq!(
            small_and_crowded.problems.len(),
            2,
            "{:?}",
            small_and_crowded.problems
        );
        let blurred = assess(
            &[face(FRONTAL, 120.0)],
            &RgbImage::new(150, 150, vec![90; 150 * 150 * 3]).expect("valid"),
            &QualityLimits::default(),
        );
        assert!(blurred.problems[0].contains("blurred"));
        assert!(!assess(&[], &chip, &QualityLimits::default()).passed());
    }
}
