//! `spawn_app()`: a real server on port 0 with a temporary SQLite file, plus typed helpers for
//! logging in, building a two-organisation world, and signing device requests.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use attend_protocol::signing::{self, DeviceSecret, SignedRequest};
use attend_server::access::Role;
use attend_server::app::AppState;
use attend_server::app::Stores;
use attend_server::db::AuditCtx;
use attend_server::db::location::Database;
use attend_server::features::notifications::Mail;
use attend_server::features::notifications::mail::{MailSender, SendError};
use attend_server::features::people::{NewUser, UserStatus};
use attend_server::{Application, Settings};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::postgres_run::{PostgresDatabase, fresh_postgres_database, postgres_server};

pub const PASSWORD: &str = "correct horse battery";

#[derive(Default)]
pub struct CapturedMail(pub Mutex<Vec<Mail>>);

#[async_trait]
impl MailSender for CapturedMail {
    async fn send(&self, mail: &Mail) -> Result<(), SendError> {
        self.0.lock().expect("mail lock").push(mail.clone());
        Ok(())
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub stores: Stores,
    /// The server's services, for what a test drives directly (the background workers).
    pub state: AppState,
    pub mail: Arc<CapturedMail>,
    /// What the server was built with (its database, for a second instance or a direct look).
    pub settings: Settings,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
    /// The server's own PostgreSQL database, dropped with it (PostgreSQL runs only).
    _postgres: Option<PostgresDatabase>,
}

/// An HTTP client. In a workspace build reqwest is compiled with attendd's rustls without a
/// default crypto provider, so install ring's first (harmless when already installed).
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A test server with rate limits high enough not to interfere.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(tweak, true).await
}

/// A test server that sends mail as its settings say (`[mail]`: real SMTP) instead of
/// capturing it.
pub async fn spawn_app_sending(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(tweak, false).await
}

async fn spawn(tweak: impl FnOnce(&mut Settings), capture: bool) -> TestApp {
    // `TEST_LOG=1`: the servers' logs (an internal error's cause) on the test's output.
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let postgres = match postgres_server() {
        Some(server) => Some(fresh_postgres_database(&server).await),
        None => None,
    };
    let database = match &postgres {
        Some(db) => Database::try_from(db.url.clone()).expect("a PostgreSQL URL"),
        None => dir.path().join("attend.db").into(),
    };
    let mut settings = Settings {
        listen: "127.0.0.1:0".parse().expect("addr"),
        database,
        database_pool: 8,
        ..Settings::default()
    };
    settings.rate_limit.per_minute = 100_000;
    settings.rate_limit.heavy_per_minute = 100_000;
    settings.rate_limit.sync_per_minute = 100_000;
    tweak(&mut settings);
    start(settings, capture, dir, postgres).await
}

impl TestApp {
    /// Another server on this one's database (its own listener, workers and caches), as a
    /// second instance behind a load balancer would be.
    pub async fn second_instance(&self) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        start(self.settings.clone(), true, dir, None).await
    }
}

async fn start(
    settings: Settings,
    capture: bool,
    dir: tempfile::TempDir,
    postgres: Option<PostgresDatabase>,
) -> TestApp {
    let app = Application::build(settings.clone(), true)
        .await
        .expect("server builds");
    let base = format!("http://{}", app.local_addr());
    let stores = app.stores();
    let state = app.app_state();
    let mail = Arc::new(CapturedMail::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let stopped = async move {
        let _ = stopped.await;
    };
    if capture {
        let sender: Arc<dyn MailSender> = mail.clone();
        tokio::spawn(app.run_with(stopped, sender));
    } else {
        tokio::spawn(app.run_with_shutdown(stopped));
    }
    let app = TestApp {
        base,
        client: http_client(),
        stores,
        state,
        mail,
        settings,
        _dir: dir,
        _stop: stop,
        _postgres: postgres,
    };
    // Every server says which backend it runs on; the suite runs on the one it was asked for.
    let ready = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    let wanted = if postgres_server().is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(
        app.settings.database.sqlite_path().is_none(),
        wanted == "postgres",
        "a test built its server on {}, not on the backend of this run",
        app.settings.database
    );
    assert_eq!(ready.body["database"]["backend"], wanted, "{}", ready.body);
    app
}

/// A database two servers in turn are built on (a restart): a file in `dir`, or on the
/// PostgreSQL run a database of its own, kept while the returned guard lives.
pub async fn lasting_database(dir: &std::path::Path) -> (Database, Option<PostgresDatabase>) {
    match postgres_server() {
        Some(server) => {
            let db = fresh_postgres_database(&server).await;
            let url = Database::try_from(db.url.clone()).expect("a PostgreSQL URL");
            (url, Some(db))
        }
        None => (dir.join("attend.db").into(), None),
    }
}

/// A status and a parsed JSON body (Null when empty).
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The uniform error's `code`.
    pub fn code(&self) -> &str {
        self.body["error"]["code"]
            .as_str()
            .unwrap_or("<no error code>")
    }

    pub fn id(&self) -> String {
        self.body["id"].as_str().expect("body has an id").to_owned()
    }
}

