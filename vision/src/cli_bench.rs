//! `attend-vision bench`: each benchmark against its reference, on the same images, in one run.
//! Prints a table of ratios (reference time ÷ our time, so > 1 means we are faster).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use attend_vision::bench::{
    at_most, detection, end_to_end, end_to_end_with_liveness, peak_rss_mib,
};
use attend_vision::detect::Detector;
use attend_vision::image::{self, RgbImage};
use attend_vision::liveness::{LivenessChecker, LivenessConfig};
use attend_vision::manifest::Manifest;
use attend_vision::matcher::bench::{SEED, Workload, run_workload};
use attend_vision::matcher::{Gallery, Matcher, Metric, Storage};
use attend_vision::{FacePipeline, PipelineConfig};

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Directory with the model files.
    #[arg(long, default_value = ".cache/models")]
    pub models: PathBuf,
    /// Labelled photo set (its identities.csv lists the images used).
    #[arg(long, default_value = "../shared/faces/face_recognition")]
    pub faces: PathBuf,
    /// Python with the reference packages (see scripts/bench-vision.sh).
    #[arg(long, default_value = ".cache/venv/bin/python")]
    pub python: PathBuf,
    /// Timed runs per measurement; the fastest counts.
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    /// Only our side (no Python references, no ratios).
    #[arg(long)]
    pub no_reference: bool,
}

struct Row {
    name: String,
    ours_ms: f64,
    reference: Option<(String, f64)>,
    /// The ratio to reach, when there is one.
    target: Option<f64>,
}

fn images(faces: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let list = faces.join("identities.csv");
    let text = std::fs::read_to_string(&list).with_context(|| {
        format!(
            "reading {} (is ../shared beside the repository?)",
            list.display()
        )
    })?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .filter(|p| !p.is_empty())
        .map(|p| faces.join(p))
        .collect())
}

