//! The framing gate: whether a face is framed well enough for the liveness models to judge it.
//! A face outside the gate is not scored; the refusal says why and what the person can do about
//! it. The limits are measured, not guessed: see the module doc of [`super`] for the numbers.
//!
//! Pure: measuring takes the frame and the detection, judging takes only the measures.

use serde::{Deserialize, Serialize};

use crate::detect::Detection;
use crate::image::RgbImage;
use crate::quality::{laplacian_variance, pose};

/// Side of the grey square the face box is resampled to before its sharpness is measured, so
/// that the measure does not depend on how far away the person stands.
pub const SHARPNESS_SIDE: u32 = 64;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GateLimits {
    /// Smallest face box width over frame width.
    pub min_face_fraction: f32,
    /// Largest face box width over frame width.
    pub max_face_fraction: f32,
    /// Smallest face box width in pixels.
    pub min_face_px: f32,
    /// Largest |yaw| proxy: nose offset from the eye midpoint, in eye distances.
    pub max_yaw: f32,
    /// Largest eye-line tilt, degrees.
    pub max_roll_deg: f32,
    /// Smallest Laplacian variance of the face on a [`SHARPNESS_SIDE`] grey square.
    pub min_sharpness: f32,
}

impl Default for GateLimits {
    /// The measured range (module doc of [`super`]).
    fn default() -> Self {
        Self {
            min_face_fraction: 0.12,
            max_face_fraction: 0.30,
            min_face_px: 40.0,
            max_yaw: 0.25,
            max_roll_deg: 15.0,
            min_sharpness: 100.0,
        }
    }
}

/// What the person at the kiosk is asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Hint {
    #[serde(rename = "step closer")]
    StepCloser,
    #[serde(rename = "step back")]
    StepBack,
    #[serde(rename = "face the camera")]
    FaceTheCamera,
    #[serde(rename = "hold still")]
    HoldStill,
}

impl Hint {
    pub fn text(self) -> &'static str {
        match self {
            Self::StepCloser => "step closer",
            Self::StepBack => "step back",
            Self::FaceTheCamera => "face the camera",
            Self::HoldStill => "hold still",
        }
    }
}

/// Why a face was not scored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Refusal {
    pub reason: String,
    pub hint: Hint,
}

/// The measures the gate judges.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Framing {
    /// Face box width over frame width.
    pub face_fraction: f32,
    /// Face box width in pixels.
    pub face_px: f32,
    /// `None` when the detector gives no landmarks (then pose is not judged).
    pub yaw: Option<f32>,
    pub roll_deg: Option<f32>,
    pub sharpness: f32,
}

impl Framing {
    pub fn measure(frame: &RgbImage, face: &Detection) -> Self {
        let (yaw, roll_deg) = face
            .landmarks
            .as_ref()
            .map(pose)
            .map_or((None, None), |(y, r)| (Some(y), Some(r)));
        Self {
            face_fraction: face.bbox.w / frame.width.max(1) as f32,
            face_px: face.bbox.w,
            yaw,
            roll_deg,
            sharpness: face_sharpness(frame, face),
        }
    }
}

/// Laplacian variance of the face box (clamped to the frame), on a grey square of
/// [`SHARPNESS_SIDE`]; 0 when the box holds no pixel.
pub fn face_sharpness(frame: &RgbImage, face: &Detection) -> f32 {
    let b = face.bbox;
    let (fw, fh) = (frame.width as f32, frame.height as f32);
    let (x1, y1) = (b.x.clamp(0.0, fw) as u32, b.y.clamp(0.0, fh) as u32);
    let (x2, y2) = (
        (b.x + b.w).clamp(0.0, fw) as u32,
        (b.y + b.h).clamp(0.0, fh) as u32,
    );
    if x2 <= x1 || y2 <= y1 {
        return 0.0;
    }
    let stride = frame.width as usize * 3;
    let data = (y1..y2)
        .flat_map(|y| {
            let row = y as usize * stride;
            frame.data[row + x1 as usize * 3..row + x2 as usize * 3].iter()
        })
        .copied()
        .collect();
    let Ok(region) = RgbImage::new(x2 - x1, y2 - y1, data) else {
        return 0.0;
    };
    let side = SHARPNESS_SIDE as usize;
    laplacian_variance(
        &region.resized(SHARPNESS_SIDE, SHARPNESS_SIDE).luma(),
        side,
        side,
    )
}

