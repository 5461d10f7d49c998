//! A real headless Chromium (Debian's `chromium` and `chromium-driver`, installed by
//! `scripts/setup.sh`) driven over WebDriver, for the tests of pages: the dashboard's and the
//! kiosk screen's.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};

/// chromedriver on a free local port, stopped on drop.
#[derive(Debug)]
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A headless Chromium session, and its chromedriver (stopped when dropped).
pub async fn browser() -> (Driver, Client) {
    browser_with(None).await
}

/// A browser that saves downloads into `downloads` without asking.
pub async fn browser_with(downloads: Option<&std::path::Path>) -> (Driver, Client) {
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
    for _ in 0..600 {
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
        serde_json::json!({
            // No background calls home: this machine's network is closed, and each refused
            // connection costs time.
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--disable-quic"],
            "prefs": {
                "download.default_directory": downloads.map(|d| d.display().to_string()),
                "download.prompt_for_download": false,
            },
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a Chromium session");
    (driver, client)
}
