//! UltraFace (Ultra-Light-Fast-Generic-Face-Detector-1MB) decoding. The ONNX export already
//! decodes its priors: `scores` is `[1, N, 2]` (background, face) and `boxes` is `[1, N, 4]` as
//! `x1, y1, x2, y2` in 0..1 of the input. Boxes only, no landmarks.

use super::Detection;
use super::nms::BBox;

/// Candidates above `score_threshold`, in input pixels.
pub fn decode(
    scores: &[f32],
    boxes: &[f32],
    width: usize,
    height: usize,
    score_threshold: f32,
) -> Result<Vec<Detection>, String> {
    if !scores.len().is_multiple_of(2)
        || !boxes.len().is_multiple_of(4)
        || scores.len() / 2 != boxes.len() / 4
    {
        return Err(format!(
            "UltraFace outputs disagree: {} scores for {} boxes",
            scores.len() / 2,
            boxes.len() / 4
        ));
    }
    let (w, h) = (width as f32, height as f32);
    Ok(scores
        .chunks_exact(2)
        .zip(boxes.chunks_exact(4))
        .filter(|(s, _)| s[1] >= score_threshold)
        .map(|(s, b)| Detection {
            bbox: BBox {
                x: b[0] * w,
                y: b[1] * h,
                w: (b[2] - b[0]) * w,
                h: (b[3] - b[1]) * h,
            },
            score: s[1],
            landmarks: None,
        })
        .collect())
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values are the point of these tests
mod tests {
    use super::*;

    #[test]
    fn normalised_corners_become_input_pixels() {
        let scores = [0.9, 0.1, 0.2, 0.8];
        let boxes = [0.0, 0.0, 0.1, 0.1, 0.25, 0.5, 0.75, 1.0];
        let d = decode(&scores, &boxes, 320, 240, 0.7).expect("decodes");
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].bbox,
            BBox {
                x: 80.0,
                y: 120.0,
                w: 160.0,
                h: 120.0
            }
        );
        assert_eq!(d[0].score, 0.8);
        assert!(d[0].landmarks.is_none());
    }

    #[test]
    fn mismatched_outputs_are_an_error() {
        assert!(decode(&[0.1, 0.9], &[0.0; 8], 320, 240, 0.5).is_err());
    }
}
