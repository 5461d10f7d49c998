//! Where a liveness model looks: Minivision's crop box (upstream `CropImage._get_new_box`), from a
//! face box in whole pixels. The arithmetic is upstream's, in f64 like Python's floats, because
//! the models were trained on exactly these crops and the golden crops are checked to the pixel.

use serde::{Deserialize, Serialize};

use crate::detect::BBox;

/// An inclusive pixel rectangle: columns `x1..=x2`, rows `y1..=y2` (upstream's
/// `crop_box_xyxy`, whose slice takes `y1:y2+1, x1:x2+1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CropBox {
    pub x1: u32,
    pub y1: u32,
    pub x2: u32,
    pub y2: u32,
}

impl CropBox {
    pub fn width(&self) -> u32 {
        self.x2 - self.x1 + 1
    }

    pub fn height(&self) -> u32 {
        self.y2 - self.y1 + 1
    }

    pub fn xyxy(&self) -> [u32; 4] {
        [self.x1, self.y1, self.x2, self.y2]
    }
}

/// Which face box the crop is scaled from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoxConvention {
    /// YuNet's box as detected, in whole pixels: what the golden crops use, and what scored the
    /// labelled real faces best (see the module doc).
    #[default]
    Yunet,
    /// YuNet's box mapped to upstream's RetinaFace convention as ../shared/models/MANIFEST.md
    /// gives it: width ×1.14, height ×0.85, centre moved down 0.068 × height.
    Retinaface,
}

impl std::str::FromStr for BoxConvention {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "yunet" => Ok(Self::Yunet),
            "retinaface" => Ok(Self::Retinaface),
            _ => Err(format!(
                "unknown box convention `{s}`: use yunet or retinaface"
            )),
        }
    }
}

/// The face box `[x, y, w, h]` the crop starts from, in whole pixels: upstream's detector
/// wrapper truncates with Python's `int()`, towards zero.
pub fn face_box(bbox: &BBox, convention: BoxConvention) -> [f64; 4] {
    let [x, y, w, h] = [bbox.x, bbox.y, bbox.w, bbox.h].map(f64::from);
    let [x, y, w, h] = match convention {
        BoxConvention::Yunet => [x, y, w, h],
        BoxConvention::Retinaface => {
            let (cx, cy) = (x + w / 2.0, y + h / 2.0 + 0.068 * h);
            let (w2, h2) = (w * 1.14, h * 0.85);
            [cx - w2 / 2.0, cy - h2 / 2.0, w2, h2]
        }
    };
    [x.trunc(), y.trunc(), w.trunc(), h.trunc()]
}

/// The scale actually used: the model's, reduced so the scaled box fits the frame (upstream
/// clamps it to `(side − 1) / box side`). Below `scale` means the crop is clamped.
pub fn effective_scale(frame: (u32, u32), face: [f64; 4], scale: f64) -> f64 {
    let (w, h) = (f64::from(frame.0), f64::from(frame.1));
    scale.min((h - 1.0) / face[3]).min((w - 1.0) / face[2])
}

