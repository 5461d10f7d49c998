//! `attendd setup`: ONNX Runtime and the models installed from a directory or downloaded, each
//! only with its pinned sha256 (a tampered file installs nothing), and the result loads.
//! A binary of its own (not a module of `kiosk/`): ONNX Runtime loads once per process, and the
//! load checked here must be of the library this test installed.

use std::io::Write as _;
use std::path::Path;

use attend_device::config::Config;
use attend_device::setup::{
    Needed, ORT_PINS, ORT_VERSION, Origin, library_from_wheel, plan, run, sha256_hex,
};
use attend_testkit::{models_dir, repo_root};

/// A directory as an operator would carry to a kiosk: the models and this machine's ONNX
/// Runtime, from the workstation caches (`scripts/setup-models.sh`, `scripts/setup-ort.sh`).
fn carried(into: &Path, needed: &[Needed]) {
    let models = models_dir();
    let ort = repo_root()
        .join(".cache/onnxruntime")
        .join(std::env::consts::ARCH);
    for n in needed {
        let src = if n.name.starts_with("libonnxruntime") {
            ort.join(&n.name)
        } else if n.optional {
            // The liveness models: converted, never fetched; from ../shared/models.
            attend_testkit::shared_models(&[n.name.as_str()]).join(&n.name)
        } else {
            models.join(&n.name)
        };
        assert!(
            src.is_file(),
            "{} missing: run `bash scripts/setup-models.sh` and `bash scripts/setup-ort.sh`",
            src.display()
        );
        std::fs::copy(&src, into.join(&n.name)).expect("copied");
    }
}

fn config(dest: &Path) -> Config {
    let mut c = Config {
        state_dir: dest.join("state"),
        ..Config::default()
    };
    c.recognition.models_dir = dest.join("models");
    c.recognition.ort_library =
        Some(dest.join(format!("onnxruntime/libonnxruntime.so.{ORT_VERSION}")));
    c
}

#[tokio::test]
async fn setup_from_a_directory_installs_checked_files_that_load_and_then_leaves_them() {
    let (from, dest) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let config = config(dest.path());
    let needed = plan(&config).expect("plan");
    assert_eq!(needed.len(), 5, "{needed:?}");
    assert_eq!(
        needed.iter().filter(|n| n.optional).count(),
        2,
        "the two liveness models"
    );
    assert_eq!(
        needed[1].origin,
        Origin::Converted,
        "dlib's model has no download"
    );
    carried(from.path(), &needed);
    let report = run(&needed, Some(from.path()), None)
        .await
        .expect("installed");
    assert!(
        report
            .iter()
            .all(|l| l.contains("installed at") && l.contains("sha256 checked")),
        "{report:?}"
    );
    // The installed runtime and models are the ones the kiosk loads.
    attend_vision::FacePipeline::load(&config.pipeline()).expect("the installed files load");
    attend_vision::liveness::LivenessChecker::load(&attend_vision::liveness::LivenessConfig::new(
        &config.recognition.models_dir,
    ))
    .expect("the installed liveness models load");
    let again = run(&needed, Some(from.path()), None)
        .await
        .expect("idempotent");
    assert!(
        again.iter().all(|l| l.contains("already installed")),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_tampered_file_is_refused_and_nothing_of_it_is_installed() {
    let (from, dest) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let config = config(dest.path());
    let needed = plan(&config).expect("plan");
    carried(from.path(), &needed);
    let detector = from.path().join(&needed[0].name);
    let mut bytes = std::fs::read(&detector).expect("read");
    bytes[1000] ^= 0xff;
    std::fs::write(&detector, &bytes).expect("tampered");
    let e = run(&needed, Some(from.path()), None)
        .await
        .expect_err("refused");
    let text = format!("{e:#}");
    assert!(
        text.starts_with(&format!(
            "{}: sha256 is {}, expected {}",
            needed[0].name,
            sha256_hex(&bytes),
            needed[0].sha256
        )),
        "{text}"
    );
    assert!(!needed[0].dest.exists() && !needed[0].dest.with_extension("partial").exists());
    // Without a directory, the converted model cannot be fetched, and the message says how.
    let e = run(&needed[1..2], None, None)
        .await
        .expect_err("no download");
    assert!(format!("{e}").contains("attendd setup --from DIR"), "{e}");
}

#[tokio::test]
async fn a_model_is_downloaded_from_its_url_and_checked() {
    let served = b"not really a model, but bytes with a known hash".to_vec();
    let body = served.clone();
    let app = axum::Router::new()
        .route(
            "/good.onnx",
            axum::routing::get(move || async move { body.clone() }),
        )
        .route(
            "/evil.onnx",
            axum::routing::get(|| async { b"something else".to_vec() }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dest = tempfile::tempdir().expect("dir");
    let wanted = |path: &str| Needed {
        name: "model.onnx".into(),
        dest: dest.path().join("models/model.onnx"),
        sha256: sha256_hex(&served),
        origin: Origin::Url(format!("http://{addr}/{path}")),
        optional: false,
    };
    let e = run(&[wanted("evil.onnx")], None, None)
        .await
        .expect_err("wrong bytes");
    assert!(format!("{e}").contains("expected"), "{e}");
    assert!(!dest.path().join("models/model.onnx").exists());
    run(&[wanted("good.onnx")], None, None)
        .await
        .expect("downloaded");
    assert_eq!(
        std::fs::read(dest.path().join("models/model.onnx")).expect("read"),
        served
    );
}

#[test]
fn the_library_comes_out_of_a_wheel_and_the_pins_match_the_setup_scripts() {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(
        format!("onnxruntime/capi/libonnxruntime.so.{ORT_VERSION}"),
        options,
    )
    .expect("entry");
    zip.write_all(b"\x7fELF library bytes").expect("written");
    let wheel = zip.finish().expect("zip").into_inner();
    assert_eq!(
        library_from_wheel(&wheel).expect("found"),
        b"\x7fELF library bytes"
    );

    let lib = std::fs::read_to_string(repo_root().join("scripts/lib.sh")).expect("scripts/lib.sh");
    assert!(lib.contains(&format!("\nORT_VERSION={ORT_VERSION}\n")));
    let script = std::fs::read_to_string(repo_root().join("scripts/setup-ort.sh")).expect("script");
    for (arch, wheel, lib) in ORT_PINS {
        assert!(
            script.contains(&format!("[{arch}]={wheel}")),
            "{arch} wheel pin differs"
        );
        assert!(
            script.contains(&format!("[{arch}]={lib}")),
            "{arch} library pin differs"
        );
    }
}

/// The liveness models have no download: without them in the directory, setup installs the rest
/// and says what it left out, rather than failing the kiosk's recognition too.
#[tokio::test]
async fn setup_without_the_liveness_models_installs_the_rest_and_says_so() {
    let (from, dest) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let config = config(dest.path());
    let needed = plan(&config).expect("plan");
    let required: Vec<Needed> = needed.iter().filter(|n| !n.optional).cloned().collect();
    carried(from.path(), &required);
    let report = run(&needed, Some(from.path()), None)
        .await
        .expect("installed what is required");
    let skipped: Vec<&String> = report
        .iter()
        .filter(|l| l.contains("not installed"))
        .collect();
    assert_eq!(skipped.len(), 2, "{report:?}");
    assert!(
        skipped
            .iter()
            .all(|l| l.contains("attendd setup --from DIR")),
        "{report:?}"
    );
    for n in &needed {
        assert_eq!(n.dest.exists(), !n.optional, "{}", n.name);
    }
}
