//! The two measures the challenge judges, from five landmarks in YuNet order (right eye, left
//! eye, nose tip, right mouth corner, left mouth corner; the right eye is the one on the image's
//! left).
//!
//! - [`nose_shift`]: where the nose sits between the eyes and mouth corners, across the face, in
//!   eye distances. A head turn moves it; a flat picture moved, turned or tilted as a whole
//!   barely does, because on a plane the nose stays where it was printed relative to the other
//!   four points (exactly so under an affine camera; perspective at half a metre moves it by
//!   about 0.01).
//! - [`residual`]: how far the nose is from where the start frame's plane says it should be. The
//!   four outer points of two frames fix one homography; a flat picture maps all five points by
//!   it, a head does not, because its nose stands ~25 mm in front of the eyes and mouth.
//!
//! Arithmetic is f64 on coordinates centred and scaled about the points (Hartley's
//! normalisation), so the 8×8 solve is well conditioned wherever the face is in the frame.

/// Landmark indices (YuNet order).
const RIGHT_EYE: usize = 0;
const LEFT_EYE: usize = 1;
const NOSE: usize = 2;
/// The four points that fix the homography: both eyes and both mouth corners.
const OUTER: [usize; 4] = [0, 1, 3, 4];

/// Eye distances below this many pixels are no face at all: nothing is measured.
const MIN_EYE_DISTANCE_PX: f64 = 1.0;

type Point = [f64; 2];

fn point(p: [f32; 2]) -> Point {
    [f64::from(p[0]), f64::from(p[1])]
}

fn sub(a: Point, b: Point) -> Point {
    [a[0] - b[0], a[1] - b[1]]
}

fn norm(a: Point) -> f64 {
    a[0].hypot(a[1])
}

/// The distance between the eye centres in pixels, `None` when degenerate or not finite.
pub fn eye_distance(landmarks: &[[f32; 2]; 5]) -> Option<f64> {
    let d = norm(sub(point(landmarks[LEFT_EYE]), point(landmarks[RIGHT_EYE])));
    (d.is_finite() && d >= MIN_EYE_DISTANCE_PX).then_some(d)
}

/// The nose's offset from the centre of the eyes and mouth corners, along the eye line (from the
/// right eye to the left eye, so positive is towards the image's right: the person's left), in
/// eye distances. Projecting on the eye line keeps a tilted head from reading as a turned one.
///
/// For the mean face of the tests it is about 0.43·tan(yaw) more than the frontal value (the
/// nose ~22 mm in front of the eyes, the mouth corners ~10 mm behind them, over 63 mm).
pub fn nose_shift(landmarks: &[[f32; 2]; 5]) -> Option<f64> {
    let eyes = eye_distance(landmarks)?;
    let axis = sub(point(landmarks[LEFT_EYE]), point(landmarks[RIGHT_EYE]));
    let centre = OUTER.iter().fold([0.0, 0.0], |c, &i| {
        let p = point(landmarks[i]);
        [c[0] + p[0] / 4.0, c[1] + p[1] / 4.0]
    });
    let offset = sub(point(landmarks[NOSE]), centre);
    let shift = (offset[0] * axis[0] + offset[1] * axis[1]) / (eyes * eyes);
    shift.is_finite().then_some(shift)
}

/// The distance between the nose observed in `current` and the start frame's nose mapped by the
/// homography that takes the start frame's eyes and mouth corners onto the current frame's, over
/// the current eye distance. `None` when the four points are degenerate (three in a line, or
/// a mapping that sends the nose to infinity).
pub fn residual(start: &[[f32; 2]; 5], current: &[[f32; 2]; 5]) -> Option<f64> {
    let eyes = eye_distance(current)?;
    let from = OUTER.map(|i| point(start[i]));
    let to = OUTER.map(|i| point(current[i]));
    let predicted = Homography::through(&from, &to)?.apply(point(start[NOSE]))?;
    let r = norm(sub(predicted, point(current[NOSE]))) / eyes;
    r.is_finite().then_some(r)
}

/// A similarity that moves points' centroid to the origin and their mean distance from it to √2.
#[derive(Clone, Copy, Debug)]
struct Normalise {
    centre: Point,
    scale: f64,
}

