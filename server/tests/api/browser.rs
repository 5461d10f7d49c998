//! A real headless Chromium (Debian's `chromium` and `chromium-driver`, installed by
//! `scripts/setup.sh`) driven over WebDriver: the base the dashboard's browser tests stand on.
//! Here it checks that the self-contained API docs page renders every area from the OpenAPI
//! document, with no CDN.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::spawn_app;

/// chromedriver on a free local port, stopped on drop.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub async fn browser() -> (Driver, Client) {
    let bin = std::path::Path::new("/usr/bin/chromedriver");
    assert!(
        bin.is_file(),
        "{} missing: run `bash scripts/setup.sh` (Debian chromium-driver)",
        bin.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let child = Command::new(bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut caps = serde_json::Map::new();
    // Root in CI needs --no-sandbox; /dev/shm is small in containers.
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]}),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session");
    (driver, client)
}

#[tokio::test]
async fn the_api_docs_page_renders_every_area_in_a_real_browser() {
    let app = spawn_app().await;
    let (_driver, c) = browser().await;
    c.goto(&format!("{}/api/docs", app.base))
        .await
        .expect("page loads");
    assert_eq!(c.title().await.expect("title"), "Attend API");
    let mut areas = Vec::new();
    for _ in 0..100 {
        areas = Vec::new();
        for h in c.find_all(Locator::Css("#out h2")).await.expect("query") {
            areas.push(h.text().await.expect("text"));
        }
        if !areas.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for area in ["people", "timesheets", "leave", "equipment", "reports"] {
        assert!(
            areas.iter().any(|a| a.eq_ignore_ascii_case(area)),
            "{area} missing from {areas:?}"
        );
    }
    let operations = c
        .find_all(Locator::Css("#out details summary"))
        .await
        .expect("query")
        .len();
    assert!(operations > 80, "{operations} operations rendered");
    c.close().await.expect("closed");
}
