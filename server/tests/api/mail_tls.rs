//! The SMTP sender over TLS against the real sink: STARTTLS and implicit TLS, each with a login,
//! the server's certificate signed by a test CA that only `mail.ca_file` names (both made here
//! with the `openssl` command). A wrong password is refused for good: a dead letter naming the refusal.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use attend_server::config::{MailSettings, MailTls};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{spawn_app_sending, world};
use crate::smtp_sink::{free_port, invite, outbox, sink};

/// Runs `openssl` with `args` in `dir`.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command runs (Debian: apt-get install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A test CA and a server certificate for `localhost` it signed: (CA, certificate, key).
pub(crate) fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=Attend test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "key.pem",
            "-out",
            "server.csr",
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("extensions");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "cert.pem",
        ],
    );
    (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    )
}

fn mail(port: u16, tls: MailTls, password: &str, ca: &Path) -> MailSettings {
    MailSettings {
        host: "localhost".into(),
        port: Some(port),
        tls,
        username: Some("attend".into()),
        password: Some(password.into()),
        from: "Attend <attend@test.example>".into(),
        ca_file: Some(ca.to_owned()),
        timeout_s: 10,
    }
}

#[tokio::test]
async fn mail_goes_out_over_starttls_and_implicit_tls_with_a_login() {
    let certs = tempfile::tempdir().expect("dir");
    let (ca, cert, key) = certificates(certs.path());
    for (security, tls) in [("starttls", MailTls::Starttls), ("tls", MailTls::Tls)] {
        let dir = tempfile::tempdir().expect("dir");
        let port = free_port();
        let args = [
            "--security",
            security,
            "--cert",
            cert.to_str().expect("path"),
            "--key",
            key.to_str().expect("path"),
            "--login",
            "attend:s3cret pass",
        ];
        let smtp = sink(port, dir.path(), &args).await;
        let settings = mail(port, tls, "s3cret pass", &ca);
        let app = spawn_app_sending(|s| s.mail = Some(settings)).await;
        let w = world(&app).await;
        invite(&app, &w.a.id, &w.a.admin, "over.tls@a.example").await;
        let got = smtp.wait_for(1).await;
        assert_eq!(
            got[0]["rcpt_tos"],
            json!(["over.tls@a.example"]),
            "{security}"
        );
        assert_eq!(got[0]["content_type"], "multipart/alternative");
    }
}

#[tokio::test]
async fn a_wrong_smtp_password_makes_a_dead_letter_naming_the_refusal() {
    let certs = tempfile::tempdir().expect("dir");
    let (ca, cert, key) = certificates(certs.path());
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let args = [
        "--security",
        "starttls",
        "--cert",
        cert.to_str().expect("path"),
        "--key",
        key.to_str().expect("path"),
        "--login",
        "attend:right",
    ];
    let _smtp = sink(port, dir.path(), &args).await;
    let settings = mail(port, MailTls::Starttls, "wrong", &ca);
    let app = spawn_app_sending(|s| s.mail = Some(settings)).await;
    let w = world(&app).await;
    invite(&app, &w.a.id, &w.a.admin, "never@a.example").await;
    for _ in 0..600 {
        let r = app.get("/api/v1/mail/dead-letters", &w.a.admin).await;
        assert_eq!(r.status, StatusCode::OK);
        if let Some(dead) = r.body.as_array().and_then(|d| d.first()) {
            assert_eq!(dead["recipient"], "never@a.example");
            assert!(
                dead["last_error"].as_str().expect("error").contains("535"),
                "{dead}"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the mail did not become a dead letter: {:?}",
        outbox(&app).await
    );
}
