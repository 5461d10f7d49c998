//! Two `attend-server` processes on one PostgreSQL database behind a real nginx
//! (`packaging/nginx/attend-instances.conf`, on loopback ports), with a real SMTP sink and a
//! real attendd sync worker: a kiosk provisions and syncs through the balancer; a punch, whichever
//! process ingests it, reaches live boards held open on both; the same refresh token presented
//! to both processes at once rotates once (each pauses between its check and its write, through
//! a debug-build hook, so the two interleave); and each mail reaches the sink exactly once with
//! both mail workers running.
//!
//! Needs PostgreSQL 15, nginx and the SMTP sink's Python (`scripts/setup-postgres-test.sh`,
//! `setup-nginx-test.sh`, `setup-smtp-test.sh`; `scripts/test.sh` runs them): missing, the test
//! fails saying which.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use attend_device::outbox::EventDraft;
use attend_e2e::{Kiosk, pin_punch, punches};
use attend_server::app::Stores;
use attend_server::db::location::Database;
use attend_server::db::sql::SqlDb;
use attend_server::db::sqlite::Synchronous;
use attend_server::db::{DepartmentFilter, Page, Scope};
use attend_server::demo::{ADMIN_EMAIL, DEMO_PASSWORD, MANAGER_EMAIL};
use attend_testkit::eventually;
use attend_testkit::postgres::Cluster;
use serde_json::{Value, json};

/// A child process, killed when dropped.
struct Process(Child, &'static str);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

async fn listening(process: &mut Process, port: u16) {
    for _ in 0..600 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        if let Ok(Some(status)) = process.0.try_wait() {
            panic!("{} exited before listening on {port}: {status}", process.1);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} did not listen on port {port}", process.1);
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One `attend-server serve` process on `database`, one of two instances.
async fn instance(port: u16, database: &str, dir: &Path, smtp: u16) -> Process {
    let child = Command::new(env!("CARGO_BIN_EXE_e2e-attend-server"))
        .arg("serve")
        .env("ATTEND_LISTEN", format!("127.0.0.1:{port}"))
        .env("ATTEND_DATABASE", database)
        .env("ATTEND_DATABASE_POOL", "4")
        .env("ATTEND_HTTP__INSTANCES", "2")
        .env("ATTEND_HTTP__TRUSTED_PROXIES", "[\"127.0.0.1\"]")
        .env("ATTEND_ATTACHMENTS_DIR", dir.join("attachments"))
        .env("ATTEND_MAIL__HOST", "127.0.0.1")
        .env("ATTEND_MAIL__PORT", smtp.to_string())
        .env("ATTEND_MAIL__TLS", "none")
        .env("ATTEND_MAIL__FROM", "attend@example.com")
        .env("ATTEND_RATE_LIMIT__PER_MINUTE", "100000")
        .env("ATTEND_RATE_LIMIT__HEAVY_PER_MINUTE", "100000")
        .env("ATTEND_RATE_LIMIT__SYNC_PER_MINUTE", "100000")
        // Debug builds only: each rotation pauses between reading the token and spending it.
        .env("TEST_ATTEND_PAUSE_REFRESH_CHECK_MS", "300")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("attend-server starts");
    let mut process = Process(child, "attend-server");
    listening(&mut process, port).await;
    process
}

/// nginx on `port` with the shipped example, balancing over `upstreams`.
async fn nginx(dir: &Path, port: u16, upstreams: &[u16]) -> Process {
    let nginx = Path::new("/usr/sbin/nginx");
    assert!(
        nginx.exists(),
        "nginx is not installed: run `bash scripts/setup-nginx-test.sh`"
    );
    let example =
        std::fs::read_to_string(workspace().join("packaging/nginx/attend-instances.conf"))
            .expect("the nginx example");
    let mut site: Vec<String> = Vec::new();
    let mut servers_written = false;
    for line in example.lines() {
        let code = line.trim_start();
        if code.starts_with("server ") && code.ends_with(';') {
            if !servers_written {
                for p in upstreams {
                    site.push(format!("    server 127.0.0.1:{p};"));
                }
                servers_written = true;
            }
        } else if code.starts_with("listen ") {
            site.push(format!("    listen 127.0.0.1:{port};"));
        } else {
            site.push(line.to_owned());
        }
    }
    assert!(servers_written, "the example lists upstream servers");
    std::fs::write(dir.join("attend.conf"), site.join("\n")).expect("site");
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let d = dir.display();
    let main = format!(
        "{user}worker_processes 1;\nerror_log {d}/nginx-error.log warn;\npid {d}/nginx.pid;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
         include {d}/attend.conf;\n}}\n",
        // As root, nginx's workers would otherwise become `nobody`, who cannot use this directory.
        user = if root { "user root;\n" } else { "" },
    );
    std::fs::write(dir.join("nginx.conf"), main).expect("nginx.conf");
    let child = Command::new(nginx)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("nginx starts");
    let mut process = Process(child, "nginx");
    listening(&mut process, port).await;
    process
}