impl Normalise {
    /// `None` when three of the points are (nearly) in a line: the DLT system may still solve,
    /// but only with a singular map that squashes the plane onto a line.
    fn of(points: &[Point; 4]) -> Option<Self> {
        // In normalised units a face's quadrilateral has triangles of area ~1; a hundredth of
        // that is a face seen edge-on or landmarks gone wrong.
        const MIN_TRIANGLE_AREA: f64 = 0.01;
        let centre = points
            .iter()
            .fold([0.0, 0.0], |c, p| [c[0] + p[0] / 4.0, c[1] + p[1] / 4.0]);
        let spread = points.iter().map(|&p| norm(sub(p, centre))).sum::<f64>() / 4.0;
        if !(spread.is_finite() && spread > 0.0) {
            return None;
        }
        let n = Self {
            centre,
            scale: std::f64::consts::SQRT_2 / spread,
        };
        let p = points.map(|q| n.forward(q));
        let area = |a: Point, b: Point, c: Point| {
            let (u, v) = (sub(b, a), sub(c, a));
            (u[0] * v[1] - u[1] * v[0]).abs() / 2.0
        };
        let triangles = [
            area(p[0], p[1], p[2]),
            area(p[0], p[1], p[3]),
            area(p[0], p[2], p[3]),
            area(p[1], p[2], p[3]),
        ];
        triangles
            .iter()
            .all(|&t| t >= MIN_TRIANGLE_AREA)
            .then_some(n)
    }

    fn forward(self, p: Point) -> Point {
        [
            (p[0] - self.centre[0]) * self.scale,
            (p[1] - self.centre[1]) * self.scale,
        ]
    }

    fn back(self, p: Point) -> Point {
        [
            p[0] / self.scale + self.centre[0],
            p[1] / self.scale + self.centre[1],
        ]
    }
}

/// A plane-to-plane projective map fixed by four point pairs, between normalised coordinates.
#[derive(Clone, Copy, Debug)]
pub struct Homography {
    from: Normalise,
    to: Normalise,
    /// Row-major 3×3 with the last entry 1. Fixing it is safe here: in normalised coordinates
    /// the origin is inside the quadrilateral, and a map sending that to infinity is no face.
    h: [f64; 9],
}

