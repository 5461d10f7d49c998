//! Face alignment: the least-squares similarity transform (rotation, uniform scale,
//! translation; no reflection) that maps the five detected landmarks onto the embedder's
//! template, and the warp that cuts the aligned chip out of the image with bilinear sampling.
//! A face much larger than the chip is first shrunk with an area-averaging resize (as dlib does
//! with its pyramid), so the chip is not aliased.

use crate::image::RgbImage;

/// `[u, v] = [a −b; b a]·[x, y] + [tx, ty]`: image → chip.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Similarity {
    pub a: f32,
    pub b: f32,
    pub tx: f32,
    pub ty: f32,
}

impl Similarity {
    /// Least-squares fit of `dst ≈ T(src)` (closed form for 2-D similarities).
    pub fn fit(src: &[[f32; 2]], dst: &[[f32; 2]]) -> Option<Self> {
        let n = src.len().min(dst.len());
        if n < 2 {
            return None;
        }
        let mean = |pts: &[[f32; 2]]| {
            let (sx, sy) = pts[..n]
                .iter()
                .fold((0.0, 0.0), |(x, y), p| (x + p[0], y + p[1]));
            [sx / n as f32, sy / n as f32]
        };
        let (ms, md) = (mean(src), mean(dst));
        let (mut num_a, mut num_b, mut den) = (0.0f32, 0.0f32, 0.0f32);
        for i in 0..n {
            let (px, py) = (src[i][0] - ms[0], src[i][1] - ms[1]);
            let (qx, qy) = (dst[i][0] - md[0], dst[i][1] - md[1]);
            num_a += px * qx + py * qy;
            num_b += px * qy - py * qx;
            den += px * px + py * py;
        }
        if den <= f32::EPSILON {
            return None;
        }
        let (a, b) = (num_a / den, num_b / den);
        Some(Self {
            a,
            b,
            tx: md[0] - (a * ms[0] - b * ms[1]),
            ty: md[1] - (b * ms[0] + a * ms[1]),
        })
    }

    pub fn apply(&self, p: [f32; 2]) -> [f32; 2] {
        [
            self.a * p[0] - self.b * p[1] + self.tx,
            self.b * p[0] + self.a * p[1] + self.ty,
        ]
    }

    /// Chip pixels per image pixel.
    pub fn scale(&self) -> f32 {
        self.a.hypot(self.b)
    }

    /// Rotation in radians.
    pub fn angle(&self) -> f32 {
        self.b.atan2(self.a)
    }

    pub fn inverse(&self) -> Self {
        let s2 = self.a * self.a + self.b * self.b;
        let (a, b) = (self.a / s2, -self.b / s2);
        Self {
            a,
            b,
            tx: -(a * self.tx - b * self.ty),
            ty: -(b * self.tx + a * self.ty),
        }
    }
}

/// `v.floor()` as an integer, for |v| < 2²⁴. On x86-64 without SSE4.1 `f32::floor` is a
/// library call, three times a chip pixel; this is two instructions and the same value.
fn floor(v: f32) -> i64 {
    let t = v as i64;
    if t as f32 > v { t - 1 } else { t }
}

/// `v.clamp(0, 255).round()` as a byte (halves away from zero, as `f32::round`), without the
/// library call: `v - trunc(v)` is exact for 0 ≤ v.
fn to_byte(v: f32) -> u8 {
    let v = v.clamp(0.0, 255.0);
    let t = v as u8;
    if v - f32::from(t) >= 0.5 { t + 1 } else { t }
}

/// Bilinear sample at a sub-pixel position; outside the image reads as black.
fn sample(img: &RgbImage, x: f32, y: f32) -> [f32; 3] {
    let (w, h) = (i64::from(img.width), i64::from(img.height));
    let (x0, y0) = (floor(x), floor(y));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let blend = |p00: [f32; 3], p10: [f32; 3], p01: [f32; 3], p11: [f32; 3]| {
        std::array::from_fn(|c| {
            let top = p00[c] + (p10[c] - p00[c]) * fx;
            let bottom = p01[c] + (p11[c] - p01[c]) * fx;
            top + (bottom - top) * fy
        })
    };
    if x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h {
        // All four inside (nearly every chip pixel): read them with two slices, no checks each.
        let stride = img.width as usize * 3;
        let i = y0 as usize * stride + x0 as usize * 3;
        let (top, bottom) = (&img.data[i..i + 6], &img.data[i + stride..i + stride + 6]);
        let at = |row: &[u8], k: usize| [row[k], row[k + 1], row[k + 2]].map(f32::from);
        return blend(at(top, 0), at(top, 3), at(bottom, 0), at(bottom, 3));
    }
    let px = |xi: i64, yi: i64| -> [f32; 3] {
        if xi < 0 || yi < 0 || xi >= w || yi >= h {
            return [0.0; 3];
        }
        img.pixel(xi as u32, yi as u32).map(f32::from)
    };
    blend(
        px(x0, y0),
        px(x0 + 1, y0),
        px(x0, y0 + 1),
        px(x0 + 1, y0 + 1),
    )
}