fn reference(args: &BenchArgs, call: &[String]) -> anyhow::Result<serde_json::Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/reference.py");
    let out = Command::new(&args.python)
        .arg(&script)
        .args(call)
        .output()
        .with_context(|| {
            format!(
                "running {} (run `bash scripts/bench-vision.sh` to set it up)",
                args.python.display()
            )
        })?;
    if !out.status.success() {
        bail!(
            "reference {} failed: {}",
            call.first().map_or("", String::as_str),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

fn ms(v: &serde_json::Value, key: &str) -> anyhow::Result<f64> {
    v[key]
        .as_f64()
        .with_context(|| format!("reference output lacks {key}: {v}"))
}

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let paths = images(&args.faces)?;
    let decoded: Vec<RgbImage> = paths
        .iter()
        .map(|p| image::load(p))
        .collect::<Result<_, _>>()?;
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let mut rows = Vec::new();

    let pipeline = FacePipeline::load(&PipelineConfig::new(&args.models))?;
    // Like with like: both sides get the same frames, each photo as a kiosk camera gives it (at
    // most 640 px on its longest side), upright, written as PNG so the reference reads exactly
    // these pixels.
    let frames: Vec<RgbImage> = decoded.iter().map(|i| at_most(i, 640)).collect();
    let frames_dir =
        std::env::temp_dir().join(format!("attend-bench-frames-{}", std::process::id()));
    std::fs::create_dir_all(&frames_dir)?;
    let mut frame_names = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let path = frames_dir.join(format!("frame{i:03}.png"));
        ::image::RgbImage::from_raw(f.width, f.height, f.data.clone())
            .context("frame buffer")?
            .save(&path)
            .with_context(|| format!("writing {}", path.display()))?;
        frame_names.push(path.display().to_string());
    }
    let (ours, faces) = end_to_end(&pipeline, &frames, args.repeats)?;
    eprintln!(
        "end-to-end: {ours:.2} ms/frame, {faces} faces in {} frames of at most 640 px",
        frames.len()
    );
    let reference_e2e = if args.no_reference {
        None
    } else {
        let r = reference(args, &[vec!["e2e".to_owned()], frame_names].concat())?;
        eprintln!("reference end-to-end: {} faces", r["faces"]);
        Some((
            r["impl"].as_str().unwrap_or("face_recognition").to_owned(),
            ms(&r, "ms_per_image")?,
        ))
    };
    std::fs::remove_dir_all(&frames_dir).ok();
    rows.push(Row {
        name: "detect+align+embed per frame (≤ 640 px, same frames)".into(),
        ours_ms: ours,
        reference: reference_e2e.clone(),
        target: Some(20.0),
    });
    let mut liveness = LivenessConfig::new(&args.models);
    liveness.threads = 1;
    match LivenessChecker::load(&liveness) {
        Ok(checker) => {
            let (with, _) = end_to_end_with_liveness(&pipeline, &checker, &frames, args.repeats)?;
            eprintln!("end-to-end with the passive liveness check: {with:.2} ms/frame");
            rows.push(Row {
                name: "the same, with the passive liveness check".into(),
                ours_ms: with,
                reference: reference_e2e,
                // Reported beside the goal, which is for the pipeline without liveness.
                target: None,
            });
        }
        Err(e) => eprintln!("no liveness row: {e}"),
    }

    // The same YuNet weights: our dynamic-input export against OpenCV on the fixed one.
    let manifest = Manifest::bundled()?;
    let (dynamic, spec) = manifest.detector("yunet-2026may")?;
    let (fixed, _) = manifest.detector("yunet-2023mar")?;
    for (w, h) in [(320u32, 240u32), (640, 480)] {
        let detector = Detector::load(&args.models, &dynamic, &spec, 1)?.with_max_side(w.max(h));
        let frames: Vec<RgbImage> = decoded.iter().map(|i| i.resized(w, h)).collect();
        let (ours, found) = detection(&detector, &frames, args.repeats)?;
        eprintln!("YuNet {w}x{h}: {ours:.2} ms/frame, {found} faces");
        let reference_yunet = if args.no_reference {
            None
        } else {
            let model = args.models.join(&fixed.file).display().to_string();
            let call = [
                vec!["yunet".to_owned(), model, w.to_string(), h.to_string()],
                names.clone(),
            ]
            .concat();
            let r = reference(args, &call)?;
            Some((
                r["impl"].as_str().unwrap_or("opencv").to_owned(),
                ms(&r, "ms_per_frame")?,
            ))
        };
        rows.push(Row {
            name: format!("YuNet detection {w}x{h}"),
            ours_ms: ours,
            reference: reference_yunet,
            target: Some(1.0),
        });
    }

    let notes = matcher_rows(args, &mut rows)?;

    println!("| benchmark | attend-vision | reference | ratio (ref ÷ ours) | target | met |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        let target = r
            .target
            .map_or_else(|| "–".to_owned(), |t| format!("≥ {t}×"));
        match r.reference {
            Some((name, ref_ms)) => {
                let ratio = ref_ms / r.ours_ms;
                let met = match r.target {
                    Some(t) if ratio >= t => "yes",
                    Some(_) => "NO",
                    None => "–",
                };
                println!(
                    "| {} | {:.2} ms | {name}: {ref_ms:.2} ms | {ratio:.2}× | {target} | {met} |",
                    r.name, r.ours_ms
                );
            }
            None => println!(
                "| {} | {:.2} ms | – | – | {target} | – |",
                r.name, r.ours_ms
            ),
        }
    }
    println!(
        "threads: 1 for every implementation; times are the fastest of {} runs",
        args.repeats
    );
    for note in notes {
        println!("{note}");
    }
    println!("{}", memory_line(args)?);
    Ok(())
}

