//! Command handling for the `attend-vision` binary. Output is JSON lines on stdout; errors are
//! one clear message on stderr with a non-zero exit code.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use attend_vision::{FacePipeline, PipelineConfig, image};
use clap::{Args, Parser, Subcommand};
use serde_json::json;

#[derive(Parser, Debug)]
#[command(
    name = "attend-vision",
    version,
    about = "Attend face pipeline: detect, align, embed, compare, liveness"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
struct ModelArgs {
    /// Directory with the model files (see `bash scripts/setup-models.sh`).
    #[arg(long, default_value = ".cache/models")]
    models: PathBuf,
    /// Model manifest.
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Detector id from the manifest (default: the manifest's first detector).
    #[arg(long)]
    detector: Option<String>,
    /// Embedder id from the manifest (default: the manifest's first embedder).
    #[arg(long)]
    embedder: Option<String>,
    /// Inference threads per model.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// ONNX Runtime library (default: ORT_DYLIB_PATH, then .cache/onnxruntime/<arch>/).
    #[arg(long)]
    ort_lib: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// One JSON line per image: faces, boxes, scores, landmarks and embeddings.
    Embed {
        #[command(flatten)]
        models: ModelArgs,
        /// Also write each face's aligned chip (the embedder's input) into this directory as a
        /// binary PPM, `<image index>-<face index>.ppm`, named in the face's "chip" field.
        #[arg(long)]
        chips: Option<PathBuf>,
        #[arg(required = true)]
        images: Vec<PathBuf>,
    },
    /// Compare the largest faces of two images: {"score", "same", "threshold"}.
    Compare {
        #[command(flatten)]
        models: ModelArgs,
        a: PathBuf,
        b: PathBuf,
    },
    /// Time each benchmark against its reference on the same images; prints ratios.
    Bench(crate::cli_bench::BenchArgs),
    /// Peak memory with both models and a gallery (10,000 persons by default).
    Memory(crate::cli_bench::MemoryArgs),
    /// Passive liveness of each image's largest face: one JSON line per image with "live"
    /// (null when no face passes the framing gate), "score", "scores" and "reason".
    Liveness(crate::cli_liveness::LivenessArgs),
    /// Score a CSV of pairs (columns img_a,img_b): one JSON line per pair.
    VerifyPairs {
        #[command(flatten)]
        models: ModelArgs,
        /// Directory the CSV's image paths are relative to.
        #[arg(long)]
        images: PathBuf,
        #[arg(long)]
        pairs: PathBuf,
        /// Decision threshold (default: the embedder's from the manifest).
        #[arg(long)]
        threshold: Option<f32>,
    },
}

fn pipeline(args: &ModelArgs) -> anyhow::Result<FacePipeline> {
    let mut config = PipelineConfig::new(&args.models);
    if let Some(m) = &args.manifest {
        config.manifest = Some(m.clone());
    }
    config.detector.clone_from(&args.detector);
    config.embedder.clone_from(&args.embedder);
    config.threads = args.threads;
    config.ort_library.clone_from(&args.ort_lib);
    Ok(FacePipeline::load(&config)?)
}

fn embed_file(p: &FacePipeline, path: &Path) -> anyhow::Result<Vec<f32>> {
    let img = image::load(path)?;
    Ok(p.embed_largest(&img, path)?)
}

/// Binary PPM (P6): lossless, and readable by OpenCV and most viewers without an encoder here.
fn write_ppm(path: &Path, chip: &image::RgbImage) -> anyhow::Result<()> {
    let mut bytes = format!("P6\n{} {}\n255\n", chip.width, chip.height).into_bytes();
    bytes.extend_from_slice(&chip.data);
    std::fs::write(path, bytes).with_context(|| format!("writing chip {}", path.display()))
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Bench(args) => crate::cli_bench::run(&args)?,
        Command::Memory(args) => crate::cli_bench::memory(&args)?,
        Command::Liveness(args) => crate::cli_liveness::run(&args)?,
        Command::Embed {
            models,
            chips,
            images,
        } => {
            let p = pipeline(&models)?;
            for (i, path) in images.iter().enumerate() {
                let img = image::load(path)?;
                let faces = p.faces(&img)?;
                let mut faces = serde_json::to_value(&faces)?;
                if let (Some(dir), Some(list)) = (&chips, faces.as_array_mut()) {
                    // The same detections, in the same order, as `faces` found.
                    let detections = p.detector().detect(&img)?;
                    for (j, face) in list.iter_mut().enumerate() {
                        let Some(chip) = detections.get(j).and_then(|d| p.chip(&img, d)) else {
                            continue;
                        };
                        let file = dir.join(format!("{i}-{j}.ppm"));
                        write_ppm(&file, &chip)?;
                        face["chip"] = json!(file);
                    }
                }
                writeln!(
                    out,
                    "{}",
                    json!({"image": path, "width": img.width, "height": img.height, "faces": faces})
                )?;
            }
        }
        Command::Compare { models, a, b } => {
            let p = pipeline(&models)?;
            let (ea, eb) = (embed_file(&p, &a)?, embed_file(&p, &b)?);
            let score = p.metric().score(&ea, &eb);
            let threshold = p.threshold();
            writeln!(
                out,
                "{}",
                json!({"score": score, "same": p.metric().is_match(score, threshold), "threshold": threshold})
            )?;
        }
        Command::VerifyPairs {
            models,
            images,
            pairs,
            threshold,
        } => {
            let p = pipeline(&models)?;
            let threshold = threshold.unwrap_or_else(|| p.threshold());
            let text = std::fs::read_to_string(&pairs)
                .with_context(|| format!("reading pairs CSV {}", pairs.display()))?;
            let mut lines = text.lines().filter(|l| !l.trim().is_empty());
            let header: Vec<&str> = lines
                .next()
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .collect();
            let col = |name: &str| header.iter().position(|h| *h == name);
            let (Some(ia), Some(ib)) = (col("img_a"), col("img_b")) else {
                bail!(
                    "{}: the header must have columns img_a and img_b, found {header:?}",
                    pairs.display()
                );
            };
            let mut cache = std::collections::HashMap::new();
            for (n, line) in lines.enumerate() {
                let cells: Vec<&str> = line.split(',').map(str::trim).collect();
                let (Some(a), Some(b)) = (cells.get(ia), cells.get(ib)) else {
                    bail!(
                        "{} line {}: expected at least {} columns",
                        pairs.display(),
                        n + 2,
                        ia.max(ib) + 1
                    );
                };
                let mut get = |name: &str| -> anyhow::Result<Vec<f32>> {
                    if let Some(e) = cache.get(name) {
                        return Ok(Vec::clone(e));
                    }
                    let e = embed_file(&p, &images.join(name))?;
                    cache.insert(name.to_owned(), e.clone());
                    Ok(e)
                };
                let (ea, eb) = (get(a)?, get(b)?);
                let score = p.metric().score(&ea, &eb);
                writeln!(
                    out,
                    "{}",
                    json!({"img_a": a, "img_b": b, "score": score, "same": p.metric().is_match(score, threshold), "threshold": threshold})
                )?;
            }
        }
    }
    Ok(())
}