/// Cuts a `width`×`height` chip whose pixel (u, v) shows image point `T⁻¹(u, v)`.
pub fn warp(img: &RgbImage, to_chip: &Similarity, width: u32, height: u32) -> RgbImage {
    let inv = to_chip.inverse();
    let mut data = vec![0u8; width as usize * height as usize * 3];
    let pixels = (0..height).flat_map(|v| (0..width).map(move |u| (u, v)));
    for ((u, v), out) in pixels.zip(data.chunks_exact_mut(3)) {
        let [x, y] = inv.apply([u as f32, v as f32]);
        let value = sample(img, x, y);
        for (o, c) in out.iter_mut().zip(value) {
            *o = to_byte(c);
        }
    }
    RgbImage {
        width,
        height,
        data,
    }
}

/// Aligns a face: fits landmarks → template, shrinks large faces first, and warps the chip.
pub fn align(
    img: &RgbImage,
    landmarks: &[[f32; 2]; 5],
    template: &[[f32; 2]; 5],
    size: [u32; 2],
) -> Option<RgbImage> {
    let t = Similarity::fit(landmarks, template)?;
    if t.scale() >= 0.5 {
        return Some(warp(img, &t, size[0], size[1]));
    }
    // The face is over twice the chip size: crop the region the chip covers, shrink it to about
    // chip scale with an averaging filter, and warp from that.
    let inv = t.inverse();
    let corners = [
        [0.0, 0.0],
        [size[0] as f32, 0.0],
        [0.0, size[1] as f32],
        [size[0] as f32, size[1] as f32],
    ]
    .map(|p| inv.apply(p));
    let min_x = corners
        .iter()
        .map(|p| p[0])
        .fold(f32::MAX, f32::min)
        .floor()
        .max(0.0) as u32;
    let min_y = corners
        .iter()
        .map(|p| p[1])
        .fold(f32::MAX, f32::min)
        .floor()
        .max(0.0) as u32;
    let max_x =
        (corners.iter().map(|p| p[0]).fold(f32::MIN, f32::max).ceil() as u32).min(img.width);
    let max_y =
        (corners.iter().map(|p| p[1]).fold(f32::MIN, f32::max).ceil() as u32).min(img.height);
    if max_x <= min_x + 1 || max_y <= min_y + 1 {
        return Some(warp(img, &t, size[0], size[1]));
    }
    let crop = crop(img, min_x, min_y, max_x - min_x, max_y - min_y);
    let f = t.scale();
    let (cw, ch) = (
        ((crop.width as f32) * f).round().max(1.0) as u32,
        ((crop.height as f32) * f).round().max(1.0) as u32,
    );
    let small = crop.resized(cw, ch);
    let (sx, sy) = (
        cw as f32 / crop.width as f32,
        ch as f32 / crop.height as f32,
    );
    let moved = landmarks.map(|p| [(p[0] - min_x as f32) * sx, (p[1] - min_y as f32) * sy]);
    let t2 = Similarity::fit(&moved, template)?;
    Some(warp(&small, &t2, size[0], size[1]))
}