/// The SMTP sink of the server's e-mail tests, writing each message it accepts into `dir`.
async fn smtp_sink(port: u16, dir: &Path) -> Process {
    let python = workspace().join(".cache/smtp-venv/bin/python");
    assert!(
        python.is_file(),
        "{} missing: run `bash scripts/setup-smtp-test.sh`",
        python.display()
    );
    let child = Command::new(python)
        .arg(workspace().join("server/tests/smtp/sink.py"))
        .args(["--port", &port.to_string(), "--dir"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the SMTP sink starts");
    let mut process = Process(child, "the SMTP sink");
    listening(&mut process, port).await;
    process
}

/// The recipients of every message the sink accepted.
fn received(dir: &Path) -> Vec<String> {
    let mut to: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|text| serde_json::from_str::<Value>(&text).ok())
        .flat_map(|m| {
            m["rcpt_tos"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
        })
        .collect();
    to.sort();
    to
}

/// A dashboard session (signed in through `base`): its `Cookie` header.
async fn dashboard_session(http: &reqwest::Client, base: &str) -> String {
    let form = http
        .get(format!("{base}/dashboard/login"))
        .send()
        .await
        .expect("login page");
    let cookie = cookie_of(&form, "attend_login_csrf");
    let html = form.text().await.expect("html");
    let marker = r#"name="_csrf" value=""#;
    let token = html[html.find(marker).expect("a CSRF field") + marker.len()..]
        .split('"')
        .next()
        .expect("token")
        .to_owned();
    let signed_in = http
        .post(format!("{base}/dashboard/login"))
        .header("cookie", format!("attend_login_csrf={cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "email={}&password={}&_csrf={token}",
            ADMIN_EMAIL.replace('@', "%40"),
            DEMO_PASSWORD
        ))
        .send()
        .await
        .expect("signed in");
    assert_eq!(signed_in.status(), 303, "signed in");
    format!("attend_session={}", cookie_of(&signed_in, "attend_session"))
}

fn cookie_of(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_owned()
}

/// A live board's event stream on one instance, read event by event.
struct Board {
    stream: reqwest::Response,
    buffer: String,
}

impl Board {
    async fn open(http: &reqwest::Client, port: u16, session: &str) -> Board {
        let stream = http
            .get(format!("http://127.0.0.1:{port}/dashboard/live/events"))
            .header("cookie", session)
            .send()
            .await
            .expect("stream");
        assert_eq!(stream.status(), 200);
        Board {
            stream,
            buffer: String::new(),
        }
    }

    /// The next event's data, or `None` within `within`.
    async fn next(&mut self, within: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                let data: Vec<&str> = event
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .collect();
                if !data.is_empty() {
                    return Some(data.join("\n"));
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.stream.chunk())
                .await
                .ok()?;
            let bytes = chunk.expect("the stream reads")?;
            self.buffer.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_behind_nginx_on_one_postgres_database() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("dir");
    let cluster = Cluster::start();
    let created = cluster.client("createdb", &["attend"]);
    assert!(created.status.success(), "createdb");
    let url = cluster.url("attend");

    // Migrated and seeded here; the two processes then serve it.
    let database = Database::try_from(url.clone()).expect("a PostgreSQL URL");
    let db = SqlDb::open(&database, Synchronous::Full, 2, true)
        .await
        .expect("migrated");
    let stores = Stores::on(&db);
    let seed = attend_server::demo::seed(&stores)
        .await
        .expect("seed")
        .expect("empty database");
    let employee = stores
        .people
        .list_employees(Scope::All, &DepartmentFilter::Any, &Page::default())
        .await
        .expect("employees")
        .items
        .remove(0);

    let mail_dir = dir.path().join("mail");
    std::fs::create_dir_all(&mail_dir).expect("mail dir");
    let smtp = free_port();
    let _sink = smtp_sink(smtp, &mail_dir).await;
    let (a, b, front) = (free_port(), free_port(), free_port());
    let _a = instance(a, &url, dir.path(), smtp).await;
    let _b = instance(b, &url, dir.path(), smtp).await;
    let _nginx = nginx(dir.path(), front, &[a, b]).await;
    let base = format!("http://127.0.0.1:{front}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    // Both instances answer through the balancer, on PostgreSQL.
    for _ in 0..4 {
        let ready: Value = http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .expect("readyz")
            .json()
            .await
            .expect("json");
        assert_eq!(ready["database"]["backend"], "postgres", "{ready}");
    }

    // Live boards held open on both instances, directly.
    let session = dashboard_session(&http, &base).await;
    let mut boards = [
        Board::open(&http, a, &session).await,
        Board::open(&http, b, &session).await,
    ];
    for board in &mut boards {
        let first = board
            .next(Duration::from_secs(10))
            .await
            .expect("the board");
        assert!(!first.contains(&employee.display_name), "nobody is in yet");
    }

    // A kiosk provisions and syncs through the balancer.
    let kiosk = Kiosk::provision_at(&base, &seed.provisioning_code).await;
    eventually("the roster reaches the kiosk through nginx", async || {
        kiosk.employee_count() == 4
    })
    .await;
    kiosk
        .outbox
        .lock()
        .expect("lock")
        .enqueue(&EventDraft::new(
            jiff::Timestamp::now(),
            pin_punch(employee.id),
        ))
        .expect("enqueue");
    kiosk.wake.notify_one();
    eventually("the punch reaches the database through nginx", async || {
        punches(&stores).await.0 == 1
    })
    .await;
    for (board, port) in boards.iter_mut().zip([a, b]) {
        let next = board
            .next(Duration::from_secs(15))
            .await
            .unwrap_or_else(|| panic!("the board on port {port} after the punch"));
        assert!(
            next.contains(&employee.display_name),
            "the board on port {port} shows {} in: {next}",
            employee.display_name
        );
    }
    kiosk.stop().await;

    // One refresh token, presented to both processes at once: exactly one rotation.
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": DEMO_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let refresh = login["refresh_token"].as_str().expect("refresh token");
    let rotate = |port: u16| {
        http.post(format!("http://127.0.0.1:{port}/api/v1/auth/refresh"))
            .json(&json!({ "refresh_token": refresh }))
            .send()
    };
    let (on_a, on_b) = tokio::join!(rotate(a), rotate(b));
    let mut statuses = [
        on_a.expect("a answers").status().as_u16(),
        on_b.expect("b answers").status().as_u16(),
    ];
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [200, 401],
        "exactly one process rotates the token"
    );

    // Mail: two resets, each delivered once, with both instances' mail workers running.
    for email in [ADMIN_EMAIL, MANAGER_EMAIL] {
        let r = http
            .post(format!("{base}/api/v1/auth/password-reset"))
            .json(&json!({ "email": email }))
            .send()
            .await
            .expect("reset");
        assert!(r.status().is_success(), "{}", r.status());
    }
    eventually("both mails reach the sink", async || {
        received(&mail_dir).len() >= 2
    })
    .await;
    // Long enough for a second delivery by the other worker to show.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut want = vec![ADMIN_EMAIL.to_owned(), MANAGER_EMAIL.to_owned()];
    want.sort();
    assert_eq!(received(&mail_dir), want, "each mail exactly once");
}
