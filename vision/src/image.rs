//! Frames and photos in, packed RGB8 out. Decodes JPEG (photos and MJPEG camera frames), PNG and
//! WebP (uploaded photos)
//! with the `image` crate, converts YUYV (4:2:2, BT.601 limited range) and raw RGB/BGR buffers,
//! and resizes with `fast_image_resize` (SIMD).

use std::path::Path;

use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::U8x3;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};

/// Packed 8-bit RGB, row-major, no padding.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbImage {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for RgbImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RgbImage({}x{})", self.width, self.height)
    }
}

/// The pixel formats frames arrive in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameFormat {
    /// A JPEG file or one MJPEG frame.
    Jpeg,
    Png,
    /// YUYV 4:2:2 (Y0 U Y1 V), as V4L2 webcams deliver it.
    Yuyv {
        width: u32,
        height: u32,
    },
    Rgb {
        width: u32,
        height: u32,
    },
    Bgr {
        width: u32,
        height: u32,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("cannot read image {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot decode {what}: {reason}")]
    Decode { what: String, reason: String },
    #[error("{format} frame of {width}x{height} needs {expected} bytes, got {actual}")]
    BadSize {
        format: &'static str,
        width: u32,
        height: u32,
        expected: usize,
        actual: usize,
    },
    #[error("image is empty ({width}x{height})")]
    Empty { width: u32, height: u32 },
}

impl RgbImage {
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Result<Self, ImageError> {
        let expected = width as usize * height as usize * 3;
        if width == 0 || height == 0 {
            return Err(ImageError::Empty { width, height });
        }
        if data.len() != expected {
            return Err(ImageError::BadSize {
                format: "RGB",
                width,
                height,
                expected,
                actual: data.len(),
            });
        }
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// RGB at integer pixel `(x, y)`; callers keep coordinates inside the image.
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }

    /// Resized copy (bilinear convolution, which also averages when shrinking).
    pub fn resized(&self, width: u32, height: u32) -> RgbImage {
        if width == self.width && height == self.height {
            return self.clone();
        }
        let width = width.max(1);
        let height = height.max(1);
        let src = TypedImageRef::<U8x3>::from_buffer(self.width, self.height, &self.data)
            .expect("buffer size checked at construction");
        let mut dst = TypedImage::<U8x3>::new(width, height);
        let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
        Resizer::new()
            .resize_typed(&src, &mut dst, &options)
            .expect("same pixel type");
        let data = dst.pixels().iter().flat_map(|p| p.0).collect();
        RgbImage {
            width,
            height,
            data,
        }
    }

    /// Baseline JPEG at `quality` (1..=100), e.g. for an enrolment thumbnail.
    pub fn to_jpeg(&self, quality: u8) -> Result<Vec<u8>, ImageError> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
            .encode(
                &self.data,
                self.width,
                self.height,
                image::ExtendedColorType::Rgb8,
            )
            .map_err(|e| ImageError::Decode {
                what: format!("{}x{} JPEG encoding", self.width, self.height),
                reason: e.to_string(),
            })?;
        Ok(out)
    }

    /// Grey level (BT.601 luma) as f32, row-major.
    pub fn luma(&self) -> Vec<f32> {
        self.data
            .chunks_exact(3)
            .map(|p| 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]))
            .collect()
    }
}

/// Decodes one frame or photo.
pub fn decode(bytes: &[u8], format: FrameFormat) -> Result<RgbImage, ImageError> {
    match format {
        FrameFormat::Jpeg => decode_with(bytes, image::ImageFormat::Jpeg, "JPEG data"),
        FrameFormat::Png => decode_with(bytes, image::ImageFormat::Png, "PNG data"),
        FrameFormat::Yuyv { width, height } => yuyv_to_rgb(bytes, width, height),
        FrameFormat::Rgb { width, height } => RgbImage::new(width, height, bytes.to_vec()),
        FrameFormat::Bgr { width, height } => {
            let mut img = RgbImage::new(width, height, bytes.to_vec())?;
            img.data.chunks_exact_mut(3).for_each(|p| p.swap(0, 2));
            Ok(img)
        }
    }
}

fn decode_with(
    bytes: &[u8],
    format: image::ImageFormat,
    what: &str,
) -> Result<RgbImage, ImageError> {
    let decoded =
        image::load_from_memory_with_format(bytes, format).map_err(|e| ImageError::Decode {
            what: what.to_owned(),
            reason: e.to_string(),
        })?;
    let rgb = decoded.to_rgb8();
    RgbImage::new(rgb.width(), rgb.height(), rgb.into_raw())
}