/// 1:N search, N = 100,000, d = 128, one query at a time: f32 and int8 against FAISS
/// `IndexFlatIP` on the same vectors (cosine workload, L2-normalised).
fn matcher_rows(args: &BenchArgs, rows: &mut Vec<Row>) -> anyhow::Result<Vec<String>> {
    let (n, dim, queries) = (100_000, 128, 1_000);
    let workload = Workload::clustered(Metric::Cosine, n, dim, queries, SEED);
    let report = run_workload(&workload);
    eprintln!(
        "matcher: f32 {:.0} q/s, int8 {:.0} q/s, int8 recall@1 {:.4}",
        report.qps_f32, report.qps_int8, report.recall_at_1_int8
    );
    let mut notes = vec![format!(
        "matcher: N={n}, d={dim}, {queries} queries; int8 recall@1 vs exact {:.4}; int8 identify agrees with f32 on {:.1}% of queries; gallery {:.1} MB",
        report.recall_at_1_int8,
        report.identify_agreement_int8 * 100.0,
        report.gallery_bytes as f64 / 1e6
    )];
    let faiss = if args.no_reference {
        None
    } else {
        let dir = std::env::temp_dir().join(format!("attend-bench-matcher-{}", std::process::id()));
        workload.write_raw(&dir)?;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/faiss_reference.py");
        let out = Command::new(&args.python)
            .arg(&script)
            .arg("--data")
            .arg(&dir)
            .output()
            .context("running the FAISS reference")?;
        if !out.status.success() {
            bail!(
                "FAISS reference failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let r: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        let top1: Vec<i64> = std::fs::read(dir.join("faiss_top1.i64"))?
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        let same = top1
            .iter()
            .zip(&report.top1_f32)
            .filter(|(f, o)| usize::try_from(**f).ok() == Some(**o))
            .count();
        notes.push(format!(
            "matcher: f32 top-1 identical to FAISS on {same}/{} queries",
            top1.len()
        ));
        std::fs::remove_dir_all(&dir).ok();
        Some((
            r["impl"].as_str().unwrap_or("faiss").to_owned(),
            1000.0 / ms(&r, "qps")?,
        ))
    };
    rows.push(Row {
        name: format!("1:N match f32, N={n}"),
        ours_ms: 1000.0 / report.qps_f32,
        reference: faiss.clone(),
        target: Some(1.0),
    });
    rows.push(Row {
        name: format!("1:N match int8, N={n}"),
        ours_ms: 1000.0 / report.qps_int8,
        reference: faiss,
        target: Some(2.0),
    });
    Ok(notes)
}

/// Peak memory of a fresh process holding both models and a 10,000-person gallery.
fn memory_line(args: &BenchArgs) -> anyhow::Result<String> {
    let out = Command::new(std::env::current_exe()?)
        .args(["memory", "--models"])
        .arg(&args.models)
        .output()
        .context("running `attend-vision memory`")?;
    if !out.status.success() {
        bail!(
            "memory measurement failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[derive(clap::Args, Debug)]
pub struct MemoryArgs {
    #[arg(long, default_value = ".cache/models")]
    pub models: PathBuf,
    #[arg(long, default_value_t = 10_000)]
    pub persons: usize,
    #[arg(long, default_value_t = 3)]
    pub templates_per_person: usize,
}

/// Loads both models, enrols a synthetic gallery, runs one search, and reports peak RSS.
pub fn memory(args: &MemoryArgs) -> anyhow::Result<()> {
    let before = peak_rss_mib().unwrap_or(0.0);
    let pipeline = FacePipeline::load(&PipelineConfig::new(&args.models))?;
    let dim = pipeline.embedder().model().embedder.dim;
    let models = peak_rss_mib().unwrap_or(0.0);
    let mut gallery = Gallery::<u64>::new(dim, pipeline.metric())?;
    let mut state = SEED;
    let mut next = || {
        // SplitMix64 → a value in [-0.25, 0.25): dlib descriptors have components of this size.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f32 / (1u64 << 53) as f32 * 0.5 - 0.25
    };
    for person in 0..args.persons as u64 {
        for _ in 0..args.templates_per_person {
            let t: Vec<f32> = (0..dim).map(|_| next()).collect();
            gallery.add(person, &t)?;
        }
    }
    let query: Vec<f32> = (0..dim).map(|_| next()).collect();
    let matcher = Matcher {
        storage: Storage::INT8,
        ..Matcher::new(pipeline.metric())
    };
    let decision = matcher.identify(&gallery, &query)?;
    let peak = peak_rss_mib().unwrap_or(0.0);
    println!(
        "memory: peak RSS {peak:.1} MiB with both models and {} persons x {} templates (process start {before:.1} MiB, after models {models:.1} MiB, gallery {:.1} MB); probe search: {}",
        args.persons,
        args.templates_per_person,
        gallery.memory_bytes() as f64 / 1e6,
        if matches!(decision, attend_vision::matcher::Decision::Match { .. }) {
            "match"
        } else {
            "unknown"
        },
    );
    Ok(())
}
