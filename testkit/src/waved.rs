//! A photo held up to the camera and waved about: frames made by placing one photo on a plane
//! in front of a pinhole camera and turning, tilting and moving that plane. Every frame is the
//! photo under one homography, which is exactly what a flat picture gives a camera and what the
//! head-turn challenge must tell from a head. Raw RGB in and out (no image crate needed).
//!
//! The camera looks down +z with focal length `f` pixels (60° horizontal field of view on the
//! output's width). At pose zero the photo lies at depth `f`, where one unit is one output
//! pixel, centred on the image and scaled by [`Pose::scale`].

/// Where the photo is held, for one frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pose {
    /// Turn about the photo's vertical axis, in degrees (positive: its right edge moves away).
    pub yaw_deg: f64,
    /// Tilt about its horizontal axis, in degrees.
    pub tilt_deg: f64,
    /// Turn within its own plane, in degrees (positive: clockwise as the camera sees it).
    pub roll_deg: f64,
    /// Offset of its centre from the image centre, in output pixels at pose zero.
    pub dx: f64,
    pub dy: f64,
    /// Output pixels per photo pixel at pose zero.
    pub scale: f64,
}

impl Pose {
    /// The photo held still, facing the camera.
    pub fn facing(scale: f64) -> Self {
        Self {
            yaw_deg: 0.0,
            tilt_deg: 0.0,
            roll_deg: 0.0,
            dx: 0.0,
            dy: 0.0,
            scale,
        }
    }
}

/// A wave: `still` frames facing the camera, then the photo turned one way up to `max_yaw_deg`
/// and back through the other way, slightly tilted and drifting, over `moving` frames.
pub fn wave(scale: f64, still: usize, moving: usize, max_yaw_deg: f64) -> Vec<Pose> {
    let mut poses = vec![Pose::facing(scale); still];
    for i in 0..moving {
        let phase = (i + 1) as f64 / moving as f64 * std::f64::consts::TAU;
        poses.push(Pose {
            yaw_deg: max_yaw_deg * phase.sin(),
            tilt_deg: 6.0 * (phase / 2.0).sin(),
            roll_deg: 0.0,
            dx: 12.0 * phase.sin(),
            dy: 6.0 * (phase / 2.0).sin(),
            scale,
        });
    }
    poses
}

/// What surrounds the photo in the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Around {
    /// A grey wall: the photo's edges show, as a held-up print's do.
    Grey,
    /// The photo's edge pixels repeated outwards: a larger view of the same scene, for placing
    /// a real face at a kiosk's distance (a visible border makes the passive check read a
    /// real face as a print).
    Edges,
}

/// The photo (`src`, `sw`×`sh` RGB) as the camera sees it at `pose`, on a grey `ow`×`oh`
/// frame. Bilinear sampling; points off the photo are the background.
pub fn render(src: &[u8], sw: u32, sh: u32, ow: u32, oh: u32, pose: &Pose) -> Vec<u8> {
    render_in(src, sw, sh, ow, oh, pose, Around::Grey)
}

