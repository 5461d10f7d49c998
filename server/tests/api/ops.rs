//! Health, readiness, metrics, OpenAPI, and the schema-version guard.

use attend_server::db::StoreError;
use attend_server::{Application, Settings};
use reqwest::StatusCode;

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
    let text = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert!(text.contains("attend_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/readyz\""), "{text}");
    // The database gauges: this run's backend up, the other not; PostgreSQL's pool as well.
    let (this, other) = if crate::postgres_run::postgres_server().is_some() {
        ("postgres", "sqlite")
    } else {
        ("sqlite", "postgres")
    };
    assert!(
        text.contains(&format!("attend_database_up{{backend=\"{this}\"}} 1")),
        "{text}"
    );
    assert!(
        text.contains(&format!("attend_database_up{{backend=\"{other}\"}} 0")),
        "{text}"
    );
    assert!(text.contains("attend_queued_jobs "), "{text}");
    assert_eq!(
        text.contains("attend_database_pool_connections{state=\"max\"} 8"),
        this == "postgres",
        "{text}"
    );
}

#[tokio::test]
async fn openapi_document_lists_the_api_and_the_docs_page_renders_it() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app
        .client
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/device/events",
        "/api/v1/device/roster",
        "/api/v1/employees/{id}",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
    assert!(doc["components"]["schemas"].get("SyncPush").is_some());
    let page = app
        .client
        .get(format!("{}/api/docs", app.base))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert!(page.contains("/api/openapi.json"));
}

#[tokio::test]
async fn serve_refuses_a_database_whose_schema_is_behind() {
    let dir = tempfile::tempdir().expect("dir");
    let settings = Settings {
        listen: "127.0.0.1:0".parse().expect("addr"),
        database: dir.path().join("old.db").into(),
        ..Settings::default()
    };
    let err = Application::build(settings.clone(), false)
        .await
        .expect_err("must refuse");
    let behind = err.chain().any(|e| {
        matches!(
            e.downcast_ref::<StoreError>(),
            Some(StoreError::SchemaBehind { found: 0, .. })
        )
    });
    assert!(behind, "{err:#}");
    assert!(format!("{err:#}").contains("attend-server migrate"));
    assert!(
        Application::build(settings, true).await.is_ok(),
        "--migrate fixes it"
    );
}

fn binary() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_attend-server"))
}

#[test]
fn the_config_file_can_be_named_by_attend_config() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("from-config.db");
    let config = dir.path().join("attend.toml");
    std::fs::write(
        &config,
        format!("database = {:?}\n", db.display().to_string()),
    )
    .expect("config written");
    let out = binary()
        .arg("migrate")
        .env("ATTEND_CONFIG", &config)
        .output()
        .expect("migrate runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db.exists(), "the database named in the file was created");
}

#[test]
fn a_database_url_the_server_cannot_use_stops_it_at_start_up_and_creates_nothing() {
    // Port 1 on loopback: nothing listens, so connecting fails at once.
    let postgres = "postgres://attend:s3cret@127.0.0.1:1/attend";
    for (url, command, says) in [
        // PostgreSQL: migrate and serve try it, and name it without the password.
        (
            postgres,
            &["migrate"][..],
            "connecting to postgres://attend@127.0.0.1:1/attend",
        ),
        (
            postgres,
            &["serve", "--migrate"],
            "connecting to postgres://attend@127.0.0.1:1/attend",
        ),
        (
            postgres,
            &["serve"],
            "connecting to postgres://attend@127.0.0.1:1/attend",
        ),
        (
            "mysql://root:s3cret@localhost/attend",
            &["migrate"],
            "`mysql`",
        ),
        (
            "mysql://root:s3cret@localhost/attend",
            &["serve", "--migrate"],
            "`mysql`",
        ),
    ] {
        let dir = tempfile::tempdir().expect("dir");
        let out = binary()
            .args(command)
            .current_dir(dir.path())
            .env("ATTEND_DATABASE", url)
            .env("ATTEND_LISTEN", "127.0.0.1:0")
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{command:?} {url}: {stderr}");
        assert!(stderr.contains(says), "{command:?} {url}: {stderr}");
        assert!(!stderr.contains("s3cret"), "the password leaked: {stderr}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
        assert!(left.is_empty(), "{command:?} {url} created {left:?}");
    }
}

#[tokio::test]
async fn the_cli_migrates_creates_an_admin_from_stdin_and_serves() {
    use std::io::{BufRead as _, Write as _};
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("cli.db");
    let out = binary()
        .arg("migrate")
        .env("ATTEND_DATABASE", &db)
        .output()
        .expect("migrate runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut child = binary()
        .args([
            "admin",
            "create",
            "--email",
            "first@attend.example",
            "--role",
            "super_admin",
        ])
        .env("ATTEND_DATABASE", &db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("admin create runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a long enough password\n")
        .expect("password written");
    let out = child.wait_with_output().expect("admin create exits");
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("created super_admin first@attend.example")
    );

    let short = binary()
        .args([
            "admin",
            "create",
            "--email",
            "x@attend.example",
            "--role",
            "manager",
        ])
        .env("ATTEND_DATABASE", &db)
        .output()
        .expect("runs");
    assert!(!short.status.success());
    assert!(
        String::from_utf8_lossy(&short.stderr).contains("--org is required"),
        "{}",
        String::from_utf8_lossy(&short.stderr)
    );

    // `serve` on port 0: read the bound address from its JSON log, then call it.
    let mut server = binary()
        .args(["serve"])
        .env("ATTEND_DATABASE", &db)
        .env("ATTEND_LISTEN", "127.0.0.1:0")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("serve runs");
    let stderr = std::io::BufReader::new(server.stderr.take().expect("stderr"));
    let addr = stderr
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line).ok())
        .find_map(|v| {
            (v["message"] == "attend-server listening")
                .then(|| v["addr"].as_str().map(str::to_owned))
                .flatten()
        })
        .expect("server logs its address");
    let client = crate::helpers::http_client();
    let health = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), StatusCode::OK);
    let login = client
        .post(format!("http://{addr}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "first@attend.example", "password": "a long enough password"}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), StatusCode::OK);
    let _ = server.kill();
    let _ = server.wait();
}

#[test]
fn serve_without_migrate_explains_how_to_fix_an_old_schema() {
    let dir = tempfile::tempdir().expect("dir");
    let out = binary()
        .arg("serve")
        .env("ATTEND_DATABASE", dir.path().join("new.db"))
        .env("ATTEND_LISTEN", "127.0.0.1:0")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("attend-server migrate") && stderr.contains("--migrate"),
        "{stderr}"
    );
}

#[test]
fn the_server_unit_passes_systemd_analyze_verify() {
    let unit =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../systemd/attend-server.service");
    let text = std::fs::read_to_string(&unit).expect("unit file readable");
    for needed in [
        "Type=notify",
        "WatchdogSec=",
        "User=attend",
        "ProtectSystem=strict",
        "StateDirectory=attend",
        "Restart=on-failure",
    ] {
        assert!(
            text.contains(needed),
            "attend-server.service lacks {needed}"
        );
    }
    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("attend-server.service");
    std::fs::write(
        &copy,
        text.replace(
            "/usr/bin/attend-server",
            env!("CARGO_BIN_EXE_attend-server"),
        ),
    )
    .expect("copy written");
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .expect(
            "systemd-analyze must be installed (scripts/setup.sh installs the systemd package)",
        );
    assert!(
        out.status.success(),
        "systemd-analyze verify failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
