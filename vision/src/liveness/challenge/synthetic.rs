//! Synthetic heads and photos for the challenge's tests: a mean face from published
//! anthropometry (not from any landmark model), a pinhole camera, and random attempts at the
//! challenge by people and by photos waved in front of the camera.

use std::f64::consts::PI;

use super::{Observation, Turn};
use crate::detect::BBox;

/// xorshift64* (Vigna 2016) with Box–Muller normals: seeded, so every run sees the same trials.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        // xorshift's one fixed point is zero.
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1), from the top 53 bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// A whole number in `lo..=hi`.
    pub fn int(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32
    }

    /// Standard normal.
    pub fn gauss(&mut self) -> f64 {
        // 1 − u is in (0, 1], so the logarithm is finite.
        let (u1, u2) = (1.0 - self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
    }
}

/// The five landmarks of a mean adult face, in millimetres, YuNet order (right eye, left eye,
/// nose tip, right mouth corner, left mouth corner). Head frame: origin midway between the eye
/// centres, x towards the person's left (the image's right when they face the camera), y down,
/// z away from the camera. Rounded from Farkas, *Anthropometry of the Head and Face* (2nd ed.,
/// 1994), young-adult norms, and Dodgson (2004) for the interpupillary distance:
/// - eye centres ±31.5 mm: interpupillary distance ~63 mm (Dodgson: adult mean 63 mm; Farkas's
///   ex–ex ~90 mm and en–en ~32 mm put the eye centres ~61 mm apart);
/// - mouth corners ±25 mm: ch–ch ~50 mm (women ~50, men ~54), ~70 mm below the eye line and
///   ~10 mm behind the eyes' plane (the mouth sits back from the cornea along the face's curve);
/// - nose tip 40 mm below the eye line and 22 mm in front of the eyes' plane (nasal tip
///   protrusion ~20 mm from subnasale, which is itself a little ahead of the eyes).
pub const MEAN_FACE: [[f64; 3]; 5] = [
    [-31.5, 0.0, 0.0],
    [31.5, 0.0, 0.0],
    [0.0, 40.0, -22.0],
    [-25.0, 70.0, 10.0],
    [25.0, 70.0, 10.0],
];

/// "Face width": the bizygomatic breadth (zy–zy; Farkas: ~137 mm men, ~130 mm women), about
/// what a face detector's box spans. The face is placed where this spans the wanted pixels.
pub const FACE_WIDTH_MM: f64 = 135.0;

/// Where the head turns about: the neck, ~95 mm behind the eyes (and ~30 mm below them), so a
/// turn also carries the face sideways.
pub const NECK: [f64; 3] = [0.0, 30.0, 95.0];

/// The middle of the face box, in the head frame.
const BOX_CENTRE: [f64; 3] = [0.0, 35.0, 0.0];

/// A pinhole camera, square pixels, principal point in the middle of the frame.
#[derive(Clone, Copy, Debug)]
pub struct Camera {
    pub focal: f64,
    pub width: f64,
    pub height: f64,
}

impl Camera {
    /// 640×480 with a 60° horizontal field of view: focal length 320 / tan 30° ≈ 554 px.
    pub fn kiosk() -> Self {
        Self {
            focal: 320.0 / (30f64).to_radians().tan(),
            width: 640.0,
            height: 480.0,
        }
    }

    /// The distance (mm) at which [`FACE_WIDTH_MM`] spans `px` pixels: 499 mm for 150 px.
    pub fn distance_for_face_width(&self, px: f64) -> f64 {
        self.focal * FACE_WIDTH_MM / px
    }

    pub fn project(&self, p: [f64; 3]) -> [f64; 2] {
        [
            self.width / 2.0 + self.focal * p[0] / p[2],
            self.height / 2.0 + self.focal * p[1] / p[2],
        ]
    }

    /// The point in space at depth `z` that projects to pixel `(u, v)`.
    pub fn unproject(&self, u: f64, v: f64, z: f64) -> [f64; 3] {
        [
            (u - self.width / 2.0) * z / self.focal,
            (v - self.height / 2.0) * z / self.focal,
            z,
        ]
    }
}

/// Where a rigid thing (a head or a photo) is: its rotation (radians; positive yaw turns the
/// nose towards the image's right, the person's left) about its pivot, and where its head-frame
/// origin would be unrotated.
#[derive(Clone, Copy, Debug)]
pub struct Pose {
    pub yaw: f64,
    pub pitch: f64,
    pub roll: f64,
    pub origin: [f64; 3],
}