/// A copy of the `w`×`h` region at `(x, y)`; callers keep it inside the image.
pub fn crop(img: &RgbImage, x: u32, y: u32, w: u32, h: u32) -> RgbImage {
    let mut data = Vec::with_capacity(w as usize * h as usize * 3);
    for row in y..y + h {
        let start = (row as usize * img.width as usize + x as usize) * 3;
        data.extend_from_slice(&img.data[start..start + w as usize * 3]);
    }
    RgbImage {
        width: w,
        height: h,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: [[f32; 2]; 5] = [
        [46.0, 45.0],
        [101.0, 45.0],
        [75.0, 78.0],
        [49.0, 102.0],
        [98.0, 102.0],
    ];

    fn close(a: [f32; 2], b: [f32; 2]) -> bool {
        (a[0] - b[0]).abs() < 1e-3 && (a[1] - b[1]).abs() < 1e-3
    }

    #[test]
    fn the_fast_floor_and_rounding_are_the_library_ones() {
        let mut values = vec![
            0.0, -0.0, 0.5, -0.5, 1.5, 254.5, 255.4999, 255.5, 300.0, -3.0,
        ];
        values.extend((-2000..2000).map(|i| i as f32 * 0.173_21));
        values.extend((0..1000).map(|i| 0.5 - f32::EPSILON * i as f32));
        values.extend((0..256).map(|i| i as f32 + 0.5));
        values.extend((0..256).map(|i| f32::from_bits((i as f32 + 0.5).to_bits() - 1)));
        for v in values {
            assert_eq!(floor(v), v.floor() as i64, "floor {v}");
            assert_eq!(to_byte(v), v.round().clamp(0.0, 255.0) as u8, "round {v}");
        }
    }

    #[test]
    fn fit_recovers_a_known_similarity_exactly() {
        let truth = Similarity {
            a: 0.5 * 0.3f32.cos(),
            b: 0.5 * 0.3f32.sin(),
            tx: 12.0,
            ty: -7.0,
        };
        let src = [
            [100.0, 80.0],
            [210.0, 95.0],
            [160.0, 150.0],
            [110.0, 200.0],
            [205.0, 210.0],
        ];
        let dst = src.map(|p| truth.apply(p));
        let fit = Similarity::fit(&src, &dst).expect("fits");
        for p in src {
            assert!(close(fit.apply(p), truth.apply(p)));
        }
        assert!((fit.scale() - 0.5).abs() < 1e-5 && (fit.angle() - 0.3).abs() < 1e-5);
    }

    #[test]
    fn inverse_undoes_the_transform() {
        let t = Similarity {
            a: 1.7,
            b: -0.4,
            tx: 3.0,
            ty: 9.0,
        };
        let p = [41.5, -12.25];
        assert!(close(t.inverse().apply(t.apply(p)), p));
    }

    #[test]
    fn degenerate_landmarks_do_not_fit() {
        assert!(Similarity::fit(&[[5.0, 5.0]; 5], &TEMPLATE).is_none());
    }

    #[test]
    fn warping_with_identity_copies_the_image() {
        let img = RgbImage::new(4, 3, (0..36).collect()).expect("valid");
        let id = Similarity {
            a: 1.0,
            b: 0.0,
            tx: 0.0,
            ty: 0.0,
        };
        assert_eq!(warp(&img, &id, 4, 3), img);
    }

    #[test]
    fn align_puts_the_landmarks_on_the_template_for_small_and_large_faces() {
        // A synthetic image with a bright dot at each landmark; after alignment the dots must
        // sit at the template positions, whatever the face's scale and rotation.
        for (scale, angle) in [(1.3f32, 0.2f32), (4.0, -0.35)] {
            let (w, h) = (900u32, 900u32);
            let to_img = Similarity {
                a: scale * angle.cos(),
                b: scale * angle.sin(),
                tx: 180.0,
                ty: 120.0,
            };
            let marks = TEMPLATE.map(|p| to_img.apply(p));
            let mut data = vec![0u8; (w * h * 3) as usize];
            let r = (3.0 * scale) as i32;
            for m in marks {
                for dy in -r..=r {
                    for dx in -r..=r {
                        let (x, y) = (m[0] as i32 + dx, m[1] as i32 + dy);
                        let i = ((y as u32 * w + x as u32) * 3) as usize;
                        data[i..i + 3].copy_from_slice(&[255, 255, 255]);
                    }
                }
            }
            let img = RgbImage::new(w, h, data).expect("valid");
            let chip = align(&img, &marks, &TEMPLATE, [150, 150]).expect("aligns");
            for t in TEMPLATE {
                assert!(
                    chip.pixel(t[0] as u32, t[1] as u32)[0] > 200,
                    "scale {scale}: dot missing at {t:?}"
                );
            }
            assert!(
                chip.pixel(75, 20)[0] < 30,
                "scale {scale}: background should stay dark"
            );
        }
    }
}