/// Reads and decodes a photo file (JPEG, PNG or WebP, detected from its content, not its name).
pub fn load(path: &Path) -> Result<RgbImage, ImageError> {
    let bytes = std::fs::read(path).map_err(|source| ImageError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let what = path.display().to_string();
    let format = image::guess_format(&bytes).map_err(|e| ImageError::Decode {
        what: what.clone(),
        reason: e.to_string(),
    })?;
    decode_with(&bytes, format, &what)
}

fn clamp_u8(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

/// YUYV 4:2:2 → RGB with BT.601 limited-range integer coefficients (what V4L2 webcams send).
pub fn yuyv_to_rgb(bytes: &[u8], width: u32, height: u32) -> Result<RgbImage, ImageError> {
    let expected = width as usize * height as usize * 2;
    if width == 0 || height == 0 || !width.is_multiple_of(2) || bytes.len() != expected {
        return Err(ImageError::BadSize {
            format: "YUYV",
            width,
            height,
            expected,
            actual: bytes.len(),
        });
    }
    let mut data = Vec::with_capacity(width as usize * height as usize * 3);
    for quad in bytes.chunks_exact(4) {
        let (u, v) = (i32::from(quad[1]) - 128, i32::from(quad[3]) - 128);
        for y in [quad[0], quad[2]] {
            let c = 298 * (i32::from(y) - 16);
            data.push(clamp_u8((c + 409 * v + 128) >> 8));
            data.push(clamp_u8((c - 100 * u - 208 * v + 128) >> 8));
            data.push(clamp_u8((c + 516 * u + 128) >> 8));
        }
    }
    RgbImage::new(width, height, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_encoding_round_trips_a_flat_image() {
        let img = RgbImage::new(32, 24, [200u8, 40, 90].repeat(32 * 24)).expect("image");
        let jpeg = img.to_jpeg(90).expect("encodes");
        assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
        let back = decode(&jpeg, FrameFormat::Jpeg).expect("decodes");
        assert_eq!((back.width, back.height), (32, 24));
        let [r, g, b] = back.pixel(16, 12);
        assert!(
            r.abs_diff(200) < 8 && g.abs_diff(40) < 8 && b.abs_diff(90) < 8,
            "{r} {g} {b}"
        );
    }

    #[test]
    fn yuyv_grey_and_colours_convert() {
        // Y=235 with neutral chroma is white; Y=16 is black.
        let img = yuyv_to_rgb(&[235, 128, 16, 128], 2, 1).expect("valid");
        assert_eq!(img.data, vec![255, 255, 255, 0, 0, 0]);
        // Strong V (red-difference) makes red dominate.
        let red = yuyv_to_rgb(&[81, 90, 81, 240], 2, 1).expect("valid");
        assert!(
            red.data[0] > 200 && red.data[1] < 60 && red.data[2] < 60,
            "{:?}",
            red.data
        );
    }

    #[test]
    fn yuyv_with_wrong_length_names_the_sizes() {
        let err = yuyv_to_rgb(&[0; 7], 2, 2).expect_err("wrong size");
        assert_eq!(err.to_string(), "YUYV frame of 2x2 needs 8 bytes, got 7");
    }

    #[test]
    fn bgr_is_swapped_to_rgb() {
        let img = decode(
            &[1, 2, 3],
            FrameFormat::Bgr {
                width: 1,
                height: 1,
            },
        )
        .expect("valid");
        assert_eq!(img.data, vec![3, 2, 1]);
    }

    #[test]
    fn png_round_trips_through_the_decoder() {
        let mut png = Vec::new();
        let src =
            image::RgbImage::from_fn(3, 2, |x, y| image::Rgb([x as u8 * 50, y as u8 * 100, 7]));
        src.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("encode");
        let img = decode(&png, FrameFormat::Png).expect("decode");
        assert_eq!((img.width, img.height), (3, 2));
        assert_eq!(img.pixel(2, 1), [100, 100, 7]);
    }

    #[test]
    fn corrupt_jpeg_is_an_error_not_a_panic() {
        let err =
            decode(&[0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3], FrameFormat::Jpeg).expect_err("corrupt");
        assert!(
            err.to_string().starts_with("cannot decode JPEG data"),
            "{err}"
        );
    }

    #[test]
    fn resizing_keeps_a_flat_colour_flat() {
        let img = RgbImage::new(8, 6, [10u8, 20, 30].repeat(48)).expect("valid");
        let small = img.resized(4, 3);
        assert_eq!((small.width, small.height), (4, 3));
        assert!(small.data.chunks_exact(3).all(|p| p == [10, 20, 30]));
    }
}
