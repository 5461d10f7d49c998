//! `attendd setup`: puts the files face recognition needs in place, each checked against its
//! sha256 before it is used: ONNX Runtime (`recognition.ort_library`), the manifest's default
//! detector and embedder and, when the `--from` directory has them, its liveness models
//! (`recognition.models_dir`). Nothing is bundled in the package. The liveness models have no
//! download (they are converted from Minivision's weights), so without them setup still
//! succeeds and says so; the kiosk then recognises faces and each face punch says its liveness
//! check could not run.
//!
//! Sources: `--from DIR` copies the files from a directory (made on a workstation with
//! `scripts/setup-ort.sh aarch64` and `scripts/setup-models.sh`); otherwise a model with an
//! official URL is downloaded from it, and ONNX Runtime is taken out of its pinned PyPI wheel.
//! Invariants: a file is only ever installed with the expected sha256 (written beside the
//! destination, checked, then renamed), so a failed or tampered fetch leaves nothing behind;
//! a file already in place with the right hash is left alone.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use attend_vision::manifest::{Manifest, Role};

use crate::config::Config;

/// ONNX Runtime, as `scripts/lib.sh` and `scripts/setup-ort.sh` pin it (a test keeps them in step).
pub const ORT_VERSION: &str = "1.31.1";
/// (architecture, sha256 of the cp311 wheel on PyPI, sha256 of the library inside it)
pub const ORT_PINS: [(&str, &str, &str); 2] = [
    (
        "x86_64",
        "5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f",
        "fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3",
    ),
    (
        "aarch64",
        "da05378364c44d4407e463982d2bf8d5e4cfea873283757e48beeb41df97b7f3",
        "8aa3b76b28c778a2b1dd660d34161adb1d508c9ccd04ff9dc80e26eca5df8467",
    ),
];
const PYPI: &str = "https://pypi.org";

/// Where a needed file can come from when there is no `--from` directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Url(String),
    /// The library inside the pinned wheel: (wheel sha256).
    OrtWheel(String),
    /// Converted by the model tools; only `--from` can supply it.
    Converted,
}

/// One file to install.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Needed {
    pub name: String,
    pub dest: PathBuf,
    pub sha256: String,
    pub origin: Origin,
    /// Installed when a source has it, reported and skipped otherwise.
    pub optional: bool,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes))
}

/// What this kiosk's configuration needs.
pub fn plan(config: &Config) -> anyhow::Result<Vec<Needed>> {
    let manifest = Manifest::bundled()?;
    let dir = &config.recognition.models_dir;
    let mut needed = Vec::new();
    let default = |role| {
        manifest
            .default_id(role)
            .with_context(|| format!("the manifest names no default {role:?}"))
    };
    let detector = manifest.detector(default(Role::Detector)?)?.0;
    let embedder = manifest.embedder(default(Role::Embedder)?)?.spec;
    let liveness = manifest
        .ids(Role::Liveness)
        .into_iter()
        .map(|id| Ok(manifest.liveness(id)?.spec))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let required = [detector, embedder].into_iter().map(|s| (s, false));
    for (spec, optional) in required.chain(liveness.into_iter().map(|s| (s, true))) {
        needed.push(Needed {
            dest: dir.join(&spec.file),
            name: spec.file.clone(),
            sha256: spec.sha256.clone(),
            origin: spec.url.clone().map_or(Origin::Converted, Origin::Url),
            optional,
        });
    }
    let lib = config.recognition.ort_library.clone().context(
        "set recognition.ort_library in the configuration (where ONNX Runtime is to be installed)",
    )?;
    let (_, wheel, library) = ORT_PINS
        .iter()
        .find(|(arch, _, _)| *arch == std::env::consts::ARCH)
        .with_context(|| format!("no ONNX Runtime pinned for {}", std::env::consts::ARCH))?;
    needed.push(Needed {
        name: format!("libonnxruntime.so.{ORT_VERSION}"),
        dest: lib,
        sha256: (*library).to_owned(),
        origin: Origin::OrtWheel((*wheel).to_owned()),
        optional: false,
    });
    Ok(needed)
}