impl Homography {
    /// The homography taking each `from[i]` to `to[i]`, `None` when the pairs do not fix one
    /// (three points in a line on either side).
    pub fn through(from: &[Point; 4], to: &[Point; 4]) -> Option<Self> {
        let (nf, nt) = (Normalise::of(from)?, Normalise::of(to)?);
        // The direct linear transform with h33 = 1: two equations per pair,
        //   x·h11 + y·h12 + h13 − u·x·h31 − u·y·h32 = u
        //   x·h21 + y·h22 + h23 − v·x·h31 − v·y·h32 = v
        // eight equations for eight unknowns: exactly determined, so no least squares.
        let mut a = [[0.0; 9]; 8];
        for (k, (&p, &q)) in from.iter().zip(to).enumerate() {
            let [x, y] = nf.forward(p);
            let [u, v] = nt.forward(q);
            a[2 * k] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            a[2 * k + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        let s = solve(a)?;
        Some(Self {
            from: nf,
            to: nt,
            h: [s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], 1.0],
        })
    }

    /// Where `p` lands, `None` for a point the map sends to (or near) infinity.
    pub fn apply(&self, p: Point) -> Option<Point> {
        let [x, y] = self.from.forward(p);
        let h = &self.h;
        let w = h[6] * x + h[7] * y + h[8];
        if w.is_nan() || w.abs() <= 1e-9 {
            return None;
        }
        let q = [
            (h[0] * x + h[1] * y + h[2]) / w,
            (h[3] * x + h[4] * y + h[5]) / w,
        ];
        Some(self.to.back(q))
    }
}

/// Solves the 8×8 system whose augmented matrix is `a` (the right-hand side in column 8) by
/// Gaussian elimination with partial pivoting. `None` when a pivot is (numerically) zero.
fn solve(mut a: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    // Normalised coordinates are O(1), so an absolute pivot tolerance is meaningful.
    const SINGULAR: f64 = 1e-10;
    for col in 0..8 {
        // The largest pivot keeps the multipliers at most 1 in size, so rounding does not grow.
        let pivot = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].is_nan() || a[pivot][col].abs() <= SINGULAR {
            return None;
        }
        a.swap(col, pivot);
        let (done, below) = a.split_at_mut(col + 1);
        let top = &done[col];
        for row in below {
            let factor = row[col] / top[col];
            for (r, t) in row[col..].iter_mut().zip(&top[col..]) {
                *r -= factor * t;
            }
        }
    }
    let mut x = [0.0; 8];
    for row in (0..8).rev() {
        let tail: f64 = (row + 1..8).map(|k| a[row][k] * x[k]).sum();
        x[row] = (a[row][8] - tail) / a[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frontal face of 70 px between the eyes (landmarks in YuNet order).
    const FRONTAL: [[f32; 2]; 5] = [
        [285.0, 220.0],
        [355.0, 220.0],
        [320.0, 264.0],
        [292.0, 298.0],
        [348.0, 298.0],
    ];

    /// Applies a known homography (row-major, last entry 1) to a point.
    fn project(h: &[f64; 9], p: [f32; 2]) -> [f32; 2] {
        let (x, y) = (f64::from(p[0]), f64::from(p[1]));
        let w = h[6] * x + h[7] * y + h[8];
        [
            ((h[0] * x + h[1] * y + h[2]) / w) as f32,
            ((h[3] * x + h[4] * y + h[5]) / w) as f32,
        ]
    }

    /// A perspective view of a turned, tilted and moved plane.
    const PLANE_MOTION: [f64; 9] = [0.93, 0.12, 40.0, -0.08, 1.05, -25.0, 2.1e-4, -1.3e-4, 1.0];

    #[test]
    fn the_homography_through_four_pairs_maps_them_exactly_and_recovers_a_known_map() {
        let from = OUTER.map(|i| point(FRONTAL[i]));
        let to = OUTER.map(|i| point(project(&PLANE_MOTION, FRONTAL[i])));
        let h = Homography::through(&from, &to).expect("four points in general position");
        for (p, q) in from.iter().zip(&to) {
            let m = h.apply(*p).expect("finite");
            assert!(norm(sub(m, *q)) < 1e-6, "{m:?} vs {q:?}");
        }
        // A fifth point, not used to fit, lands where the known map sends it.
        let probe = [300.0, 250.0];
        let expected = point(project(&PLANE_MOTION, probe));
        let got = h.apply(point(probe)).expect("finite");
        assert!(norm(sub(got, expected)) < 1e-3, "{got:?} vs {expected:?}");
    }

    #[test]
    fn a_flat_picture_has_no_residual_and_keeps_its_nose_shift() {
        let moved = FRONTAL.map(|p| project(&PLANE_MOTION, p));
        let r = residual(&FRONTAL, &moved).expect("measurable");
        assert!(r < 1e-4, "residual {r}");
        let before = nose_shift(&FRONTAL).expect("measurable");
        let after = nose_shift(&moved).expect("measurable");
        // The plane motion is mildly projective, so the affine measure moves a little, not much.
        assert!((after - before).abs() < 0.02, "{before} → {after}");
    }

    #[test]
    fn a_nose_off_the_plane_shows_as_residual_and_as_nose_shift() {
        let mut turned = FRONTAL.map(|p| project(&PLANE_MOTION, p));
        turned[NOSE][0] += 14.0;
        let eyes = eye_distance(&turned).expect("measurable");
        let r = residual(&FRONTAL, &turned).expect("measurable");
        assert!((r - 14.0 / eyes).abs() < 1e-3, "residual {r}");
        let shift = nose_shift(&turned).expect("measurable") - nose_shift(&FRONTAL).expect("m");
        assert!(shift > 0.15, "{shift}");
    }

    #[test]
    fn nose_shift_is_positive_towards_the_image_right_and_ignores_roll() {
        let mut right = FRONTAL;
        right[NOSE][0] += 7.0;
        assert!((nose_shift(&right).expect("m") - 0.1).abs() < 1e-6);
        // The whole face rotated 30° in the image: the same shift along the (tilted) eye line.
        let (s, c) = 30f32.to_radians().sin_cos();
        let rolled = right.map(|[x, y]| {
            let (dx, dy) = (x - 320.0, y - 240.0);
            [320.0 + c * dx - s * dy, 240.0 + s * dx + c * dy]
        });
        assert!((nose_shift(&rolled).expect("m") - 0.1).abs() < 1e-5);
    }

    #[test]
    fn degenerate_points_measure_nothing() {
        // Three of the four outer points in a line: no homography.
        let mut collinear = FRONTAL;
        collinear[3] = [320.0, 220.0];
        assert!(residual(&FRONTAL, &collinear).is_none());
        assert!(residual(&collinear, &FRONTAL).is_none());
        // Both eyes on one pixel: no eye distance to measure in.
        let mut blind = FRONTAL;
        blind[LEFT_EYE] = blind[RIGHT_EYE];
        assert!(nose_shift(&blind).is_none() && residual(&FRONTAL, &blind).is_none());
        let mut nan = FRONTAL;
        nan[NOSE][1] = f32::NAN;
        assert!(nose_shift(&nan).is_none() && residual(&FRONTAL, &nan).is_none());
    }

    #[test]
    fn the_solver_pivots_past_a_zero_on_the_diagonal() {
        // x0 = 1, x1 = 2, …, x7 = 8 with rows permuted so the first diagonal entry is zero.
        let mut a = [[0.0; 9]; 8];
        for i in 0..8 {
            let row = (i + 1) % 8;
            a[row][i] = 1.0;
            a[row][8] = (i + 1) as f64;
        }
        a[0][3] += 0.5;
        a[0][8] += 0.5 * 4.0;
        let x = solve(a).expect("regular");
        for (i, v) in x.iter().enumerate() {
            assert!((v - (i + 1) as f64).abs() < 1e-12, "x{i} = {v}");
        }
        assert!(solve([[0.0; 9]; 8]).is_none());
    }
}