impl TestApp {
    /// Runs statements straight on the server's database, either backend: rows no API writes.
    pub async fn plant(&self, sql: &str) {
        match &self.settings.database {
            Database::Sqlite(path) => rusqlite::Connection::open(path)
                .and_then(|c| c.execute_batch(sql))
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            Database::Postgres(url) => attend_server::db::postgres::connect(url)
                .await
                .expect("connects")
                .batch_execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e:?}")),
        }
    }

    /// A query's rows straight from the server's database, every value as text (NULL: None).
    pub async fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        match &self.settings.database {
            Database::Sqlite(path) => {
                use rusqlite::types::ValueRef;
                let c = rusqlite::Connection::open(path).expect("database");
                let mut stmt = c.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
                let n = stmt.column_count();
                stmt.query_map([], |r| {
                    (0..n)
                        .map(|i| {
                            Ok(match r.get_ref(i)? {
                                ValueRef::Null => None,
                                ValueRef::Integer(v) => Some(v.to_string()),
                                ValueRef::Real(v) => Some(v.to_string()),
                                ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into()),
                                ValueRef::Blob(b) => Some(format!("{b:02x?}")),
                            })
                        })
                        .collect()
                })
                .and_then(|rows| rows.collect())
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            Database::Postgres(url) => attend_server::db::postgres::connect(url)
                .await
                .expect("connects")
                .simple_query(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
                .into_iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => {
                        Some((0..r.len()).map(|i| r.get(i).map(str::to_owned)).collect())
                    }
                    _ => None,
                })
                .collect(),
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        into_reply(req.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// Raw bytes with an explicit content type, for malformed-input tests.
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        into_reply(req.send().await.expect("request sent")).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/v1/auth/login",
            None,
            json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Logs in and returns the access token, failing the test if login fails.
    pub async fn token(&self, email: &str) -> String {
        let r = self.login(email, PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "login {email}: {}", r.body);
        r.body["access_token"]
            .as_str()
            .expect("access token")
            .to_owned()
    }

    /// Creates a super admin straight in the store (the CLI's job in production).
    pub async fn super_admin(&self) -> String {
        let hash = self
            .state
            .hasher
            .hash(PASSWORD.into())
            .await
            .expect("hashed");
        self.stores
            .people
            .create_user(
                &AuditCtx::system(),
                NewUser {
                    org_id: None,
                    email: "root@attend.example".into(),
                    display_name: "Root".into(),
                    password_hash: hash,
                    role: Role::SuperAdmin,
                    status: UserStatus::Active,
                    employee_id: None,
                    not_employee: false,
                    departments: vec![],
                },
            )
            .await
            .expect("super admin created");
        self.token("root@attend.example").await
    }

    /// Sends a signed device request; `tamper` may change the request after signing.
    pub async fn signed(
        &self,
        device: &Device,
        method: Method,
        path_and_query: &str,
        body: Vec<u8>,
        opts: SignOpts,
    ) -> Reply {
        let req = self
            .client
            .request(method.clone(), format!("{}{path_and_query}", self.base))
            .header("content-type", "application/json");
        let req = sign(req, device, &method, path_and_query, &body, &opts);
        let sent_body = opts.send_body.clone().unwrap_or(body);
        into_reply(req.body(sent_body).send().await.expect("request sent")).await
    }

    pub async fn push(&self, device: &Device, events: &Value) -> Reply {
        let body = serde_json::to_vec(&json!({ "events": events })).expect("json");
        self.signed(
            device,
            Method::POST,
            "/api/v1/device/events",
            body,
            SignOpts::default(),
        )
        .await
    }

    /// A new site of organisation `org` in Lisbon's time zone, created by `token`: its id.
    pub async fn new_site(&self, token: &str, org: &str, name: &str) -> String {
        let r = self
            .post(
                "/api/v1/sites",
                Some(token),
                json!({"org_id": org, "name": name, "timezone": "Europe/Lisbon"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.id()
    }

    /// The roster `device` pulls from cursor `since` (the request must succeed).
    pub async fn roster(&self, device: &Device, since: u64) -> Value {
        let r = self
            .signed(
                device,
                Method::GET,
                &format!("/api/v1/device/roster?since={since}"),
                Vec::new(),
                SignOpts::default(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body
    }

    /// Number of stored events visible to `token`.
    pub async fn stored_events(&self, token: &str) -> usize {
        let r = self.get("/api/v1/device-events?limit=100", token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["items"].as_array().expect("items").len()
    }
}

/// Adds a kiosk's signature headers for `body` to `req` (as `opts` may forge them).
pub fn sign(
    req: reqwest::RequestBuilder,
    device: &Device,
    method: &Method,
    path_and_query: &str,
    body: &[u8],
    opts: &SignOpts,
) -> reqwest::RequestBuilder {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let timestamp = opts
        .timestamp
        .unwrap_or_else(|| jiff::Timestamp::now().as_second());
    let nonce = opts
        .nonce
        .clone()
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
    let secret = opts.secret.clone().unwrap_or_else(|| device.secret.clone());
    let signature = signing::sign(
        &DeviceSecret::from_base64(&secret).expect("secret"),
        &SignedRequest {
            method: method.as_str(),
            path,
            query,
            timestamp,
            nonce: &nonce,
            body,
        },
    );
    req.header(signing::HEADER_DEVICE, device.id.clone())
        .header(signing::HEADER_TIMESTAMP, timestamp.to_string())
        .header(signing::HEADER_NONCE, nonce)
        .header(signing::HEADER_SIGNATURE, signature)
}

async fn into_reply(resp: reqwest::Response) -> Reply {
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Reply {
        status,
        headers,
        body,
    }
}

#[derive(Clone, Debug, Default)]
pub struct SignOpts {
    pub timestamp: Option<i64>,
    pub nonce: Option<String>,
    /// Sign with this secret instead of the device's (a forgery).
    pub secret: Option<String>,
    /// Send this body instead of the signed one (tampering in transit).
    pub send_body: Option<Vec<u8>>,
}

#[derive(Clone, Debug)]
pub struct Device {
    pub id: String,
    pub secret: String,
}

/// One organisation's worth of ids and tokens.
#[derive(Clone, Debug)]
pub struct Org {
    pub id: String,
    pub site: String,
    pub dept: String,
    /// The department no manager of the world manages.
    pub other_dept: String,
    /// In `dept` (the manager's department).
    pub employee: String,
    /// In `other_dept`.
    pub other_employee: String,
    pub device: String,
    pub admin_user: String,
    pub admin: String,
    pub manager: String,
    pub employee_token: String,
}

/// Two organisations, each with every role, so tests can check own versus foreign ids.
pub struct World {
    pub root: String,
    pub support: String,
    pub a: Org,
    pub b: Org,
}

pub async fn world(app: &TestApp) -> World {
    let root = app.super_admin().await;
    let r = app.post("/api/v1/users", Some(&root), json!({"email": "support@attend.example", "display_name": "Sam Support", "password": PASSWORD, "role": "support"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let support = app.token("support@attend.example").await;
    let a = org(app, &root, "a").await;
    let b = org(app, &root, "b").await;
    World {
        root,
        support,
        a,
        b,
    }
}

fn created(r: Reply, what: &str) -> String {
    assert_eq!(r.status, StatusCode::CREATED, "creating {what}: {}", r.body);
    r.id()
}

pub async fn org(app: &TestApp, root: &str, tag: &str) -> Org {
    let id = created(
        app.post(
            "/api/v1/organisations",
            Some(root),
            json!({"name": format!("Org {tag}")}),
        )
        .await,
        "org",
    );
    let site = created(
        app.post(
            "/api/v1/sites",
            Some(root),
            json!({"org_id": id, "name": "Plant", "timezone": "Europe/Lisbon"}),
        )
        .await,
        "site",
    );
    let dept = created(
        app.post(
            "/api/v1/departments",
            Some(root),
            json!({"org_id": id, "name": "Assembly"}),
        )
        .await,
        "dept",
    );
    let other_dept = created(
        app.post(
            "/api/v1/departments",
            Some(root),
            json!({"org_id": id, "name": "Warehouse"}),
        )
        .await,
        "dept",
    );
    let employee = created(
        app.post("/api/v1/employees", Some(root), json!({"org_id": id, "employee_number": "1", "display_name": "Ana", "department_id": dept, "site_id": site, "pin": "246810", "consent": "granted"})).await,
        "employee",
    );
    let other_employee = created(
        app.post("/api/v1/employees", Some(root), json!({"org_id": id, "employee_number": "2", "display_name": "Bruno", "department_id": other_dept})).await,
        "employee",
    );
    let r = app
        .post(
            "/api/v1/devices",
            Some(root),
            json!({"site_id": site, "name": "Door"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let device = r.body["device"]["id"]
        .as_str()
        .expect("device id")
        .to_owned();
    let user = |email: String,
                role: &str,
                departments: Vec<String>,
                employee_id: Option<String>| {
        // Staff here are not on the payroll (four eyes: they say so).
        let not_employee = role != "employee" && employee_id.is_none();
        let body = json!({"org_id": id, "email": email, "display_name": role, "password": PASSWORD, "role": role, "departments": departments, "employee_id": employee_id, "not_employee": not_employee});
        async move { created(app.post("/api/v1/users", Some(root), body).await, "user") }
    };
    let admin_user = user(format!("admin@{tag}.example"), "org_admin", vec![], None).await;
    user(
        format!("manager@{tag}.example"),
        "manager",
        vec![dept.clone()],
        None,
    )
    .await;
    user(
        format!("worker@{tag}.example"),
        "employee",
        vec![],
        Some(employee.clone()),
    )
    .await;
    Org {
        admin: app.token(&format!("admin@{tag}.example")).await,
        manager: app.token(&format!("manager@{tag}.example")).await,
        employee_token: app.token(&format!("worker@{tag}.example")).await,
        id,
        site,
        dept,
        other_dept,
        employee,
        other_employee,
        device,
        admin_user,
    }
}

/// Creates, provisions and (as `token`, an administrator) confirms a kiosk in `org`'s site,
/// returning its credentials.
pub async fn provisioned_device(app: &TestApp, token: &str, site: &str) -> Device {
    let device = unconfirmed_device(app, token, site).await;
    let r = app
        .post(
            &format!("/api/v1/devices/{}/confirm", device.id),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    device
}

/// Creates and provisions a kiosk in `org`'s site, not confirmed: its roster is empty and its
/// punches are held until an administrator confirms it.
pub async fn unconfirmed_device(app: &TestApp, token: &str, site: &str) -> Device {
    let r = registered_device(app, token, site, "Kiosk").await;
    let code = r.body["provisioning_code"]
        .as_str()
        .expect("code")
        .to_owned();
    let r = app
        .post("/api/v1/device/provision", None, json!({"code": code}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    Device {
        id: r.body["device_id"].as_str().expect("device id").to_owned(),
        secret: r.body["device_secret"].as_str().expect("secret").to_owned(),
    }
}

/// A kiosk named `name` registered in `site` by `token` (an administrator), not provisioned
/// yet: the answer, with its one-time `provisioning_code` and when it expires.
pub async fn registered_device(app: &TestApp, token: &str, site: &str, name: &str) -> Reply {
    let r = app
        .post(
            "/api/v1/devices",
            Some(token),
            json!({"site_id": site, "name": name}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r
}

/// A valid PIN punch event for `employee`.
pub fn punch(employee: &str, seq: u64) -> Value {
    json!({
        "event_id": uuid::Uuid::now_v7(),
        "seq": seq,
        "captured_at": jiff::Timestamp::now(),
        "body": {"kind": "punch", "employee_id": employee, "punch_type": "in", "method": "pin"}
    })
}

/// The audit log's actions on `entity` in the caller's organisation, oldest first.
pub async fn audit_actions(app: &TestApp, token: &str, entity: &str) -> Vec<String> {
    let audit = app.get("/api/v1/audit?limit=100", token).await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .rev()
        .filter(|e| e["entity"] == entity)
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect()
}

/// The employee of `org` submits the timesheet starting `period_start`, and its manager
/// approves it.
pub async fn approve_timesheet(app: &TestApp, org: &Org, period_start: &str) {
    let sheet = format!(
        "/api/v1/employees/{}/timesheets/{period_start}",
        org.employee
    );
    let r = app
        .post(
            &format!("{sheet}/submit"),
            Some(&org.employee_token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "submit: {}", r.body);
    let r = app
        .post(&format!("{sheet}/approve"), Some(&org.manager), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "approve: {}", r.body);
}
