//! OpenCV's `cv2.resize(src, size)` (INTER_LINEAR) for 8-bit three-channel images, to the bit:
//! Minivision trained on crops resized this way and the golden crops were made this way, and a
//! different filter (an antialiasing one such as [`RgbImage::resized`]) moves the scores.
//!
//! What OpenCV 4 does, which this follows: 11-bit fixed-point weights rounded half to even from
//! `f = (d + 0.5) · src/dst − 0.5` computed in f32; columns before the first or past the last
//! source pixel take that pixel alone, rows are clipped; the vertical pass is OpenCV's 8-bit
//! arithmetic (`(β·(S >> 4)) >> 16` per row, summed, rounded `>> 2`; its SIMD and scalar code
//! agree); an exact 2× reduction both ways is a 2×2 average, as OpenCV switches to INTER_AREA
//! there.

use super::crop::CropBox;
use crate::image::RgbImage;

const COEF_SCALE: f32 = 2048.0;

/// For one output coordinate: the two source indices and their fixed-point weights.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Tap {
    lo: usize,
    hi: usize,
    w_lo: i32,
    w_hi: i32,
}

fn weights(f: f32) -> (i32, i32) {
    (
        ((1.0 - f) * COEF_SCALE).round_ties_even() as i32,
        (f * COEF_SCALE).round_ties_even() as i32,
    )
}

/// Source position of output coordinate `d`, split into its whole pixel and fraction.
fn position(d: usize, src: usize, dst: usize) -> (i64, f32) {
    // OpenCV keeps the inverse of dst/src, not src/dst: the last bit can differ.
    let scale = 1.0 / (dst as f64 / src as f64);
    let f = ((d as f64 + 0.5) * scale - 0.5) as f32;
    let whole = f.floor();
    (whole as i64, f - whole)
}

fn column_taps(src: usize, dst: usize) -> Vec<Tap> {
    let last = src as i64 - 1;
    (0..dst)
        .map(|d| {
            let (s, f) = position(d, src, dst);
            // Past either end, the edge pixel alone (OpenCV resets the fraction).
            let (s, f) = if s < 0 {
                (0, 0.0)
            } else if s >= last {
                (last, 0.0)
            } else {
                (s, f)
            };
            let (w_lo, w_hi) = weights(f);
            Tap {
                lo: s as usize,
                hi: (s + 1).min(last) as usize,
                w_lo,
                w_hi,
            }
        })
        .collect()
}

fn row_taps(src: usize, dst: usize) -> Vec<Tap> {
    let clip = |s: i64| s.clamp(0, src as i64 - 1) as usize;
    (0..dst)
        .map(|d| {
            // Rows keep their fraction and clip the row index instead.
            let (s, f) = position(d, src, dst);
            let (w_lo, w_hi) = weights(f);
            Tap {
                lo: clip(s),
                hi: clip(s + 1),
                w_lo,
                w_hi,
            }
        })
        .collect()
}

