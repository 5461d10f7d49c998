//! Throughput/recall benchmark (not a test: it asserts nothing and is timed).
//!
//! Synthetic but face-like data: each person is a random centre; each template
//! and query is the centre plus noise (same-person cosine ≈ 0.5, different
//! persons ≈ 0 ± 0.09, so the best impostor over 20,000 persons often gets
//! near the 0.363 threshold). 10% of queries are impostors (persons not
//! enrolled), the hard case for int8 ranking.
//!
//! Queries run one at a time on the calling thread. Each storage mode gets a
//! warm-up, then `PASSES` timed passes; the best pass counts (least disturbed by
//! other processes). `Workload::write_raw` exports the exact stored vectors so
//! an external reference (vision/bench/faiss_reference.py) scans identical data.

use std::fmt;
use std::io::{self, Write};
use std::path::Path;
use std::time::Instant;

use super::{Decision, Gallery, Matcher, Metric, Storage};

const PASSES: usize = 3;
const TEMPLATES_PER_PERSON: usize = 5;
const IMPOSTOR_EVERY: usize = 10;
/// Seed used by [`run`].
pub const SEED: u64 = 0x00A7_7E4D;

/// A gallery plus prepared (validated, normalised) queries.
#[derive(Debug)]
pub struct Workload {
    pub gallery: Gallery<u64>,
    /// `queries.len() / dim` queries, row-major.
    pub queries: Vec<f32>,
    /// The enrolled person each query was drawn from (`None`: impostor).
    pub truth: Vec<Option<u64>>,
}

/// Result of [`run`]. Scores of both paths are exact; `recall_at_1_int8` is the
/// fraction of queries whose int8 top-1 row equals the f32 top-1 row.
#[derive(Debug, Clone)]
pub struct BenchReport {
    pub n: usize,
    pub dim: usize,
    pub queries: usize,
    pub qps_f32: f64,
    pub qps_int8: f64,
    pub qps_identify_f32: f64,
    pub qps_identify_int8: f64,
    pub recall_at_1_int8: f64,
    /// Fraction of queries where int8 `identify` returned the same decision.
    pub identify_agreement_int8: f64,
    /// f32 top-1 row per query, to compare with an external reference.
    pub top1_f32: Vec<usize>,
    pub gallery_bytes: usize,
}

/// SplitMix64 with Box–Muller normals: tiny, seedable, no dependency.
#[derive(Debug)]
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    pub(super) fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }

    /// A random direction scaled to length `len`.
    pub(super) fn vector(&mut self, dim: usize, len: f64) -> Vec<f64> {
        let v: Vec<f64> = (0..dim).map(|_| self.normal()).collect();
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.into_iter().map(|x| x * len / norm).collect()
    }
}

impl Workload {
    /// `n` templates (5 per person) and `queries` queries, deterministic in `seed`.
    /// Cosine mimics SFace (unit vectors); Euclidean mimics dlib (norm ≈ 1.35,
    /// same person ≈ 0.4 apart, different persons ≈ 0.9).
    pub fn clustered(metric: Metric, n: usize, dim: usize, queries: usize, seed: u64) -> Self {
        let mut rng = Rng(seed);
        let (centre_len, noise_len) = match metric {
            Metric::Cosine => (1.0, 1.0),
            Metric::Euclidean => (0.65, 0.28),
        };
        // dlib descriptors share a large common component; SFace ones do not.
        let mean = match metric {
            Metric::Cosine => vec![0.0; dim],
            Metric::Euclidean => rng.vector(dim, 1.15),
        };
        let persons = n.div_ceil(TEMPLATES_PER_PERSON).max(1);
        let centres: Vec<Vec<f64>> = (0..persons).map(|_| rng.vector(dim, centre_len)).collect();
        let sample = |rng: &mut Rng, centre: &[f64]| -> Vec<f32> {
            let noise = rng.vector(dim, noise_len);
            (0..dim)
                .map(|i| (mean[i] + centre[i] + noise[i]) as f32)
                .collect()
        };
        let mut gallery = Gallery::new(dim, metric).expect("bench dimension is valid");
        gallery.reserve(n);
        for row in 0..n {
            let p = row / TEMPLATES_PER_PERSON;
            let t = sample(&mut rng, &centres[p]);
            gallery
                .add(p as u64, &t)
                .expect("synthetic templates are finite");
        }
        let mut qs = Vec::with_capacity(queries * dim);
        let mut truth = Vec::with_capacity(queries);
        for i in 0..queries {
            let (centre, who) = if i % IMPOSTOR_EVERY == IMPOSTOR_EVERY - 1 {
                (rng.vector(dim, centre_len), None)
            } else {
                let p = (rng.next_u64() % persons as u64) as usize;
                (centres[p].clone(), Some(p as u64))
            };
            let q = sample(&mut rng, &centre);
            qs.extend(gallery.prepare(&q).expect("synthetic queries are finite"));
            truth.push(who);
        }
        Self {
            gallery,
            queries: qs,
            truth,
        }
    }