/// [`render`] with what surrounds the photo chosen.
pub fn render_in(
    src: &[u8],
    sw: u32,
    sh: u32,
    ow: u32,
    oh: u32,
    pose: &Pose,
    around: Around,
) -> Vec<u8> {
    assert_eq!(src.len(), (sw * sh * 3) as usize, "src is {sw}x{sh} RGB");
    let f = f64::from(ow) / 2.0 / 30f64.to_radians().tan();
    let (cx, cy) = (f64::from(ow) / 2.0, f64::from(oh) / 2.0);
    let (yaw, tilt) = (pose.yaw_deg.to_radians(), pose.tilt_deg.to_radians());
    let (roll_sin, roll_cos) = pose.roll_deg.to_radians().sin_cos();
    // The plane's axes: x turned about the vertical, y tilted about x.
    let ex = [yaw.cos(), 0.0, yaw.sin()];
    let ey = [-yaw.sin() * tilt.sin(), tilt.cos(), yaw.cos() * tilt.sin()];
    let normal = cross(ex, ey);
    let centre = [pose.dx, pose.dy, f];
    let reach = dot(normal, centre);
    let mut out = vec![128u8; (ow * oh * 3) as usize];
    for v in 0..oh {
        for u in 0..ow {
            let ray = [
                (f64::from(u) + 0.5 - cx) / f,
                (f64::from(v) + 0.5 - cy) / f,
                1.0,
            ];
            let along = dot(normal, ray);
            if along.abs() < 1e-9 {
                continue;
            }
            let t = reach / along;
            if t <= 0.0 {
                continue;
            }
            let hit = [
                ray[0] * t - centre[0],
                ray[1] * t - centre[1],
                ray[2] * t - centre[2],
            ];
            // Where on the photo, undoing its roll within the plane.
            let (a, b) = (dot(hit, ex), dot(hit, ey));
            let (a, b) = (a * roll_cos + b * roll_sin, -a * roll_sin + b * roll_cos);
            let mut x = a / pose.scale + f64::from(sw) / 2.0 - 0.5;
            let mut y = b / pose.scale + f64::from(sh) / 2.0 - 0.5;
            if around == Around::Edges {
                x = x.clamp(0.0, f64::from(sw - 1));
                y = y.clamp(0.0, f64::from(sh - 1));
            }
            if let Some(rgb) = sample(src, sw, sh, x, y) {
                let at = ((v * ow + u) * 3) as usize;
                out[at..at + 3].copy_from_slice(&rgb);
            }
        }
    }
    out
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn sample(src: &[u8], w: u32, h: u32, x: f64, y: f64) -> Option<[u8; 3]> {
    if x < 0.0 || y < 0.0 || x > f64::from(w - 1) || y > f64::from(h - 1) {
        return None;
    }
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - f64::from(x0), y - f64::from(y0));
    let px = |xx: u32, yy: u32, c: usize| f64::from(src[((yy * w + xx) * 3) as usize + c]);
    let mut rgb = [0u8; 3];
    for (c, value) in rgb.iter_mut().enumerate() {
        let top = px(x0, y0, c) * (1.0 - fx) + px(x1, y0, c) * fx;
        let bottom = px(x0, y1, c) * (1.0 - fx) + px(x1, y1, c) * fx;
        *value = (top * (1.0 - fy) + bottom * fy).round() as u8;
    }
    Some(rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 4×2 photo whose left half is black and right half white.
    fn halves() -> Vec<u8> {
        (0..8)
            .flat_map(|i| if i % 4 < 2 { [0u8; 3] } else { [255u8; 3] })
            .collect()
    }

    #[test]
    fn facing_the_camera_the_photo_is_scaled_and_centred() {
        let out = render(&halves(), 4, 2, 40, 20, &Pose::facing(5.0));
        let at = |x: u32, y: u32| out[((y * 40 + x) * 3) as usize];
        // 20×10 output pixels from x 10 to 30 and y 5 to 15 (less the outer half pixel, where
        // sampling leaves the photo); black then white; grey around.
        assert_eq!(at(2, 10), 128);
        assert_eq!(at(13, 10), 0);
        assert_eq!(at(26, 10), 255);
        assert_eq!(at(20, 2), 128);
        let out = render_in(&halves(), 4, 2, 40, 20, &Pose::facing(5.0), Around::Edges);
        let at = |x: u32, y: u32| out[((y * 40 + x) * 3) as usize];
        assert_eq!((at(0, 0), at(39, 19)), (0, 255), "edges repeated outwards");
    }

    #[test]
    fn a_turned_photo_shrinks_across_and_its_far_edge_shrinks_most() {
        let (w, h) = (64u32, 64u32);
        let white = vec![255u8; (w * h * 3) as usize];
        let width_at = |pose: &Pose, row: u32| {
            let out = render(&white, w, h, 320, 240, pose);
            (0..320)
                .filter(|&x| out[((row * 320 + x) * 3) as usize] == 255)
                .count()
        };
        let facing = width_at(&Pose::facing(1.0), 120);
        let turned = Pose {
            yaw_deg: 40.0,
            ..Pose::facing(1.0)
        };
        assert!(width_at(&turned, 120) < facing * 85 / 100);
        // The far edge (right, turned away) spans fewer rows than the near one.
        let out = render(&white, w, h, 320, 240, &turned);
        let column = |x: u32| {
            (0..240)
                .filter(|&y| out[((y * 320 + x) * 3) as usize] == 255)
                .count()
        };
        let lit: Vec<u32> = (0..320).filter(|&x| column(x) > 0).collect();
        let (left, right) = (lit[0], lit[lit.len() - 1]);
        assert!(
            column(left + 1) > column(right - 1),
            "{} vs {}",
            column(left + 1),
            column(right - 1)
        );
    }

    #[test]
    fn a_rolled_photo_turns_clockwise_as_the_camera_sees_it() {
        // A white dot right of centre on black, rolled 90°: it ends up below the centre.
        let (w, h) = (21u32, 21u32);
        let mut src = vec![0u8; (w * h * 3) as usize];
        let at = ((10 * w + 18) * 3) as usize;
        src[at..at + 3].copy_from_slice(&[255; 3]);
        let pose = Pose {
            roll_deg: 90.0,
            ..Pose::facing(1.0)
        };
        let out = render(&src, w, h, 21, 21, &pose);
        let brightest = (0..21 * 21).max_by_key(|&i| out[i * 3]).expect("pixels");
        assert_eq!((brightest % 21, brightest / 21), (10, 18));
    }

    #[test]
    fn a_wave_starts_still_and_turns_both_ways() {
        let poses = wave(1.0, 3, 8, 25.0);
        assert_eq!(poses.len(), 11);
        assert!(poses[..3].iter().all(|p| *p == Pose::facing(1.0)));
        let yaws: Vec<f64> = poses[3..].iter().map(|p| p.yaw_deg).collect();
        assert!(
            yaws.iter().any(|&y| y > 20.0) && yaws.iter().any(|&y| y < -20.0),
            "{yaws:?}"
        );
    }
}
