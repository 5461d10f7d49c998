//! `attend-vision bench`: each benchmark against its reference, on the same images, in one run.
//! Prints a table of ratios (reference time ÷ our time, so > 1 means we are faster).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use attend_vision::bench::{detection, end_to_end};
use attend_vision::detect::Detector;
use attend_vision::image::{self, RgbImage};
use attend_vision::manifest::Manifest;
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
    target: f64,
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
    let (ours, faces) = end_to_end(&pipeline, &decoded, args.repeats)?;
    eprintln!(
        "end-to-end: {ours:.2} ms/image, {faces} faces in {} images",
        decoded.len()
    );
    let reference_e2e = if args.no_reference {
        None
    } else {
        let r = reference(args, &[vec!["e2e".to_owned()], names.clone()].concat())?;
        Some((
            r["impl"].as_str().unwrap_or("face_recognition").to_owned(),
            ms(&r, "ms_per_image")?,
        ))
    };
    rows.push(Row {
        name: "detect+align+embed per image".into(),
        ours_ms: ours,
        reference: reference_e2e,
        target: 10.0,
    });

    // The same YuNet weights: our dynamic-input export against OpenCV on the fixed one.
    let manifest = Manifest::load(&attend_vision::manifest::bundled_manifest_path())?;
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
            target: 1.0,
        });
    }

    println!("| benchmark | attend-vision | reference | ratio (ref ÷ ours) | target | met |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        match r.reference {
            Some((name, ref_ms)) => {
                let ratio = ref_ms / r.ours_ms;
                let met = if ratio >= r.target { "yes" } else { "NO" };
                println!(
                    "| {} | {:.2} ms | {name}: {ref_ms:.2} ms | {ratio:.2}× | ≥ {}× | {met} |",
                    r.name, r.ours_ms, r.target
                );
            }
            None => println!(
                "| {} | {:.2} ms | – | – | ≥ {}× | – |",
                r.name, r.ours_ms, r.target
            ),
        }
    }
    println!(
        "threads: 1 for every implementation; times are the fastest of {} runs",
        args.repeats
    );
    Ok(())
}
