//! The SMTP server the e-mail tests run against: `server/tests/smtp/sink.py` (aiosmtpd, from
//! `.cache/smtp-venv`, which `bash scripts/setup-smtp-test.sh` installs) on a loopback port. It
//! records each message it accepts, decoded, as one JSON file; its arguments choose refusals,
//! STARTTLS or implicit TLS, and a required login. Also: the outbox as a test reads it, and
//! `[mail]` settings pointing at a sink.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use attend_server::Settings;
use attend_server::config::{MailSettings, MailTls};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A running sink, stopped on drop.
pub struct Sink {
    child: Child,
    dir: PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts the sink on `port`, writing into `dir`, with more of its arguments (`--refuse
/// PREFIX=CODE`, `--security`, `--cert`, `--key`, `--login`).
pub async fn sink(port: u16, dir: &Path, args: &[&str]) -> Sink {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("../.cache/smtp-venv/bin/python");
    assert!(
        python.is_file(),
        "{} missing: run `bash scripts/setup-smtp-test.sh` (it installs aiosmtpd for these tests)",
        python.display()
    );
    let mut cmd = Command::new(python);
    cmd.arg(root.join("tests/smtp/sink.py"))
        .args(["--port", &port.to_string(), "--dir"])
        .arg(dir);
    cmd.args(args);
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the SMTP sink starts");
    let sink = Sink {
        child,
        dir: dir.to_owned(),
    };
    for _ in 0..600 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return sink;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the SMTP sink did not listen on port {port}");
}

/// Every message the sink accepted so far.
pub fn received(dir: &Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json"))
        .collect()
}

impl Sink {
    /// Waits (up to a minute) until the sink holds at least `n` messages; answers them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        for _ in 0..600 {
            let got = received(&self.dir);
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "expected {n} messages at the SMTP sink, got {:?}",
            received(&self.dir)
        );
    }
}

/// `[mail]` for a plain-text sink on loopback `port`, with retries a second apart.
pub fn smtp_to(port: u16) -> impl FnOnce(&mut Settings) {
    move |s: &mut Settings| {
        s.mail = Some(MailSettings {
            host: "127.0.0.1".into(),
            port: Some(port),
            tls: MailTls::None,
            username: None,
            password: None,
            from: "Attend <attend@test.example>".into(),
            ca_file: None,
            timeout_s: 10,
        });
        s.notifications.mail_retry_first_s = 1;
        s.notifications.mail_retry_max_s = 1;
    }
}

/// The outbox rows as (recipient, status, attempts, body is null, last error).
pub async fn outbox(app: &TestApp) -> Vec<(String, String, u32, bool, Option<String>)> {
    app.rows(
        "SELECT recipient, status, attempts,
                CASE WHEN body IS NULL AND html IS NULL THEN 1 ELSE 0 END, last_error
         FROM mail_outbox ORDER BY id",
    )
    .await
    .into_iter()
    .map(|r| {
        let text = |i: usize| r[i].clone().unwrap_or_default();
        (
            text(0),
            text(1),
            text(2).parse().expect("attempts"),
            text(3) == "1",
            r[4].clone(),
        )
    })
    .collect()
}

pub async fn invite(app: &TestApp, org: &str, token: &str, email: &str) {
    let r = app
        .post(
            &format!("/api/v1/organisations/{org}/invites"),
            Some(token),
            json!({"role": "manager", "not_employee": true, "email": email}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["mailed_to"], email);
}
