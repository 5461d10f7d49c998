//! Finding and loading ONNX Runtime. The library is loaded at run time (`ort`'s `load-dynamic`),
//! from the first of: an explicit path (config), `ORT_DYLIB_PATH`, or the project cache that
//! `scripts/setup-ort.sh` fills from the pinned PyPI `onnxruntime` wheel. The environment is
//! created once per process; every session shares it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::environment::Environment;

/// Where the setup script caches the library, relative to the workspace root.
pub const CACHE_DIR: &str = ".cache/onnxruntime";

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(
        "ONNX Runtime library not found (looked at: {looked}). Run `bash scripts/setup-ort.sh` \
         or set ORT_DYLIB_PATH to libonnxruntime.so.1.31.x"
    )]
    NotFound { looked: String },
    #[error(
        "could not load ONNX Runtime from {path}: {reason}. It must be libonnxruntime.so 1.24 or \
         newer for this CPU architecture; run `bash scripts/setup-ort.sh` to fetch the pinned one"
    )]
    Load { path: PathBuf, reason: String },
    #[error("ONNX Runtime was already initialised from {0}")]
    AlreadyLoaded(PathBuf),
}

/// The host architecture as the cache names it.
pub fn arch() -> &'static str {
    std::env::consts::ARCH
}

/// Candidate library paths in priority order.
pub fn candidates(explicit: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(p) = explicit {
        out.push(p.to_owned());
    }
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        out.push(PathBuf::from(p));
    }
    // The cache lives at the workspace root; look upwards from the current directory and from
    // this crate's source directory so tests, benches and the CLI all find it.
    let mut roots: Vec<PathBuf> = std::env::current_dir().into_iter().collect();
    roots.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    for root in roots {
        for dir in root.ancestors() {
            out.push(dir.join(CACHE_DIR).join(arch()).join("libonnxruntime.so"));
        }
    }
    out
}

/// Resolves the library path without loading it. An explicit (configured) path is final: if it
/// is wrong, that is the error, rather than silently loading some other library.
pub fn resolve(explicit: Option<&Path>) -> Result<PathBuf, RuntimeError> {
    if let Some(p) = explicit {
        return if p.is_file() {
            Ok(p.to_owned())
        } else {
            Err(RuntimeError::NotFound {
                looked: p.display().to_string(),
            })
        };
    }
    let all = candidates(explicit);
    all.iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| RuntimeError::NotFound {
            looked: all
                .iter()
                .take(4)
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

static ENVIRONMENT: OnceLock<(PathBuf, Environment)> = OnceLock::new();
/// Serialises the first load: the dynamic loader must run exactly once per process.
static LOADING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Loads ONNX Runtime once and returns the shared environment.
pub fn environment(explicit: Option<&Path>) -> Result<&'static Environment, RuntimeError> {
    if let Some((loaded, env)) = ENVIRONMENT.get() {
        if let Some(p) = explicit
            && p != loaded
        {
            return Err(RuntimeError::AlreadyLoaded(loaded.clone()));
        }
        return Ok(env);
    }
    let _guard = LOADING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, env)) = ENVIRONMENT.get() {
        return Ok(env);
    }
    let path = resolve(explicit)?;
    let load = |reason: String| RuntimeError::Load {
        path: path.clone(),
        reason,
    };
    let builder = ort::init_from(&path).map_err(|e| load(e.to_string()))?;
    let env = builder
        .with_name("attend-vision")
        .build()
        .map_err(|e| load(e.to_string()))?;
    Ok(&ENVIRONMENT.get_or_init(|| (path, env)).1)
}