/// Writes `bytes` to `dest` only if they hash to `sha256`: beside it first, then renamed.
pub fn install_checked(dest: &Path, bytes: &[u8], sha256: &str, what: &str) -> anyhow::Result<()> {
    let got = sha256_hex(bytes);
    if got != sha256 {
        bail!("{what}: sha256 is {got}, expected {sha256}; nothing installed");
    }
    let dir = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let partial = dest.with_extension("partial");
    std::fs::write(&partial, bytes).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, dest).with_context(|| format!("installing {}", dest.display()))?;
    Ok(())
}

/// The library file out of an ONNX Runtime wheel (a zip).
pub fn library_from_wheel(wheel: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(wheel)).context("reading the wheel")?;
    let name = format!("onnxruntime/capi/libonnxruntime.so.{ORT_VERSION}");
    let mut file = zip
        .by_name(&name)
        .with_context(|| format!("the wheel has no {name}"))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut bytes).context("unpacking the library")?;
    Ok(bytes)
}

async fn download(client: &reqwest::Client, url: &str) -> anyhow::Result<Vec<u8>> {
    let r = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("fetching {url}"))?;
    let r = r
        .error_for_status()
        .with_context(|| format!("fetching {url}"))?;
    Ok(r.bytes()
        .await
        .with_context(|| format!("reading {url}"))?
        .to_vec())
}

/// The wheel whose sha256 is pinned, found through PyPI's JSON API.
async fn ort_wheel(client: &reqwest::Client, index: &str, sha256: &str) -> anyhow::Result<Vec<u8>> {
    let meta: serde_json::Value = client
        .get(format!("{index}/pypi/onnxruntime/{ORT_VERSION}/json"))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .context("asking PyPI for the onnxruntime wheels")?
        .json()
        .await
        .context("reading PyPI's answer")?;
    let url = meta["urls"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["digests"]["sha256"] == sha256)
        .and_then(|f| f["url"].as_str())
        .with_context(|| {
            format!("PyPI lists no onnxruntime {ORT_VERSION} wheel with sha256 {sha256}")
        })?;
    let wheel = download(client, url).await?;
    let got = sha256_hex(&wheel);
    if got != sha256 {
        bail!("the onnxruntime wheel's sha256 is {got}, expected {sha256}");
    }
    Ok(wheel)
}

/// Installs every needed file; answers one line per file saying what happened.
pub async fn run(
    needed: &[Needed],
    from: Option<&Path>,
    index: Option<&str>,
) -> anyhow::Result<Vec<String>> {
    let client = reqwest::Client::builder()
        .user_agent(concat!("attendd/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let mut report = Vec::new();
    for n in needed {
        if std::fs::read(&n.dest).is_ok_and(|b| sha256_hex(&b) == n.sha256) {
            report.push(format!(
                "{}: already installed at {}",
                n.name,
                n.dest.display()
            ));
            continue;
        }
        let from_has = from.is_some_and(|dir| dir.join(&n.name).is_file());
        if n.optional && !from_has && matches!(n.origin, Origin::Converted) {
            report.push(format!(
                "{}: not installed (optional, for the liveness check; it has no download: put it \
                 in a directory and run attendd setup --from DIR)",
                n.name
            ));
            continue;
        }
        let bytes = match (from, &n.origin) {
            (Some(dir), _) => {
                let src = dir.join(&n.name);
                std::fs::read(&src)
                    .with_context(|| format!("{}: reading {}", n.name, src.display()))?
            }
            (None, Origin::Url(url)) => download(&client, url).await?,
            (None, Origin::OrtWheel(wheel)) => {
                library_from_wheel(&ort_wheel(&client, index.unwrap_or(PYPI), wheel).await?)?
            }
            (None, Origin::Converted) => bail!(
                "{}: no official download exists (it is converted from dlib's model): run \
                 `bash scripts/setup-models.sh` on a workstation, copy .cache/models/{} into a \
                 directory here and run `attendd setup --from DIR`",
                n.name,
                n.name
            ),
        };
        install_checked(&n.dest, &bytes, &n.sha256, &n.name)?;
        report.push(format!(
            "{}: installed at {} (sha256 checked)",
            n.name,
            n.dest.display()
        ));
    }
    Ok(report)
}
