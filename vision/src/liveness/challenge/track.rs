//! Following one face through the challenge: the face in a frame is the one being followed when
//! its box overlaps the last one enough and its centre has not jumped too far for its size. At
//! kiosk frame rates a head moves a few pixels a frame; a swap to a face elsewhere in view, or a
//! picture brought in from the side, jumps.

use std::collections::VecDeque;

use crate::detect::BBox;

/// Whether `now` can be the face that was at `last` one frame (or a few missed frames) before.
pub fn same_face(last: &BBox, now: &BBox, min_iou: f32, max_centre_jump: f32) -> bool {
    let centre = |b: &BBox| (b.x + b.w / 2.0, b.y + b.h / 2.0);
    let ((x0, y0), (x1, y1)) = (centre(last), centre(now));
    // In face sizes, so the limit means the same near the camera and far from it.
    let size = last.w.max(last.h);
    let jump = (x1 - x0).hypot(y1 - y0) / size;
    last.iou(now) >= min_iou && jump <= max_centre_jump
}

/// Whether a box can be a face at all: finite, with some area.
pub fn usable(b: &BBox) -> bool {
    [b.x, b.y, b.w, b.h].iter().all(|v| v.is_finite()) && b.w > 0.0 && b.h > 0.0
}

/// The last `len` values of a measure, and their median: one wild frame moves the median of
/// three by nothing, where it would move a mean by a third of its error.
#[derive(Clone, Debug)]
pub struct Window {
    len: usize,
    values: VecDeque<f64>,
}

impl Window {
    pub fn new(len: usize) -> Self {
        let len = len.max(1);
        Self {
            len,
            values: VecDeque::with_capacity(len),
        }
    }

    pub fn push(&mut self, v: f64) {
        if self.values.len() == self.len {
            self.values.pop_front();
        }
        self.values.push_back(v);
    }

    pub fn is_full(&self) -> bool {
        self.values.len() == self.len
    }

    /// The median of the values held (the lower middle one for an even count), `None` if empty.
    pub fn median(&self) -> Option<f64> {
        let mut sorted: Vec<f64> = self.values.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        sorted.get(sorted.len().saturating_sub(1) / 2).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(x: f32, y: f32, side: f32) -> BBox {
        BBox {
            x,
            y,
            w: side,
            h: side * 1.2,
        }
    }

    #[test]
    fn a_face_moving_a_little_is_followed_and_a_jump_is_not() {
        let last = b(200.0, 150.0, 150.0);
        assert!(same_face(&last, &b(206.0, 147.0, 148.0), 0.3, 0.5));
        // Two thirds of a face width sideways in one frame.
        assert!(!same_face(&last, &b(300.0, 150.0, 150.0), 0.3, 0.5));
        // A face elsewhere in view.
        assert!(!same_face(&last, &b(420.0, 160.0, 150.0), 0.3, 0.5));
        // A much smaller face at the same centre: the centre has not moved, the overlap is small.
        assert!(!same_face(&last, &b(255.0, 205.0, 40.0), 0.3, 0.5));
    }

    #[test]
    fn empty_or_non_finite_boxes_are_not_faces() {
        assert!(usable(&b(0.0, 0.0, 10.0)));
        assert!(!usable(&b(0.0, 0.0, 0.0)));
        assert!(!usable(&b(f32::NAN, 0.0, 10.0)));
        assert!(!usable(&b(0.0, f32::INFINITY, 10.0)));
    }

    #[test]
    fn the_window_keeps_the_last_values_and_its_median_ignores_one_outlier() {
        let mut w = Window::new(3);
        assert_eq!(w.median(), None);
        w.push(0.1);
        assert!(!w.is_full());
        w.push(5.0);
        assert_eq!(w.median(), Some(0.1));
        w.push(0.2);
        assert!(w.is_full());
        assert_eq!(w.median(), Some(0.2));
        // 0.1 drops out: [5.0, 0.2, 0.3].
        w.push(0.3);
        assert_eq!(w.median(), Some(0.3));
    }
}
