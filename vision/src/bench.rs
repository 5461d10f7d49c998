//! Benchmark helpers for `attend-vision bench`: our side of each comparison, timed as the
//! fastest of a few runs on frames decoded beforehand (decoding is not what is compared).
//! The references (face_recognition, OpenCV, FAISS) run in the same invocation from
//! `vision/bench/*.py`, on the same images; the CLI prints the ratios.

use std::time::{Duration, Instant};

use crate::VisionError;
use crate::detect::Detector;
use crate::image::RgbImage;
use crate::pipeline::FacePipeline;

/// Fastest of `repeats` runs of `f`.
pub fn best_of<T>(
    repeats: usize,
    mut f: impl FnMut() -> Result<T, VisionError>,
) -> Result<(Duration, T), VisionError> {
    let mut best: Option<(Duration, T)> = None;
    for _ in 0..repeats.max(1) {
        let start = Instant::now();
        let out = f()?;
        let took = start.elapsed();
        if best.as_ref().is_none_or(|(b, _)| took < *b) {
            best = Some((took, out));
        }
    }
    Ok(best.expect("at least one run"))
}

/// Detect (coarse first, as a kiosk does) + align + embed every face of every image;
/// milliseconds per image and faces found.
pub fn end_to_end(
    pipeline: &FacePipeline,
    images: &[RgbImage],
    repeats: usize,
) -> Result<(f64, usize), VisionError> {
    let (took, faces) = best_of(repeats, || {
        let mut faces = 0;
        for img in images {
            faces += pipeline.faces_coarse_first(img)?.len();
        }
        Ok(faces)
    })?;
    Ok((
        took.as_secs_f64() * 1000.0 / images.len().max(1) as f64,
        faces,
    ))
}

/// [`end_to_end`] with the passive liveness check on each image's largest face too, whatever
/// its framing (so every image pays for both models).
pub fn end_to_end_with_liveness(
    pipeline: &FacePipeline,
    checker: &crate::liveness::LivenessChecker,
    images: &[RgbImage],
    repeats: usize,
) -> Result<(f64, usize), VisionError> {
    let (took, faces) = best_of(repeats, || {
        let mut faces = 0;
        for img in images {
            let found = pipeline.faces_coarse_first(img)?;
            faces += found.len();
            let detections: Vec<_> = found.into_iter().map(|f| f.detection).collect();
            checker.check(img, &detections, crate::liveness::GateMode::Bypass)?;
        }
        Ok(faces)
    })?;
    Ok((
        took.as_secs_f64() * 1000.0 / images.len().max(1) as f64,
        faces,
    ))
}

/// `img` as a kiosk camera would give it: at most `side` pixels on its longest side.
pub fn at_most(img: &RgbImage, side: u32) -> RgbImage {
    let longest = img.width.max(img.height);
    if longest <= side {
        return img.clone();
    }
    let scale = f64::from(side) / f64::from(longest);
    let size = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
    img.resized(size(img.width), size(img.height))
}

/// Detection only on frames already at the size under test; milliseconds per frame and faces.
pub fn detection(
    detector: &Detector,
    frames: &[RgbImage],
    repeats: usize,
) -> Result<(f64, usize), VisionError> {
    // One untimed pass so ONNX Runtime has planned its buffers for this input size.
    for f in frames.iter().take(1) {
        detector.detect(f)?;
    }
    let (took, faces) = best_of(repeats, || {
        let mut faces = 0;
        for f in frames {
            faces += detector.detect(f)?.len();
        }
        Ok(faces)
    })?;
    Ok((
        took.as_secs_f64() * 1000.0 / frames.len().max(1) as f64,
        faces,
    ))
}

/// Peak resident memory of this process so far, in MiB (Linux `VmHWM`).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
