//! YuNet output decoding (as OpenCV's `FaceDetectorYN` does it). For each stride s ∈ {8,16,32}
//! the model emits, per grid cell, `cls` and `obj` scores, a box `(dx, dy, log w, log h)` and
//! five landmark offsets, all in units of the stride. Score = sqrt(cls·obj).

use super::Detection;
use super::nms::BBox;

pub const STRIDES: [usize; 3] = [8, 16, 32];

/// The twelve output tensors for one image, looked up by name (`cls_8`, `obj_16`, …).
pub trait YunetOutputs {
    fn get(&self, name: &str) -> Option<&[f32]>;
}

impl<S: std::hash::BuildHasher> YunetOutputs for std::collections::HashMap<String, Vec<f32>, S> {
    fn get(&self, name: &str) -> Option<&[f32]> {
        std::collections::HashMap::get(self, name).map(Vec::as_slice)
    }
}

/// Decodes candidates above `score_threshold` for an input of `width`×`height` (multiples of 32).
/// Coordinates are in input pixels.
pub fn decode(
    outputs: &dyn YunetOutputs,
    width: usize,
    height: usize,
    score_threshold: f32,
) -> Result<Vec<Detection>, String> {
    let mut out = Vec::new();
    for stride in STRIDES {
        let (cols, rows) = (width / stride, height / stride);
        let n = cols * rows;
        let tensor = |kind: &str, per: usize| -> Result<&[f32], String> {
            let name = format!("{kind}_{stride}");
            let t = outputs
                .get(&name)
                .ok_or_else(|| format!("YuNet output `{name}` is missing"))?;
            if t.len() != n * per {
                return Err(format!(
                    "YuNet output `{name}` has {} values, expected {} for a {width}x{height} input",
                    t.len(),
                    n * per
                ));
            }
            Ok(t)
        };
        let (cls, obj, bbox, kps) = (
            tensor("cls", 1)?,
            tensor("obj", 1)?,
            tensor("bbox", 4)?,
            tensor("kps", 10)?,
        );
        let s = stride as f32;
        for idx in 0..n {
            let score = (cls[idx].clamp(0.0, 1.0) * obj[idx].clamp(0.0, 1.0)).sqrt();
            if score < score_threshold {
                continue;
            }
            let (c, r) = ((idx % cols) as f32, (idx / cols) as f32);
            let b = &bbox[idx * 4..idx * 4 + 4];
            let (cx, cy) = ((c + b[0]) * s, (r + b[1]) * s);
            let (w, h) = (b[2].exp() * s, b[3].exp() * s);
            let k = &kps[idx * 10..idx * 10 + 10];
            let landmarks = std::array::from_fn(|i| [(k[2 * i] + c) * s, (k[2 * i + 1] + r) * s]);
            out.push(Detection {
                bbox: BBox {
                    x: cx - w / 2.0,
                    y: cy - h / 2.0,
                    w,
                    h,
                },
                score,
                landmarks: Some(landmarks),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values are the point of these tests
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Outputs for a 32×32 input with one confident cell at stride 8, column 1, row 2.
    fn outputs() -> HashMap<String, Vec<f32>> {
        let mut m = HashMap::new();
        for stride in STRIDES {
            let n = (32 / stride) * (32 / stride);
            m.insert(format!("cls_{stride}"), vec![0.0; n]);
            m.insert(format!("obj_{stride}"), vec![0.0; n]);
            m.insert(format!("bbox_{stride}"), vec![0.0; n * 4]);
            m.insert(format!("kps_{stride}"), vec![0.0; n * 10]);
        }
        let idx = 2 * 4 + 1;
        m.get_mut("cls_8").expect("cls")[idx] = 0.81;
        m.get_mut("obj_8").expect("obj")[idx] = 1.0;
        m.get_mut("bbox_8").expect("bbox")[idx * 4..idx * 4 + 4].copy_from_slice(&[
            0.5,
            0.5,
            2f32.ln(),
            0.0,
        ]);
        m.get_mut("kps_8").expect("kps")[idx * 10..idx * 10 + 2].copy_from_slice(&[0.25, -0.5]);
        m
    }

    #[test]
    fn a_cell_decodes_to_box_score_and_landmarks_in_pixels() {
        let dets = decode(&outputs(), 32, 32, 0.5).expect("decodes");
        assert_eq!(dets.len(), 1);
        let d = &dets[0];
        assert!((d.score - 0.9).abs() < 1e-6);
        // Centre (1.5, 2.5) cells × 8 = (12, 20); width e^ln2 × 8 = 16, height 8.
        assert_eq!(
            d.bbox,
            BBox {
                x: 4.0,
                y: 16.0,
                w: 16.0,
                h: 8.0
            }
        );
        assert_eq!(d.landmarks.expect("landmarks")[0], [10.0, 12.0]);
    }

    #[test]
    fn scores_below_threshold_are_dropped() {
        assert!(
            decode(&outputs(), 32, 32, 0.95)
                .expect("decodes")
                .is_empty()
        );
    }

    #[test]
    fn a_missing_or_misshapen_output_is_named() {
        let mut o = outputs();
        o.remove("kps_16");
        assert_eq!(
            decode(&o, 32, 32, 0.5).expect_err("missing"),
            "YuNet output `kps_16` is missing"
        );
        let err = decode(&outputs(), 64, 32, 0.5).expect_err("wrong size");
        assert!(err.contains("`cls_8` has 16 values, expected 32"), "{err}");
    }
}