/// `cv2.resize(frame[y1..=y2, x1..=x2], (width, height))` with INTER_LINEAR. Channel order is
/// kept as it is. `rect` must lie inside `frame`.
pub fn resize_linear(frame: &RgbImage, rect: CropBox, width: u32, height: u32) -> RgbImage {
    let (sw, sh) = (rect.width() as usize, rect.height() as usize);
    let (dw, dh) = (width.max(1) as usize, height.max(1) as usize);
    let stride = frame.width as usize * 3;
    let at = |x: usize, y: usize| {
        let i = (rect.y1 as usize + y) * stride + (rect.x1 as usize + x) * 3;
        &frame.data[i..i + 3]
    };
    let mut out = Vec::with_capacity(dw * dh * 3);
    if sw == 2 * dw && sh == 2 * dh {
        for y in 0..dh {
            for x in 0..dw {
                let (a, b) = (at(2 * x, 2 * y), at(2 * x + 1, 2 * y));
                let (c, d) = (at(2 * x, 2 * y + 1), at(2 * x + 1, 2 * y + 1));
                for k in 0..3 {
                    let sum = [a[k], b[k], c[k], d[k]].map(u32::from).iter().sum::<u32>();
                    out.push(((sum + 2) >> 2) as u8);
                }
            }
        }
        return RgbImage {
            width: dw as u32,
            height: dh as u32,
            data: out,
        };
    }
    let columns = column_taps(sw, dw);
    let horizontal = |y: usize| -> Vec<i32> {
        columns
            .iter()
            .flat_map(|t| {
                let (lo, hi) = (at(t.lo, y), at(t.hi, y));
                (0..3).map(move |k| i32::from(lo[k]) * t.w_lo + i32::from(hi[k]) * t.w_hi)
            })
            .collect()
    };
    for t in row_taps(sh, dh) {
        let (top, bottom) = (horizontal(t.lo), horizontal(t.hi));
        for (&s0, &s1) in top.iter().zip(&bottom) {
            // OpenCV's i16 arithmetic: S >> 4 fits (at most 255 · 2049 >> 4), each product keeps
            // its high half, the sum is rounded down by 2 bits.
            let high = |b: i32, s: i32| (b * (s >> 4)) >> 16;
            let v = (high(t.w_lo, s0) + high(t.w_hi, s1) + 2) >> 2;
            out.push(v.clamp(0, 255) as u8);
        }
    }
    RgbImage {
        width: dw as u32,
        height: dh as u32,
        data: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pattern the expected bytes were made from (numpy, HWC): varied enough that a wrong
    /// weight or rounding shows.
    fn pattern(width: u32, height: u32) -> RgbImage {
        let data = (0..height)
            .flat_map(|y| (0..width).flat_map(move |x| (0..3).map(move |c| (x, y, c))))
            .map(|(x, y, c)| ((x * 37 + y * 91 + c * 53 + (x * y) % 7 * 19) % 256) as u8)
            .collect();
        RgbImage::new(width, height, data).expect("valid")
    }

    fn whole(img: &RgbImage) -> CropBox {
        CropBox {
            x1: 0,
            y1: 0,
            x2: img.width - 1,
            y2: img.height - 1,
        }
    }

    /// `cv2.resize(pattern(sw, sh), (dw, dh))` from opencv-python-headless 4.14 on x86_64.
    fn expected(sw: u32, sh: u32, dw: u32, dh: u32) -> &'static str {
        match (sw, sh, dw, dh) {
            (37, 5, 16, 2) => concat!(
                "669bd022518693b687659a5d2e518693ba93659a693a518692bd9e659a7546518692c1aa659a8151508592c5",
                "b6659a8d6974a98dbc35a8535a6574a994b138b352556275aa9ba83bbe51505f76aba29f3ec9504b5c77aca9",
                "9641d34e455877ac",
            ),
            (7, 3, 16, 4) => concat!(
                "00356a063b70164b80265b90366ba0467bb0578cc1679cd177ace187bcf197cce9a7dd89b8ed2ac89532d835",
                "42de1348396ea34075aa568bc06b9bd0816ba0963a6f74407544568b366ba04b80b56196c276abad8cc199a1",
                "af6ab69a39be93287db28778ad91699fac5e8ec37a649995396e7a465a4f624b3d725c43788c4e83af699ea0",
                "85ba92a0ae69bca03fc69b30b6eb209acf2c4a7f4c03386d24598e457aaf669b7887bb298abf2c71a6836499",
                "b685ba67a5db17c69330e74451f3285d",
            ),
            (50, 41, 16, 3) => concat!(
                "b3dd1d893469679b80ca245a3c70a6e0154a2c6196d1163b1d5287c2c72c83437881b67bcf33694b80b5ef24",
                "593b70a5b4e91eec21564e8368e2174c1a4f84d70c4110457acd1237053a6fc2c72cab30656da267f0255a28",
                "5d92e61b501e538889be48da644462975cbb45554e8362a26261687d5d9cd15ce2775796ab56b21c5176ab65",
                "ce285d5b3b70af3a6f55356a",
            ),
            (37, 5, 5, 2) => "285d92407583578c816fa49986bbb071a64242775f13487d624a65b14d4e",
            (9, 4, 3, 7) => concat!(
                "255a8f94c9fe03386d4c81b674a9de23588d8bc0f54176ab578cc14a7fb44c81b68cc176093e73578cc1ade2",
                "29487db224598e4f845d6fa4d904396e14497e",
            ),
            _ => unreachable!("no fixture"),
        }
    }

    #[test]
    fn resizing_matches_opencv_byte_for_byte() {
        // Down both ways, up both ways, mixed, and widths that are not whole SIMD vectors.
        for (sw, sh, dw, dh) in [
            (37, 5, 16, 2),
            (7, 3, 16, 4),
            (50, 41, 16, 3),
            (37, 5, 5, 2),
            (9, 4, 3, 7),
        ] {
            let src = pattern(sw, sh);
            let got = resize_linear(&src, whole(&src), dw, dh);
            assert_eq!(
                hex::encode(&got.data),
                expected(sw, sh, dw, dh),
                "{sw}x{sh} -> {dw}x{dh}"
            );
        }
    }

    #[test]
    fn an_exact_halving_averages_two_by_two_blocks() {
        let src = pattern(8, 4);
        let got = resize_linear(&src, whole(&src), 4, 2);
        let block: u32 = [
            src.pixel(2, 2),
            src.pixel(3, 2),
            src.pixel(2, 3),
            src.pixel(3, 3),
        ]
        .iter()
        .map(|p| u32::from(p[1]))
        .sum();
        assert_eq!(u32::from(got.pixel(1, 1)[1]), (block + 2) / 4);
    }

    #[test]
    fn only_the_rectangle_is_read() {
        let mut src = pattern(20, 10);
        let rect = CropBox {
            x1: 5,
            y1: 2,
            x2: 14,
            y2: 7,
        };
        let before = resize_linear(&src, rect, 4, 3);
        // Paint everything outside the rectangle: the result must not change.
        for y in 0..10 {
            for x in 0..20 {
                if !(5..=14).contains(&x) || !(2..=7).contains(&y) {
                    let i = (y * 20 + x) * 3;
                    src.data[i..i + 3].copy_from_slice(&[255, 0, 255]);
                }
            }
        }
        assert_eq!(resize_linear(&src, rect, 4, 3), before);
        assert_eq!((before.width, before.height), (4, 3));
    }
}