    /// Writes `gallery.f32` and `queries.f32` (raw little-endian f32,
    /// row-major, exactly the stored/searched vectors) and `meta.json`.
    pub fn write_raw(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let g = &self.gallery;
        let rows = (0..g.len()).filter_map(|r| g.row(r)).flatten();
        write_f32(&dir.join("gallery.f32"), rows)?;
        write_f32(&dir.join("queries.f32"), self.queries.iter())?;
        let meta = format!(
            "{{\"n\": {}, \"d\": {}, \"queries\": {}, \"metric\": \"{:?}\"}}\n",
            g.len(),
            g.dim(),
            self.queries.len() / g.dim(),
            g.metric()
        );
        std::fs::write(dir.join("meta.json"), meta)
    }
}

fn write_f32<'a>(path: &Path, values: impl Iterator<Item = &'a f32>) -> io::Result<()> {
    let mut w = io::BufWriter::new(std::fs::File::create(path)?);
    for v in values {
        w.write_all(&v.to_le_bytes())?;
    }
    w.flush()
}

/// Cosine workload (comparable with FAISS `IndexFlatIP`), seed [`SEED`].
pub fn run(n: usize, dim: usize, queries: usize) -> BenchReport {
    run_workload(&Workload::clustered(Metric::Cosine, n, dim, queries, SEED))
}

/// Times `search(k = 1)` and `identify` for both storages on `w`.
pub fn run_workload(w: &Workload) -> BenchReport {
    let g = &w.gallery;
    let queries: Vec<&[f32]> = w.queries.chunks_exact(g.dim()).collect();
    let f32m = Matcher {
        storage: Storage::F32,
        ..Matcher::new(g.metric())
    };
    let int8m = Matcher {
        storage: Storage::INT8,
        ..f32m
    };
    let top1 = |m: &Matcher, q: &[f32]| {
        m.search(g, q, 1)
            .ok()
            .and_then(|h| h.first().map(|h| h.row))
    };
    let ident = |m: &Matcher, q: &[f32]| m.identify(g, q).ok();

    let top1_f32: Vec<usize> = queries
        .iter()
        .map(|q| top1(&f32m, q).unwrap_or(usize::MAX))
        .collect();
    let top1_int8: Vec<usize> = queries
        .iter()
        .map(|q| top1(&int8m, q).unwrap_or(usize::MAX))
        .collect();
    let same = top1_f32
        .iter()
        .zip(&top1_int8)
        .filter(|(a, b)| a == b)
        .count();
    let id_f32: Vec<Option<Decision<u64>>> = queries.iter().map(|q| ident(&f32m, q)).collect();
    let id_same = queries
        .iter()
        .zip(&id_f32)
        .filter(|(q, d)| ident(&int8m, q) == **d)
        .count();
    let nq = queries.len().max(1) as f64;

    BenchReport {
        n: g.len(),
        dim: g.dim(),
        queries: queries.len(),
        qps_f32: qps(&queries, |q| top1(&f32m, q)),
        qps_int8: qps(&queries, |q| top1(&int8m, q)),
        qps_identify_f32: qps(&queries, |q| ident(&f32m, q)),
        qps_identify_int8: qps(&queries, |q| ident(&int8m, q)),
        recall_at_1_int8: same as f64 / nq,
        identify_agreement_int8: id_same as f64 / nq,
        top1_f32,
        gallery_bytes: g.memory_bytes(),
    }
}

/// Best-of-`PASSES` `search(k = 1)` queries per second on `w` (for paired,
/// interleaved comparisons with an external reference on a noisy machine).
pub fn search_qps(w: &Workload, storage: Storage) -> f64 {
    let g = &w.gallery;
    let queries: Vec<&[f32]> = w.queries.chunks_exact(g.dim()).collect();
    let m = Matcher {
        storage,
        ..Matcher::new(g.metric())
    };
    qps(&queries, |q| {
        m.search(g, q, 1)
            .ok()
            .and_then(|h| h.first().map(|h| h.row))
    })
}

/// Best-of-`PASSES` queries per second, one query at a time.
fn qps<T>(queries: &[&[f32]], mut f: impl FnMut(&[f32]) -> T) -> f64 {
    for q in queries.iter().take(50) {
        std::hint::black_box(f(q));
    }
    let mut best = f64::INFINITY;
    for _ in 0..PASSES {
        let start = Instant::now();
        for q in queries {
            std::hint::black_box(f(std::hint::black_box(q)));
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    queries.len() as f64 / best
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "n = {}, d = {}, queries = {} (1 thread, 1 query at a time)",
            self.n, self.dim, self.queries
        )?;
        writeln!(
            f,
            "gallery memory: {:.1} MB",
            self.gallery_bytes as f64 / 1e6
        )?;
        writeln!(f, "search k=1  f32 : {:>9.1} qps", self.qps_f32)?;
        writeln!(
            f,
            "search k=1  int8: {:>9.1} qps  ({:.2}x f32)",
            self.qps_int8,
            self.qps_int8 / self.qps_f32
        )?;
        writeln!(f, "identify    f32 : {:>9.1} qps", self.qps_identify_f32)?;
        writeln!(f, "identify    int8: {:>9.1} qps", self.qps_identify_int8)?;
        writeln!(f, "int8 recall@1 vs f32: {:.4}", self.recall_at_1_int8)?;
        write!(
            f,
            "int8 identify decisions equal to f32: {:.4}",
            self.identify_agreement_int8
        )
    }
}