impl Pose {
    /// A head-frame point in camera space: rotated by roll, then pitch, then yaw about `pivot`.
    pub fn place(&self, p: [f64; 3], pivot: [f64; 3]) -> [f64; 3] {
        let [x, y, z] = [p[0] - pivot[0], p[1] - pivot[1], p[2] - pivot[2]];
        let (sr, cr) = self.roll.sin_cos();
        let (x, y) = (x * cr - y * sr, x * sr + y * cr);
        let (sp, cp) = self.pitch.sin_cos();
        let (y, z) = (y * cp - z * sp, y * sp + z * cp);
        // The nose (z < 0, towards the camera) goes to +x for a positive yaw.
        let (sy, cy) = self.yaw.sin_cos();
        let (x, z) = (x * cy - z * sy, x * sy + z * cy);
        [
            self.origin[0] + pivot[0] + x,
            self.origin[1] + pivot[1] + y,
            self.origin[2] + pivot[2] + z,
        ]
    }
}

/// A head (the mean face, turning about the neck) or a photo of it (the same five points
/// flattened onto the eyes' plane, turning about a hand-held axis through the face).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Head,
    Photo,
}

/// Landmark noise of the detector, per coordinate.
pub const NOISE_PX: f64 = 0.6;
/// Frame interval: 15 frames a second.
pub const FRAME_MS: u64 = 67;
/// Face box width at the start.
pub const START_FACE_PX: f64 = 150.0;

/// One frame as the detector would report it: projected landmarks with Gaussian noise of
/// `noise_px` per coordinate, and a box of the face width (1.2 times as high) around the face's
/// middle.
pub fn observe(
    camera: &Camera,
    subject: Subject,
    pose: &Pose,
    pivot: [f64; 3],
    at_ms: u64,
    noise_px: f64,
    rng: &mut Rng,
) -> Observation {
    let flatten = |p: [f64; 3]| match subject {
        Subject::Head => p,
        Subject::Photo => [p[0], p[1], 0.0],
    };
    let landmarks = MEAN_FACE.map(|p| {
        let [u, v] = camera.project(pose.place(flatten(p), pivot));
        [
            (u + noise_px * rng.gauss()) as f32,
            (v + noise_px * rng.gauss()) as f32,
        ]
    });
    let centre = pose.place(BOX_CENTRE, pivot);
    let [u, v] = camera.project(centre);
    let w = camera.focal * FACE_WIDTH_MM / centre[2];
    Observation {
        at_ms,
        bbox: BBox {
            x: (u - w / 2.0) as f32,
            y: (v - 0.6 * w) as f32,
            w: w as f32,
            h: (1.2 * w) as f32,
        },
        landmarks,
        identity_distance: None,
    }
}

/// One attempt: the direction asked and every frame until the subject is done.
#[derive(Clone, Debug)]
pub struct Trial {
    pub direction: Turn,
    pub started_at_ms: u64,
    pub frames: Vec<Observation>,
}

/// Smooth 0 → 1 over `x` in 0..=1, its speed profile bent by `bend` (1: symmetric).
fn ease(x: f64, bend: f64) -> f64 {
    (1.0 - (PI * x.clamp(0.0, 1.0).powf(bend)).cos()) / 2.0
}

