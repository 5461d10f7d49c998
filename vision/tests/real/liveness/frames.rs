//! Kiosk-like frames made from photos: the face placed at a chosen share of a 640×480 frame,
//! blurred, or tilted. The kiosk sees a whole scene around a face; a photo's own edge in view
//! would look like the edge of a printed photo (which is what the models look for), so the
//! canvas around a photo repeats its edge pixels ([`Canvas::Edge`]), and [`Canvas::Grey`] is
//! there to show that effect.

use attend_vision::detect::{BBox, Detection};
use attend_vision::image::RgbImage;

/// The kiosk camera's frame.
pub const KIOSK: (u32, u32) = (640, 480);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Canvas {
    /// Outside the photo, its nearest edge pixel.
    Edge,
    /// Outside the photo, mid grey: the photo's border shows.
    Grey,
}

pub fn largest(faces: &[Detection]) -> Option<&Detection> {
    faces
        .iter()
        .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
}

/// The photo shrunk so the face is at most `max_face_px` wide (frames made from it later need
/// no more), with the face box in the shrunk photo's pixels.
pub fn shrunk(photo: &RgbImage, face: BBox, max_face_px: f32) -> (RgbImage, BBox) {
    let s = (max_face_px / face.w).min(1.0);
    if s >= 1.0 {
        return (photo.clone(), face);
    }
    let (w, h) = (
        (photo.width as f32 * s).round() as u32,
        (photo.height as f32 * s).round() as u32,
    );
    let sx = w as f32 / photo.width as f32;
    let sy = h as f32 / photo.height as f32;
    let face = BBox {
        x: face.x * sx,
        y: face.y * sy,
        w: face.w * sx,
        h: face.h * sy,
    };
    (photo.resized(w, h), face)
}

/// A `size` frame with the photo scaled so the face is `fraction` of the frame's width, the face
/// centred.
pub fn kiosk_frame(
    photo: &RgbImage,
    face: BBox,
    fraction: f32,
    size: (u32, u32),
    canvas: Canvas,
) -> RgbImage {
    let s = fraction * size.0 as f32 / face.w;
    let (rw, rh) = (
        ((photo.width as f32 * s).round() as u32).max(1),
        ((photo.height as f32 * s).round() as u32).max(1),
    );
    let scaled = photo.resized(rw, rh);
    // Where the scaled photo's top-left corner lands in the frame.
    let ox = (size.0 as f32 / 2.0 - (face.x + face.w / 2.0) * rw as f32 / photo.width as f32)
        .round() as i64;
    let oy = (size.1 as f32 / 2.0 - (face.y + face.h / 2.0) * rh as f32 / photo.height as f32)
        .round() as i64;
    let mut data = Vec::with_capacity(size.0 as usize * size.1 as usize * 3);
    for y in 0..i64::from(size.1) {
        for x in 0..i64::from(size.0) {
            let (px, py) = (x - ox, y - oy);
            let inside = (0..i64::from(rw)).contains(&px) && (0..i64::from(rh)).contains(&py);
            if canvas == Canvas::Grey && !inside {
                data.extend([128, 128, 128]);
            } else {
                let cx = px.clamp(0, i64::from(rw) - 1) as u32;
                let cy = py.clamp(0, i64::from(rh) - 1) as u32;
                data.extend(scaled.pixel(cx, cy));
            }
        }
    }
    RgbImage::new(size.0, size.1, data).expect("frame size")
}

/// Gaussian blur of standard deviation `sigma` pixels: a soft
/// focus or a moving head.
pub fn blurred(img: &RgbImage, sigma: f32) -> RgbImage {
    let buf =
        image::RgbImage::from_raw(img.width, img.height, img.data.clone()).expect("same layout");
    let out = image::imageops::blur(&buf, sigma);
    RgbImage::new(out.width(), out.height(), out.into_raw()).expect("same size")
}

/// The frame turned `degrees` (counter-clockwise on screen) about its centre, bilinear, the
/// corners filled from the nearest edge.
pub fn rotated(img: &RgbImage, degrees: f32) -> RgbImage {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (img.width as f32 / 2.0, img.height as f32 / 2.0);
    let max = [img.width as f32 - 1.0, img.height as f32 - 1.0];
    let mut data = Vec::with_capacity(img.data.len());
    for y in 0..img.height {
        for x in 0..img.width {
            let (dx, dy) = (x as f32 - cx, y as f32 - cy);
            // Inverse map: where this output pixel comes from in the source.
            let sx = (cx + dx * cos - dy * sin).clamp(0.0, max[0]);
            let sy = (cy + dx * sin + dy * cos).clamp(0.0, max[1]);
            let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
            let (x1, y1) = ((x0 + 1).min(img.width - 1), (y0 + 1).min(img.height - 1));
            let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
            let (a, b, c, d) = (
                img.pixel(x0, y0),
                img.pixel(x1, y0),
                img.pixel(x0, y1),
                img.pixel(x1, y1),
            );
            for k in 0..3 {
                let top = f32::from(a[k]) * (1.0 - fx) + f32::from(b[k]) * fx;
                let bottom = f32::from(c[k]) * (1.0 - fx) + f32::from(d[k]) * fx;
                data.push((top * (1.0 - fy) + bottom * fy).round() as u8);
            }
        }
    }
    RgbImage::new(img.width, img.height, data).expect("same size")
}