/// The crop box for `face` (`[x, y, w, h]` from [`face_box`]) at `scale` in a frame of
/// `frame = (width, height)`: the box scaled about its centre, shifted back inside the frame.
/// `None` for an empty face box or a frame under 2 pixels a side.
pub fn crop_box(frame: (u32, u32), face: [f64; 4], scale: f64) -> Option<CropBox> {
    let [x, y, bw, bh] = face;
    if !(bw > 0.0 && bh > 0.0) || frame.0 < 2 || frame.1 < 2 {
        return None;
    }
    let (max_x, max_y) = (f64::from(frame.0 - 1), f64::from(frame.1 - 1));
    let s = effective_scale(frame, face, scale);
    let (w, h) = (bw * s, bh * s);
    let (cx, cy) = (bw / 2.0 + x, bh / 2.0 + y);
    let (mut x1, mut y1, mut x2, mut y2) = (cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0);
    // Upstream's order: push right/down off the top-left edge, then left/up off the far edge.
    if x1 < 0.0 {
        x2 -= x1;
        x1 = 0.0;
    }
    if y1 < 0.0 {
        y2 -= y1;
        y1 = 0.0;
    }
    if x2 > max_x {
        x1 -= x2 - max_x;
        x2 = max_x;
    }
    if y2 > max_y {
        y1 -= y2 - max_y;
        y2 = max_y;
    }
    // Python's int() truncates; the clamp only absorbs rounding (the scale keeps w ≤ max_x).
    let pixel = |v: f64, max: f64| v.trunc().clamp(0.0, max) as u32;
    let (x1, y1) = (pixel(x1, max_x), pixel(y1, max_y));
    Some(CropBox {
        x1,
        y1,
        x2: pixel(x2, max_x).max(x1),
        y2: pixel(y2, max_y).max(y1),
    })
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values are the point of these tests
mod tests {
    use super::*;

    /// golden.json's face boxes and crop boxes (both detectors; the upright 480×640 samples).
    const GOLDEN: [([f64; 4], f64, [u32; 4]); 12] = [
        ([119.0, 113.0, 169.0, 239.0], 2.7, [0, 0, 451, 639]),
        ([119.0, 113.0, 169.0, 239.0], 4.0, [0, 0, 451, 639]),
        ([106.0, 147.0, 207.0, 213.0], 2.7, [0, 7, 479, 499]),
        ([106.0, 147.0, 207.0, 213.0], 4.0, [0, 7, 479, 499]),
        ([187.0, 109.0, 195.0, 239.0], 2.7, [0, 0, 479, 587]),
        ([187.0, 109.0, 195.0, 239.0], 4.0, [0, 0, 479, 587]),
        ([178.0, 136.0, 223.0, 225.0], 2.7, [0, 6, 479, 490]),
        ([178.0, 136.0, 223.0, 225.0], 4.0, [0, 6, 479, 490]),
        ([139.0, 216.0, 222.0, 298.0], 2.7, [2, 0, 479, 639]),
        ([139.0, 216.0, 222.0, 298.0], 4.0, [2, 0, 479, 639]),
        ([120.0, 252.0, 252.0, 256.0], 2.7, [0, 136, 479, 623]),
        ([120.0, 252.0, 252.0, 256.0], 4.0, [0, 136, 479, 623]),
    ];

    #[test]
    fn crop_boxes_are_the_golden_ones() {
        for (face, scale, expected) in GOLDEN {
            let got = crop_box((480, 640), face, scale).expect("a crop");
            assert_eq!(got.xyxy(), expected, "{face:?} at {scale}");
        }
    }

    #[test]
    fn a_small_centred_face_gets_the_full_scale_about_its_centre() {
        let face = [300.0, 200.0, 40.0, 50.0];
        assert!((effective_scale((640, 480), face, 2.7) - 2.7).abs() < 1e-12);
        // 40×2.7 = 108 wide about x = 320: 266..374; 50×2.7 = 135 tall about y = 225.
        let c = crop_box((640, 480), face, 2.7).expect("a crop");
        assert_eq!(c.xyxy(), [266, 157, 374, 292]);
        assert_eq!((c.width(), c.height()), (109, 136));
    }

    #[test]
    fn a_face_near_an_edge_is_shifted_inside_not_shrunk() {
        // Left edge: the crop keeps its size and starts at 0.
        let c = crop_box((640, 480), [5.0, 200.0, 40.0, 40.0], 4.0).expect("a crop");
        assert_eq!(c.xyxy(), [0, 140, 160, 300]);
        // Bottom-right corner: pushed up and left to end on the last pixel.
        let c = crop_box((640, 480), [610.0, 460.0, 40.0, 40.0], 4.0).expect("a crop");
        assert_eq!(c.xyxy(), [479, 319, 639, 479]);
    }

    #[test]
    fn a_face_too_large_for_the_scale_is_clamped_to_the_frame() {
        // 200 px tall in a 480-high frame: 4.0 would need 800, so the scale drops to 479/200.
        let face = [220.0, 140.0, 160.0, 200.0];
        let s = effective_scale((640, 480), face, 4.0);
        assert!((s - 479.0 / 200.0).abs() < 1e-12);
        let c = crop_box((640, 480), face, 4.0).expect("a crop");
        assert_eq!((c.y1, c.y2), (0, 479));
        assert_eq!(c.width(), 384, "160 × 2.395 = 383.2 wide: {c:?}");
    }

    #[test]
    fn empty_boxes_and_degenerate_frames_give_no_crop() {
        assert_eq!(crop_box((640, 480), [10.0, 10.0, 0.0, 20.0], 2.7), None);
        assert_eq!(
            crop_box((640, 480), [10.0, 10.0, 20.0, f64::NAN], 2.7),
            None
        );
        assert_eq!(crop_box((1, 480), [0.0, 0.0, 1.0, 1.0], 2.7), None);
    }

    #[test]
    fn face_boxes_are_truncated_like_python_int() {
        let b = BBox {
            x: 119.13,
            y: -3.7,
            w: 169.57,
            h: 239.91,
        };
        assert_eq!(
            face_box(&b, BoxConvention::Yunet),
            [119.0, -3.0, 169.0, 239.0]
        );
        // T1's YuNet box in the RetinaFace convention: close to RetinaFace's [106, 147, 207, 213].
        let b = BBox {
            x: 119.13,
            y: 113.49,
            w: 169.57,
            h: 239.91,
        };
        assert_eq!(
            face_box(&b, BoxConvention::Retinaface),
            [107.0, 147.0, 193.0, 203.0]
        );
        assert_eq!("retinaface".parse(), Ok(BoxConvention::Retinaface));
        assert!("opencv".parse::<BoxConvention>().is_err());
    }
}
