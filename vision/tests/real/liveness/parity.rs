//! Parity with Minivision's reference on its three published samples (golden.json, computed
//! with the upstream PyTorch weights): the models alone from the golden crops, then the whole
//! path from the JPEGs through YuNet.

use attend_vision::detect::BBox;
use attend_vision::image::RgbImage;
use attend_vision::liveness::resize::resize_linear;
use attend_vision::liveness::{AntiSpoofModel, CropBox, GateMode};

use super::{checker, golden, load, samples};
use crate::support::pipeline;

const SAMPLES: [&str; 3] = ["T1", "F1", "F2"];
/// golden.json's model keys, in the manifest's order of the liveness models.
const MODELS: [(&str, &str); 2] = [
    ("MiniFASNetV2_2.7", "minifasnet-v2-2.7"),
    ("MiniFASNetV1SE_4.0", "minifasnet-v1se-4.0"),
];

fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number") as f32)
        .collect()
}

#[test]
fn the_golden_crops_give_the_golden_logits() {
    let golden = golden();
    let models = checker().models();
    assert_eq!(
        models.iter().map(AntiSpoofModel::id).collect::<Vec<_>>(),
        MODELS.map(|(_, id)| id)
    );
    let mut worst = 0f32;
    for s in SAMPLES {
        for detector in ["yunet_2023mar", "retinaface_caffe"] {
            for ((key, _), model) in MODELS.iter().zip(models) {
                let png = samples().join(format!("golden/{s}_{detector}_{key}_crop80.png"));
                let logits = model.logits(&load(&png)).expect("runs");
                let want = floats(&golden[s][detector][key]["logits"]);
                let diff = logits
                    .iter()
                    .zip(&want)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f32::max);
                assert!(diff <= 1e-3, "{s} {detector} {key}: {logits:?} vs {want:?}");
                worst = worst.max(diff);
            }
        }
    }
    println!("golden crops: largest logit difference {worst:.2e} over 12 crops (limit 1e-3)");
}