/// A random attempt at the asked turn.
///
/// A head: starts facing the camera (yaw ±3°) anywhere in the frame, 150 px wide; after 2..5
/// still frames turns to 15..25° in the asked direction over 10..20 frames at a random speed
/// profile, holds 0..3 frames, comes back over 8..15, and stays; pitch wobbles up to ±5° and
/// roll up to ±4°, and the body sways up to ±15 mm.
///
/// A photo: the same timing and turn, done by the flat picture as a plane about a hand-held
/// vertical axis (±40 mm from the face's middle); meanwhile it tilts to a random pitch and roll
/// within ±20°, moves across the frame by up to ±120 px sideways and ±80 px up or down, and
/// ±10% nearer or further.
pub fn trial(rng: &mut Rng, subject: Subject) -> Trial {
    let camera = Camera::kiosk();
    let direction = Turn::random(rng.next_u64() as u32);
    let sign = match direction {
        Turn::Left => 1.0,
        Turn::Right => -1.0,
    };
    let deg = f64::to_radians;
    let depth = camera.distance_for_face_width(START_FACE_PX);
    let start = camera.unproject(rng.range(140.0, 500.0), rng.range(150.0, 330.0), depth);
    let lead = rng.int(2, 5);
    let up = rng.int(10, 20);
    let hold = rng.int(0, 3);
    let down = rng.int(8, 15);
    let total = lead + up + hold + down + 10;
    let bend = rng.range(0.6, 1.6);
    // Frontal is facing the camera: off the optical axis that is turned from the axis (a head
    // 16 cm to the side at half a metre, facing straight ahead, would read 0.11 on the start's
    // yaw proxy; people at a kiosk look at it). The photo is held facing it too.
    let facing_yaw = -start[0].atan2(start[2]);
    let facing_pitch = -start[1].atan2(start[2]);
    let start_yaw = facing_yaw + deg(rng.range(-3.0, 3.0));
    let peak = start_yaw + sign * deg(rng.range(15.0, 25.0));
    // The turn's share of the way, frame by frame.
    let turn_at = |i: u32| {
        let i = f64::from(i);
        let (lead, up, hold, down) = (
            f64::from(lead),
            f64::from(up),
            f64::from(hold),
            f64::from(down),
        );
        if i < lead {
            0.0
        } else if i < lead + up {
            ease((i - lead) / up, bend)
        } else if i < lead + up + hold {
            1.0
        } else {
            1.0 - ease((i - lead - up - hold) / down, 1.0)
        }
    };
    let (pivot, pitch_to, roll_to, shift) = match subject {
        Subject::Head => (NECK, 0.0, 0.0, [0.0; 3]),
        Subject::Photo => (
            [rng.range(-40.0, 40.0), BOX_CENTRE[1], 0.0],
            deg(rng.range(-20.0, 20.0)),
            deg(rng.range(-20.0, 20.0)),
            [
                rng.range(-120.0, 120.0) * depth / camera.focal,
                rng.range(-80.0, 80.0) * depth / camera.focal,
                rng.range(-0.1, 0.1) * depth,
            ],
        ),
    };
    // Heads wobble (periods of 1..3 s) and sway; photos follow their own path.
    let wobble = |amp: f64, rng: &mut Rng| {
        let (a, period, phase) = (
            deg(rng.range(0.0, amp)),
            rng.range(15.0, 45.0),
            rng.range(0.0, 2.0 * PI),
        );
        move |i: u32| a * (2.0 * PI * f64::from(i) / period + phase).sin()
    };
    let (pitch_wobble, roll_wobble) = match subject {
        Subject::Head => (wobble(5.0, rng), wobble(4.0, rng)),
        Subject::Photo => (wobble(0.0, rng), wobble(0.0, rng)),
    };
    let sway = match subject {
        Subject::Head => [
            rng.range(-15.0, 15.0),
            rng.range(-15.0, 15.0),
            rng.range(-15.0, 15.0),
        ],
        Subject::Photo => [0.0; 3],
    };
    let started_at_ms = rng.next_u64() % 1_000_000;
    let frames = (0..total)
        .map(|i| {
            let s = turn_at(i);
            // The photo is carried across the frame as it turns; the body sways over the whole
            // attempt.
            let along = f64::from(i) / f64::from(total);
            let pose = Pose {
                yaw: start_yaw + (peak - start_yaw) * s,
                pitch: facing_pitch + pitch_to * s + pitch_wobble(i),
                roll: roll_to * s + roll_wobble(i),
                origin: [
                    start[0] + shift[0] * s + sway[0] * along,
                    start[1] + shift[1] * s + sway[1] * along,
                    start[2] + shift[2] * s + sway[2] * along,
                ],
            };
            let at_ms = started_at_ms + u64::from(i + 1) * FRAME_MS;
            observe(&camera, subject, &pose, pivot, at_ms, NOISE_PX, rng)
        })
        .collect();
    Trial {
        direction,
        started_at_ms,
        frames,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_uniform_and_normal_enough_for_the_trials() {
        let mut rng = Rng::new(7);
        let n = 100_000;
        let (mut sum, mut sq, mut below) = (0.0, 0.0, 0);
        for _ in 0..n {
            let g = rng.gauss();
            sum += g;
            sq += g * g;
            below += u32::from(rng.uniform() < 0.25);
        }
        let mean = sum / f64::from(n);
        assert!(mean.abs() < 0.02, "mean {mean}");
        assert!((sq / f64::from(n) - 1.0).abs() < 0.02, "variance");
        assert!((f64::from(below) / f64::from(n) - 0.25).abs() < 0.01);
    }

    #[test]
    fn the_face_is_150_px_wide_and_70_px_between_the_eyes_at_the_start_distance() {
        let camera = Camera::kiosk();
        let depth = camera.distance_for_face_width(START_FACE_PX);
        assert!((depth - 498.8).abs() < 0.1, "{depth}");
        let pose = Pose {
            yaw: 0.0,
            pitch: 0.0,
            roll: 0.0,
            origin: [0.0, 0.0, depth],
        };
        let eye = |i: usize| camera.project(pose.place(MEAN_FACE[i], NECK));
        assert!((eye(1)[0] - eye(0)[0] - 70.0).abs() < 0.1);
        // Turned to the person's left, the nose goes to the image's right of the eye midpoint.
        let turned = Pose {
            yaw: 20f64.to_radians(),
            ..pose
        };
        let p = |i: usize| camera.project(turned.place(MEAN_FACE[i], NECK));
        assert!(p(2)[0] > f64::midpoint(p(0)[0], p(1)[0]) + 10.0);
    }
}
