//! Frames and photos in, packed RGB8 out, upright. Decodes JPEG (photos and MJPEG camera frames),
//! PNG and WebP (uploaded photos) with the `image` crate and applies their EXIF orientation;
//! converts YUYV (4:2:2, BT.601 limited range) and raw RGB/BGR buffers; resizes with
//! `fast_image_resize` (SIMD).
//!
//! Decoding is bounded, because photos come from uploads and a few bytes of header can claim a
//! huge image: no side over [`MAX_SIDE`], and a compressed image is refused before any pixel is
//! allocated when decoding it could need more than [`MAX_DECODE_BYTES`] (a camera frame is a few
//! megapixels; a face needs far fewer).

use std::io::Cursor;
use std::path::Path;

use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::U8x3;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::ImageDecoder as _;

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
    #[error(
        "{what} is {width}x{height} px, over the {MAX_SIDE} px limit on a side: send a smaller image"
    )]
    TooLarge {
        what: String,
        width: u32,
        height: u32,
    },
    #[error(
        "{what} ({width}x{height} px) would need about {needed_mib} MiB to decode, over the \
         {limit_mib} MiB limit: send a smaller image",
        limit_mib = MAX_DECODE_BYTES >> 20
    )]
    TooMuchMemory {
        what: String,
        width: u32,
        height: u32,
        needed_mib: u64,
    },
}

/// Largest width or height decoded, in pixels: 8000 × 6000 is a 48-megapixel photo.
pub const MAX_SIDE: u32 = 8_000;

/// Most memory one decode of a compressed image may need, in bytes: the decoded pixels, their
/// RGB8 copy when they are not RGB8 already, and the decoder's working buffers.
pub const MAX_DECODE_BYTES: u64 = 256 << 20;

/// The decoder's working buffers per pixel, on top of the decoded pixels: a progressive JPEG
/// keeps every coefficient (two bytes each, up to four components), a lossless WebP a 4-byte
/// ARGB pixel. The image crate's own `max_alloc` cannot bound these: its JPEG decoder ignores it.
const WORKING_BYTES_PER_PIXEL: u64 = 8;

fn check_side(what: &str, width: u32, height: u32) -> Result<(), ImageError> {
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::TooLarge {
            what: what.to_owned(),
            width,
            height,
        });
    }
    Ok(())
}

impl RgbImage {
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Result<Self, ImageError> {
        // Saturating: u32::MAX² × 3 does not fit a usize, and no buffer is that long anyway.
        let expected = (width as usize)
            .saturating_mul(height as usize)
            .saturating_mul(3);
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

    /// The pixels of the rectangle at (`x`, `y`) of `width`×`height`, clipped to the image;
    /// `None` when nothing of it lies inside.
    pub fn cropped(&self, x: i64, y: i64, width: u32, height: u32) -> Option<RgbImage> {
        let (x0, y0) = (x.max(0), y.max(0));
        let x1 = (x + i64::from(width)).min(i64::from(self.width));
        let y1 = (y + i64::from(height)).min(i64::from(self.height));
        if x1 <= x0 || y1 <= y0 {
            return None;
        }
        let row = self.width as usize * 3;
        let (from, to) = (x0 as usize * 3, x1 as usize * 3);
        let data = (y0 as usize..y1 as usize)
            .flat_map(|r| &self.data[r * row + from..r * row + to])
            .copied()
            .collect();
        Some(RgbImage {
            width: (x1 - x0) as u32,
            height: (y1 - y0) as u32,
            data,
        })
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

/// Decodes one frame or photo. Refuses (never panics on) anything malformed, and anything past
/// [`MAX_SIDE`] or [`MAX_DECODE_BYTES`].
pub fn decode(bytes: &[u8], format: FrameFormat) -> Result<RgbImage, ImageError> {
    match format {
        FrameFormat::Jpeg => decode_with(bytes, image::ImageFormat::Jpeg, "JPEG data"),
        FrameFormat::Png => decode_with(bytes, image::ImageFormat::Png, "PNG data"),
        FrameFormat::Yuyv { width, height } => yuyv_to_rgb(bytes, width, height),
        FrameFormat::Rgb { width, height } => {
            check_side("RGB frame", width, height)?;
            RgbImage::new(width, height, bytes.to_vec())
        }
        FrameFormat::Bgr { width, height } => {
            check_side("BGR frame", width, height)?;
            let mut img = RgbImage::new(width, height, bytes.to_vec())?;
            img.data.chunks_exact_mut(3).for_each(|p| p.swap(0, 2));
            Ok(img)
        }
    }
}

/// Decodes a photo in any format [`load`] reads (JPEG, PNG or WebP), detected from its content;
/// `what` names it in errors. The same limits as [`decode`].
pub fn decode_photo(bytes: &[u8], what: &str) -> Result<RgbImage, ImageError> {
    let format = image::guess_format(bytes).map_err(|e| ImageError::Decode {
        what: what.to_owned(),
        reason: e.to_string(),
    })?;
    decode_with(bytes, format, what)
}

fn decode_with(
    bytes: &[u8],
    format: image::ImageFormat,
    what: &str,
) -> Result<RgbImage, ImageError> {
    let failed = |e: image::ImageError| ImageError::Decode {
        what: what.to_owned(),
        reason: e.to_string(),
    };
    // Only the header is read here; the PNG decoder also bounds its metadata chunks by this.
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(failed)?;

    let (width, height) = decoder.dimensions();
    check_side(what, width, height)?;
    let color = decoder.color_type();
    let copy = if color == image::ColorType::Rgb8 {
        0
    } else {
        3
    };
    let per_pixel = u64::from(color.bytes_per_pixel()) + copy + WORKING_BYTES_PER_PIXEL;
    let needed = u64::from(width) * u64::from(height) * per_pixel;
    if needed > MAX_DECODE_BYTES {
        return Err(ImageError::TooMuchMemory {
            what: what.to_owned(),
            width,
            height,
            needed_mib: needed.div_ceil(1 << 20),
        });
    }
    // Phones and some cameras store a portrait picture sideways and say so in EXIF; everything
    // downstream (detection, liveness crops, thumbnails) assumes an upright frame. A malformed
    // EXIF block is read as "no rotation" rather than refusing pixels that decode.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    // `into_rgb8` moves an RGB8 image instead of copying it. A 90° rotation then copies the RGB8
    // pixels once (6 bytes a pixel at the peak), after the decoder's buffers are gone: within the
    // budget above, which is at least 11 bytes a pixel.
    let mut rgb = image::DynamicImage::ImageRgb8(
        image::DynamicImage::from_decoder(decoder)
            .map_err(failed)?
            .into_rgb8(),
    );
    rgb.apply_orientation(orientation);
    let rgb = rgb.into_rgb8();
    RgbImage::new(rgb.width(), rgb.height(), rgb.into_raw())
}

/// Reads and decodes a photo file (JPEG, PNG or WebP, detected from its content, not its name).
pub fn load(path: &Path) -> Result<RgbImage, ImageError> {
    let bytes = std::fs::read(path).map_err(|source| ImageError::Read {
        path: path.display().to_string(),
        source,
    })?;
    decode_photo(&bytes, &path.display().to_string())
}

fn clamp_u8(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

/// YUYV 4:2:2 → RGB with BT.601 limited-range integer coefficients (what V4L2 webcams send).
pub fn yuyv_to_rgb(bytes: &[u8], width: u32, height: u32) -> Result<RgbImage, ImageError> {
    check_side("YUYV frame", width, height)?;
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
mod tests;