/// The models run with their PRelu nodes as `Max(x, slope · x)` (attend-vision's
/// `session::prelu`); opened straight from their files, ONNX Runtime must give the same logits.
#[test]
fn the_prelu_rewrite_changes_no_logit() {
    use attend_vision::detect::to_nchw;
    use attend_vision::manifest::Manifest;
    use ort::session::Session;
    use ort::value::Tensor;
    let manifest = Manifest::bundled().expect("manifest");
    let dir = attend_testkit::shared_models(&super::MODEL_FILES);
    let mut worst = 0f32;
    for ((key, id), model) in MODELS.iter().zip(checker().models()) {
        let spec = manifest.liveness(id).expect("described").spec;
        let bytes = std::fs::read(dir.join(&spec.file)).expect("model file");
        assert!(
            attend_vision::session::prelu::rewrite(&bytes).is_some(),
            "{id}: the rewrite applies"
        );
        let env = attend_vision::runtime::environment(None).expect("runtime");
        let mut plain = Session::builder(env)
            .expect("builder")
            .commit_from_memory(&bytes)
            .expect("the file as published opens");
        for s in SAMPLES {
            let crop = load(&samples().join(format!("golden/{s}_yunet_2023mar_{key}_crop80.png")));
            let input = to_nchw(&crop, &spec.input, 80, 80);
            let tensor = Tensor::from_array(([1usize, 3, 80, 80], input)).expect("tensor");
            let outputs = plain.run(ort::inputs![tensor]).expect("runs");
            let (_, want) = outputs[0].try_extract_tensor::<f32>().expect("floats");
            let got = model.logits(&crop).expect("runs");
            let diff = got
                .iter()
                .zip(want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(diff <= 1e-5, "{s} {id}: {got:?} vs {want:?}");
            worst = worst.max(diff);
        }
    }
    println!("PRelu as Max: largest logit difference {worst:.1e} over 6 crops");
}

#[test]
fn the_samples_are_decoded_upright() {
    // Stored 640×480 with EXIF orientation 6; the golden boxes are in upright coordinates.
    for s in SAMPLES {
        let img = load(&samples().join(format!("image_{s}.jpg")));
        assert_eq!((img.width, img.height), (480, 640), "{s}");
    }
}

fn mean_and_max_difference(a: &RgbImage, b: &RgbImage) -> (f32, u8) {
    assert_eq!((a.width, a.height), (b.width, b.height));
    let diffs: Vec<u8> = a
        .data
        .iter()
        .zip(&b.data)
        .map(|(x, y)| x.abs_diff(*y))
        .collect();
    let mean = diffs.iter().map(|d| f32::from(*d)).sum::<f32>() / diffs.len() as f32;
    (mean, diffs.iter().copied().max().unwrap_or(0))
}

/// The crop box's pixels resized by the `image` crate's antialiasing filter, the other way one
/// might resize.
fn antialiased(frame: &RgbImage, c: CropBox) -> RgbImage {
    let rows = (c.y1..=c.y2).flat_map(|y| (c.x1..=c.x2).flat_map(move |x| frame.pixel(x, y)));
    RgbImage::new(c.width(), c.height(), rows.collect())
        .expect("valid")
        .resized(80, 80)
}

#[test]
fn through_yunet_the_boxes_crops_and_scores_are_the_golden_ones() {
    let golden = golden();
    for s in SAMPLES {
        let frame = load(&samples().join(format!("image_{s}.jpg")));
        let faces = pipeline().detector().detect(&frame).expect("detects");
        assert_eq!(faces.len(), 1, "{s}: {faces:?}");
        let b: BBox = faces[0].bbox;
        let want = floats(&golden[s]["yunet_2023mar"]["bbox_xywh"]);
        let off = [b.x, b.y, b.w, b.h]
            .iter()
            .zip(&want)
            .map(|(a, w)| (a - w).abs())
            .fold(0.0, f32::max);
        assert!(off <= 2.0, "{s}: box {b:?}, golden {want:?}");

        // The crop starts from the box in whole pixels. From golden's own box it must be
        // golden's crop to the pixel; from ours, too, unless truncation lands on another pixel.
        let golden_box = BBox {
            x: want[0],
            y: want[1],
            w: want[2],
            h: want[3],
        };
        let whole = |v: f32| v.trunc() as i64;
        let same_pixels = [b.x, b.y, b.w, b.h].map(whole) == [0, 1, 2, 3].map(|i| whole(want[i]));
        if !same_pixels {
            // F2: our decoder's pixels give YuNet a box 297.86 px tall, OpenCV's 298.31 (OpenCV's
            // detector on our decoded pixels gives our box to 1e-4 px): 297 against 298.
            println!("{s}: box {b:?} truncates to other pixels than golden's {want:?}");
        }
        let from_golden = checker().crop_boxes(&frame, &golden_box).expect("crops");
        let crops = checker().crop_boxes(&frame, &b).expect("crops");
        let score = checker().score(&frame, &b).expect("scores");
        let mut golden_fused = 0.0;
        for (((key, _), (crop, _)), (model, (exact, _))) in MODELS
            .iter()
            .zip(&crops)
            .zip(score.models.iter().zip(&from_golden))
        {
            let g = &golden[s]["yunet_2023mar"][key];
            let want_box: Vec<u32> = floats(&g["crop_box_xyxy"])
                .iter()
                .map(|v| *v as u32)
                .collect();
            assert_eq!(
                exact.xyxy().to_vec(),
                want_box,
                "{s} {key} from golden's box"
            );
            let off = crop
                .xyxy()
                .iter()
                .zip(&want_box)
                .map(|(a, w)| a.abs_diff(*w))
                .max();
            if same_pixels {
                assert_eq!(off, Some(0), "{s} {key}: {crop:?}");
            } else {
                assert!(off <= Some(1), "{s} {key}: {crop:?} against {want_box:?}");
            }
            golden_fused += floats(&g["softmax"])[1] / 2.0;

            let png = load(&samples().join(format!("golden/{s}_yunet_2023mar_{key}_crop80.png")));
            let (ours, ours_max) =
                mean_and_max_difference(&resize_linear(&frame, *exact, 80, 80), &png);
            let (aa, aa_max) = mean_and_max_difference(&antialiased(&frame, *exact), &png);
            println!(
                "{s} {key}: crop {:?}; the golden crop box's pixels against the golden crop: \
                 INTER_LINEAR port mean {ours:.2} max {ours_max}, antialiased resize mean \
                 {aa:.2} max {aa_max}; P(real) {:.4} (golden {:.4})",
                crop.xyxy(),
                model.p_real,
                floats(&g["softmax"])[1]
            );
            // What is left is the JPEG decoders' difference (libjpeg-turbo's upsampling against
            // zune-jpeg's), not the resize.
            assert!(ours < aa && ours < 1.5, "{s} {key}: {ours} against {aa}");
        }
        println!(
            "{s}: YuNet box {:?} (golden {want:?}, off by at most {off:.2} px); fused P(real) \
             {:.4}, golden {golden_fused:.4}",
            [b.x, b.y, b.w, b.h],
            score.p_real
        );
        assert!(
            (score.p_real - golden_fused).abs() <= 0.02,
            "{s}: {} against {golden_fused}",
            score.p_real
        );
    }
}

#[test]
fn t1_is_live_and_the_print_and_the_tablet_are_not() {
    let threshold = checker().threshold();
    for (s, live) in [("T1", true), ("F1", false), ("F2", false)] {
        let frame = load(&samples().join(format!("image_{s}.jpg")));
        let faces = pipeline().detector().detect(&frame).expect("detects");
        let gated = checker()
            .check(&frame, &faces, GateMode::Enforce)
            .expect("runs");
        // The samples are phone close-ups (a face over a third of the frame's width): the gate
        // asks to step back, so they are scored as --no-gate does.
        let verdict = match gated.live {
            Some(_) => gated,
            None => checker()
                .check(&frame, &faces, GateMode::Bypass)
                .expect("runs"),
        };
        let score = verdict.score.expect("scored");
        println!(
            "{s}: fused P(real) {score:.4}, threshold {threshold}, margin {:+.4} ({})",
            score - threshold,
            verdict.reason.as_deref().unwrap_or("inside the gate")
        );
        assert_eq!(verdict.live, Some(live), "{s}: {verdict:?}");
    }
}
