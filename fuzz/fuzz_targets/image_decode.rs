//! Image decoding (`vision/src/image.rs`): the same `decode` the kiosk runs on camera frames
//! and the server on uploaded enrolment photos, and `decode_photo` behind `load`, on arbitrary
//! bytes. The file is compiled here unchanged, without the rest of attend-vision (its ONNX
//! Runtime bindings and CLI would double this target's build time).
//!
//! Input: one letter for the format, then the image. `J` JPEG, `P` PNG, `W` any photo format
//! detected from its content (JPEG, PNG, WebP); `Y` YUYV, `R` RGB, `B` BGR, each followed by
//! width and height as little-endian `u32`s and then the raw pixels.
//!
//! Asserted, besides never panicking:
//! - memory: the most the heap grows while decoding is [`MAX_DECODE_BYTES`] plus one copy of
//!   the input (measured by counting every allocation);
//! - a decoded image has both sides within [`MAX_SIDE`] and exactly 3 bytes per pixel;
//! - a raw frame decodes exactly when its length fits its size, and BGR is RGB swapped;
//! - every error has a message.

#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unreachable_pub)]
#[rustfmt::skip] // formatted with its own crate
#[path = "../../vision/src/image.rs"]
mod vision_image;

use vision_image::{
    FrameFormat, ImageError, MAX_DECODE_BYTES, MAX_SIDE, RgbImage, decode, decode_photo,
};

fuzz_target!(|data: &[u8]| {
    let Some((&letter, rest)) = data.split_first() else {
        return;
    };
    let (format, pixels) = match letter {
        b'J' => (Some(FrameFormat::Jpeg), rest),
        b'P' => (Some(FrameFormat::Png), rest),
        b'W' => (None, rest),
        b'Y' | b'R' | b'B' => {
            let Some((width, height, pixels)) = size_then_pixels(rest) else {
                return;
            };
            let format = match letter {
                b'Y' => FrameFormat::Yuyv { width, height },
                b'R' => FrameFormat::Rgb { width, height },
                _ => FrameFormat::Bgr { width, height },
            };
            (Some(format), pixels)
        }
        _ => return,
    };

    let before = HEAP.start_measuring();
    let decoded = match format {
        Some(format) => decode(pixels, format),
        None => decode_photo(pixels, "photo"),
    };
    let grew = HEAP.peak().saturating_sub(before);
    let allowed = MAX_DECODE_BYTES as usize + pixels.len();
    assert!(
        grew <= allowed,
        "decoding took {grew} bytes, over {allowed}"
    );

    match (&decoded, format) {
        (Ok(img), _) => {
            assert!(img.width <= MAX_SIDE && img.height <= MAX_SIDE, "{img:?}");
            assert_eq!(img.data.len(), img.width as usize * img.height as usize * 3);
        }
        (Err(e), _) => assert!(!e.to_string().is_empty()),
    }
    if let Some(FrameFormat::Rgb { width, height } | FrameFormat::Bgr { width, height }) = format {
        let fits = within_limits(width, height) && pixels.len() == pixel_count(width, height) * 3;
        assert_eq!(
            decoded.is_ok(),
            fits,
            "{format:?} of {} bytes",
            pixels.len()
        );
    }
    if let (Some(FrameFormat::Bgr { width, height }), Ok(bgr)) = (format, &decoded) {
        let rgb = decode(pixels, FrameFormat::Rgb { width, height }).expect("same size");
        let swapped: Vec<u8> = rgb
            .data
            .chunks(3)
            .flat_map(|p| [p[2], p[1], p[0]])
            .collect();
        assert_eq!(
            bgr,
            &RgbImage::new(width, height, swapped).expect("same size")
        );
    }
    if let Some(FrameFormat::Yuyv { width, height }) = format {
        let fits = within_limits(width, height)
            && width % 2 == 0
            && pixels.len() == pixel_count(width, height) * 2;
        assert_eq!(
            decoded.is_ok(),
            fits,
            "{format:?} of {} bytes",
            pixels.len()
        );
        if let Err(ImageError::TooLarge { .. }) = decoded {
            assert!(!within_limits(width, height));
        }
    }
});

fn within_limits(width: u32, height: u32) -> bool {
    (1..=MAX_SIDE).contains(&width) && (1..=MAX_SIDE).contains(&height)
}

fn pixel_count(width: u32, height: u32) -> usize {
    width as usize * height as usize
}

fn size_then_pixels(rest: &[u8]) -> Option<(u32, u32, &[u8])> {
    let (size, pixels) = rest.split_first_chunk::<8>()?;
    let (width, height) = size.split_at(4);
    let width = u32::from_le_bytes(width.try_into().ok()?);
    let height = u32::from_le_bytes(height.try_into().ok()?);
    Some((width, height, pixels))
}

/// The system allocator, counting the bytes live and the most live since the last
/// `start_measuring`.
struct Counting {
    live: AtomicUsize,
    peak: AtomicUsize,
}

#[global_allocator]
static HEAP: Counting = Counting {
    live: AtomicUsize::new(0),
    peak: AtomicUsize::new(0),
};

impl Counting {
    /// Resets the peak to what is live now, and returns that.
    fn start_measuring(&self) -> usize {
        let live = self.live.load(Ordering::SeqCst);
        self.peak.store(live, Ordering::SeqCst);
        live
    }

    fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    fn grew(&self, bytes: usize) {
        let live = self.live.fetch_add(bytes, Ordering::SeqCst) + bytes;
        self.peak.fetch_max(live, Ordering::SeqCst);
    }

    fn shrank(&self, bytes: usize) {
        self.live.fetch_sub(bytes, Ordering::SeqCst);
    }
}

// SAFETY: every call is passed straight to the system allocator; only the counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is System's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            self.grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is System's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            self.grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is System's.
        unsafe { System.dealloc(ptr, layout) };
        self.shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is System's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Counted as both blocks live for a moment, as a moving realloc has them.
            self.grew(new_size);
            self.shrank(layout.size());
        }
        p
    }
}
