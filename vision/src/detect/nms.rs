//! Greedy non-maximum suppression: keep the best box, drop every box overlapping it by more
//! than the IoU threshold, repeat.

use serde::Serialize;

/// An axis-aligned box in image pixels (top-left corner, width, height).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BBox {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl BBox {
    pub fn area(&self) -> f32 {
        self.w.max(0.0) * self.h.max(0.0)
    }

    /// Intersection over union; 0 for disjoint or empty boxes.
    pub fn iou(&self, other: &BBox) -> f32 {
        let x1 = self.x.max(other.x);
        let y1 = self.y.max(other.y);
        let x2 = (self.x + self.w).min(other.x + other.w);
        let y2 = (self.y + self.h).min(other.y + other.h);
        let inter = (x2 - x1).max(0.0) * (y2 - y1).max(0.0);
        let union = self.area() + other.area() - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }
}

/// Indices of the boxes kept, best score first.
pub fn nms(boxes: &[BBox], scores: &[f32], iou_threshold: f32) -> Vec<usize> {
    let mut order: Vec<usize> = (0..boxes.len().min(scores.len())).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut keep: Vec<usize> = Vec::new();
    for i in order {
        if keep
            .iter()
            .all(|&k| boxes[k].iou(&boxes[i]) <= iou_threshold)
        {
            keep.push(i);
        }
    }
    keep
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values are the point of these tests
mod tests {
    use super::*;

    fn b(x: f32, y: f32, w: f32, h: f32) -> BBox {
        BBox { x, y, w, h }
    }

    #[test]
    fn iou_of_identical_disjoint_and_half_overlapping_boxes() {
        assert!((b(0.0, 0.0, 10.0, 10.0).iou(&b(0.0, 0.0, 10.0, 10.0)) - 1.0).abs() < 1e-6);
        assert_eq!(b(0.0, 0.0, 10.0, 10.0).iou(&b(20.0, 20.0, 5.0, 5.0)), 0.0);
        // Overlap 50 of union 150.
        assert!((b(0.0, 0.0, 10.0, 10.0).iou(&b(5.0, 0.0, 10.0, 10.0)) - 1.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn overlapping_weaker_boxes_are_suppressed_and_distant_ones_kept() {
        let boxes = [
            b(0.0, 0.0, 10.0, 10.0),
            b(1.0, 1.0, 10.0, 10.0),
            b(50.0, 50.0, 10.0, 10.0),
            b(0.5, 0.0, 10.0, 10.0),
        ];
        let scores = [0.8, 0.9, 0.7, 0.95];
        assert_eq!(nms(&boxes, &scores, 0.3), vec![3, 2]);
    }

    #[test]
    fn nothing_in_nothing_out() {
        assert!(nms(&[], &[], 0.5).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn kept_boxes_never_overlap_beyond_the_threshold(
            raw in proptest::collection::vec((0f32..100.0, 0f32..100.0, 1f32..40.0, 1f32..40.0, 0f32..1.0), 0..40),
            iou in 0.1f32..0.9,
        ) {
            let boxes: Vec<BBox> = raw.iter().map(|r| b(r.0, r.1, r.2, r.3)).collect();
            let scores: Vec<f32> = raw.iter().map(|r| r.4).collect();
            let keep = nms(&boxes, &scores, iou);
            for (i, &a) in keep.iter().enumerate() {
                for &c in &keep[i + 1..] {
                    proptest::prop_assert!(boxes[a].iou(&boxes[c]) <= iou);
                }
            }
            // The best box always survives.
            if let Some(best) = (0..boxes.len()).max_by(|&x, &y| scores[x].total_cmp(&scores[y])) {
                proptest::prop_assert!(scores[keep[0]] >= scores[best]);
            }
        }
    }
}
