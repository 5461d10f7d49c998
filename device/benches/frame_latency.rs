//! Frame-to-decision latency on the real models (a measurement, not a test): every labelled
//! photo of `../shared/faces/face_recognition` is replayed as a camera frame through the
//! kiosk's recogniser (decode → detect → align → embed → 1:N match → decider) against a gallery
//! of all labelled people plus 10,000 filler persons. Prints p50/p99 per frame and the decision
//! latency for the configured number of agreeing frames at a given camera rate.
//!
//! `cargo bench -p attend-device --bench frame_latency` (needs the setup scripts and ../shared).

use std::sync::Arc;
use std::time::Instant;

use attend_device::hw::{Frame, FrameFormat};
use attend_device::recognize::Recognizer;
use attend_device::roster::Template;
use attend_protocol::ids::{EmployeeId, TemplateId};
use attend_vision::{FacePipeline, PipelineConfig, image};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let faces = attend_testkit::face_set("face_recognition");
    let list = std::fs::read_to_string(faces.join("identities.csv")).expect(
        "../shared/faces/face_recognition/identities.csv (../shared beside the repository)",
    );
    let pipeline = Arc::new(
        FacePipeline::load(&PipelineConfig::new(attend_testkit::models_dir()))
            .expect("the models load"),
    );
    let rows: Vec<(String, String)> = list
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(p, rest)| {
            (
                p.to_owned(),
                rest.split(',').next().unwrap_or("").to_owned(),
            )
        })
        .collect();

    // Gallery: one template per labelled photo, persons by identity, plus 10,000 fillers.
    let mut ids = std::collections::HashMap::new();
    let mut templates = Vec::new();
    for (n, (photo, who)) in rows.iter().enumerate() {
        let next = ids.len() as u128 + 1;
        let person = *ids
            .entry(who.clone())
            .or_insert(EmployeeId(uuid::Uuid::from_u128(next)));
        let path = faces.join(photo);
        let img = image::load(&path).expect("photo");
        if let Ok(vector) = pipeline.embed_largest(&img, &path) {
            templates.push(Template {
                id: TemplateId(uuid::Uuid::from_u128(1_000_000 + n as u128)),
                employee_id: person,
                vector,
            });
        }
    }
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for f in 0..10_000u128 {
        let vector = (0..128)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % 10_000) as f32 / 20_000.0 - 0.25
            })
            .collect();
        templates.push(Template {
            id: TemplateId(uuid::Uuid::from_u128(2_000_000 + f)),
            employee_id: EmployeeId(uuid::Uuid::from_u128(5_000_000 + f)),
            vector,
        });
    }
    let frames_needed = 3;
    let mut recognizer = Recognizer::new(pipeline, frames_needed, 0.05, true).expect("recognizer");
    recognizer.set_templates(&templates);

    let frames: Vec<Frame> = rows
        .iter()
        .map(|(photo, _)| Frame {
            format: FrameFormat::Jpeg,
            bytes: std::fs::read(faces.join(photo)).expect("photo"),
            captured_at: Instant::now(),
        })
        .filter(|f| f.bytes.starts_with(&[0xFF, 0xD8]))
        .collect();
    let mut latencies = Vec::new();
    for _ in 0..5 {
        for frame in &frames {
            let start = Instant::now();
            let _ = recognizer.on_frame(frame);
            latencies.push(start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    latencies.sort_by(f64::total_cmp);
    let (p50, p99) = (percentile(&latencies, 0.5), percentile(&latencies, 0.99));
    println!(
        "frames: {} JPEG photos x 5 passes, gallery {} templates (int8), 1 inference thread",
        frames.len(),
        templates.len()
    );
    println!("per-frame processing: p50 {p50:.1} ms, p99 {p99:.1} ms");
    for fps in [5.0_f64, 10.0, 15.0] {
        let interval = 1000.0 / fps;
        // A decision needs `frames_needed` frames: the wait for the later frames plus their processing.
        let decision = |per: f64| (f64::from(frames_needed) - 1.0) * interval.max(per) + per;
        println!(
            "frame-to-decision at {fps} fps ({frames_needed} agreeing frames): p50 {:.0} ms, p99 {:.0} ms",
            decision(p50),
            decision(p99)
        );
    }
}