impl GateLimits {
    /// `None` when the face may be scored; otherwise the first failed check, in the order a
    /// person fixes them: distance, then pose, then stillness.
    pub fn judge(&self, f: &Framing) -> Option<Refusal> {
        let percent = f.face_fraction * 100.0;
        let refuse = |hint, reason: String| Some(Refusal { reason, hint });
        if f.face_px < self.min_face_px || f.face_fraction < self.min_face_fraction {
            return refuse(
                Hint::StepCloser,
                format!(
                    "face is {:.0} px, {percent:.0}% of the frame width: at least {:.0} px and \
                     {:.0}% needed",
                    f.face_px,
                    self.min_face_px,
                    self.min_face_fraction * 100.0
                ),
            );
        }
        if f.face_fraction > self.max_face_fraction {
            return refuse(
                Hint::StepBack,
                format!(
                    "face is {percent:.0}% of the frame width, at most {:.0}%",
                    self.max_face_fraction * 100.0
                ),
            );
        }
        if let Some(yaw) = f.yaw.filter(|y| y.abs() > self.max_yaw) {
            return refuse(
                Hint::FaceTheCamera,
                format!(
                    "face is turned sideways (yaw {yaw:.2}, at most {})",
                    self.max_yaw
                ),
            );
        }
        if let Some(roll) = f.roll_deg.filter(|r| r.abs() > self.max_roll_deg) {
            return refuse(
                Hint::FaceTheCamera,
                format!(
                    "head is tilted {roll:.0}°, at most {:.0}°",
                    self.max_roll_deg
                ),
            );
        }
        if f.sharpness < self.min_sharpness {
            return refuse(
                Hint::HoldStill,
                format!(
                    "face is blurred (sharpness {:.0}, at least {:.0})",
                    f.sharpness, self.min_sharpness
                ),
            );
        }
        None
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values are the point of these tests
mod tests {
    use super::*;
    use crate::detect::BBox;

    fn framing(fraction: f32, px: f32) -> Framing {
        Framing {
            face_fraction: fraction,
            face_px: px,
            yaw: Some(0.0),
            roll_deg: Some(0.0),
            sharpness: 500.0,
        }
    }

    fn hint(f: &Framing) -> Option<Hint> {
        GateLimits::default().judge(f).map(|r| r.hint)
    }

    #[test]
    fn a_well_framed_face_passes() {
        assert_eq!(GateLimits::default().judge(&framing(0.2, 128.0)), None);
    }

    #[test]
    fn distance_is_judged_by_fraction_and_by_pixels() {
        let limits = GateLimits::default();
        assert_eq!(
            hint(&framing(limits.min_face_fraction - 0.01, 200.0)),
            Some(Hint::StepCloser)
        );
        // A big enough share of a tiny frame is still too few pixels.
        assert_eq!(
            hint(&framing(0.2, limits.min_face_px - 1.0)),
            Some(Hint::StepCloser)
        );
        let refusal = limits.judge(&framing(0.45, 288.0)).expect("too close");
        assert_eq!(refusal.hint, Hint::StepBack);
        assert_eq!(
            refusal.reason,
            "face is 45% of the frame width, at most 30%"
        );
    }

    #[test]
    fn a_turned_or_tilted_head_is_asked_to_face_the_camera() {
        let turned = Framing {
            yaw: Some(-0.5),
            ..framing(0.2, 128.0)
        };
        assert_eq!(hint(&turned), Some(Hint::FaceTheCamera));
        let tilted = Framing {
            roll_deg: Some(-16.0),
            ..framing(0.2, 128.0)
        };
        assert_eq!(hint(&tilted), Some(Hint::FaceTheCamera));
        // Without landmarks the pose is not judged.
        let unknown = Framing {
            yaw: None,
            roll_deg: None,
            ..framing(0.2, 128.0)
        };
        assert_eq!(hint(&unknown), None);
    }

    #[test]
    fn a_blurred_face_is_asked_to_hold_still_and_distance_comes_first() {
        let blurred = Framing {
            sharpness: 5.0,
            ..framing(0.2, 128.0)
        };
        assert_eq!(hint(&blurred), Some(Hint::HoldStill));
        let far_and_blurred = Framing {
            sharpness: 5.0,
            ..framing(0.05, 32.0)
        };
        assert_eq!(hint(&far_and_blurred), Some(Hint::StepCloser));
    }

    fn face(x: f32, y: f32, side: f32) -> Detection {
        Detection {
            bbox: BBox {
                x,
                y,
                w: side,
                h: side,
            },
            score: 0.9,
            landmarks: Some([
                [x + 0.3 * side, y + 0.4 * side],
                [x + 0.7 * side, y + 0.4 * side],
                [x + 0.5 * side, y + 0.6 * side],
                [x + 0.35 * side, y + 0.8 * side],
                [x + 0.65 * side, y + 0.8 * side],
            ]),
        }
    }

    #[test]
    fn measures_come_from_the_box_landmarks_and_pixels() {
        // A checkerboard face region in a flat frame: sharp inside the box, nothing outside.
        let (w, h) = (320u32, 240u32);
        let data = (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                let inside = (100..164).contains(&x) && (80..144).contains(&y);
                let v = if inside && (x / 4 + y / 4) % 2 == 0 {
                    230
                } else {
                    40
                };
                [v, v, v]
            })
            .collect();
        let frame = RgbImage::new(w, h, data).expect("valid");
        let sharp = Framing::measure(&frame, &face(100.0, 80.0, 64.0));
        assert!((sharp.face_fraction - 0.2).abs() < 1e-6 && sharp.face_px == 64.0);
        assert!(sharp.yaw.is_some_and(|y| y.abs() < 1e-3));
        assert!(sharp.sharpness > 1000.0, "{sharp:?}");
        let flat = Framing::measure(&frame, &face(200.0, 150.0, 64.0));
        assert!(flat.sharpness < 1.0, "{flat:?}");
        // A box wholly outside the frame has no pixels to measure.
        assert!(face_sharpness(&frame, &face(400.0, 10.0, 30.0)).abs() < f32::EPSILON);
    }
}
