//! A real headless Chromium (Debian's `chromium` and `chromium-driver`, installed by
//! `scripts/setup.sh`) driven over WebDriver, for the tests of pages: the dashboard's and the
//! kiosk screen's.

use fantoccini::{Client, ClientBuilder};

use crate::process::LocalServer;

/// chromedriver, stopped when dropped.
pub type Driver = LocalServer;

/// A headless Chromium session, and its chromedriver (stopped when dropped).
pub async fn browser() -> (Driver, Client) {
    browser_with(None).await
}

/// A browser that saves downloads into `downloads` without asking.
pub async fn browser_with(downloads: Option<&std::path::Path>) -> (Driver, Client) {
    let driver = LocalServer::start(
        std::path::Path::new("/usr/bin/chromedriver"),
        "run `bash scripts/setup.sh` (Debian chromium-driver)",
        |port| vec![format!("--port={port}")],
    )
    .await;
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
        .connect(&driver.url())
        .await
        .expect("a Chromium session");
    (driver, client)
}
