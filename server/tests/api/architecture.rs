//! The house's own rules, checked against the code: the permission table covers every service
//! entry point; routes and pages reach data only through services; every API route is in the
//! OpenAPI document; the docs name only paths that exist; the example configuration lists every
//! setting; ARCHITECTURE.md holds the permission table as the code has it.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use attend_server::access::permissions::{PERMISSIONS, Who, markdown};

use crate::helpers::spawn_app;

fn server_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn repo_dir() -> PathBuf {
    server_dir().join("..")
}

/// Every `.rs` file under `dir`, recursively, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source file");
                out.push((path, text));
            }
        }
    }
    out.sort();
    out
}

/// The public async functions of each `impl XService` block in `text`: (name, its parameter
/// list, its body).
fn service_entry_points(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("\nimpl ").map(|i| i + 1) {
        rest = &rest[at..];
        let header = &rest[..rest.find('{').unwrap_or(0)];
        let end = rest.find("\n}\n").unwrap_or(rest.len());
        let block = &rest[..end];
        rest = &rest[end..];
        // A kind of request's service is the desk, `impl Requests<Record>`, with its own
        // entry points; the generic desk (`impl<R: Request> Requests<R>`) is checked apart.
        let service =
            header.trim_end().ends_with("Service") || header.starts_with("impl Requests<");
        if !service || header.contains(" for ") {
            continue;
        }
        // Entry points are the public functions, async or not (constructors excepted).
        let fns: Vec<(usize, usize)> = block
            .match_indices("\n    pub async fn ")
            .chain(block.match_indices("\n    pub fn "))
            .map(|(i, m)| (i, m.len()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for (n, &(start, len)) in fns.iter().enumerate() {
            let stop = fns.get(n + 1).map_or(block.len(), |f| f.0);
            let item = &block[start + len..stop];
            let name: String = item
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name == "new" {
                continue;
            }
            let params = item[..item.find(')').unwrap_or(0)].to_owned();
            out.push((name, params, item.to_owned()));
        }
    }
    out
}

#[test]
fn the_permission_table_covers_every_service_entry_point_and_each_checks_its_own_row() {
    println!("{}", markdown());
    let by_name: HashMap<&str, _> = PERMISSIONS.iter().map(|r| (r.name, r)).collect();
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for (path, text) in sources(&server_dir().join("src/features")) {
        let feature = path
            .strip_prefix(server_dir().join("src/features"))
            .ok()
            .and_then(|p| p.components().next())
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        for (name, params, body) in service_entry_points(&text) {
            let key = format!("{feature}.{name}");
            let Some(rule) = by_name.get(key.as_str()) else {
                problems.push(format!(
                    "{key} ({}) has no row in the permission table",
                    path.display()
                ));
                continue;
            };
            seen.insert(key.clone());
            let variant = format!("{:?}", rule.action);
            // It checks its row itself, or hands it to the approvals' `plan`, which does.
            let checks = body.contains(&format!("permit(Action::{variant})"))
                || body.contains(&format!("permit_on(Action::{variant},"))
                || (body.contains("plan(") && body.contains(&format!("Action::{variant},")));
            if params.contains("&Caller") && !checks {
                problems.push(format!(
                    "{key} takes a caller but does not check Action::{variant}"
                ));
            }
            if params.contains("&Caller") && matches!(rule.who, Who::Device | Who::System) {
                problems.push(format!(
                    "{key} takes a caller but its row says {}",
                    rule.who
                ));
            }
        }
    }
    // The approval workflow's request desk files, queues and decides every kind declared with
    // `request_kind!(Record, …, request: Action, list: Action, decide: Action)`, checking the
    // row each slot names.
    let desk = std::fs::read_to_string(server_dir().join("src/features/approvals/requests.rs"))
        .expect("the request desk");
    for (slot, check) in [
        ("request", "permit_on(R::ACTIONS.request, employee)"),
        ("list", "permit(R::ACTIONS.list)"),
        ("decide", "let action = R::ACTIONS.decide;"),
    ] {
        assert!(
            desk.contains(check),
            "the desk's {slot} no longer checks its row"
        );
    }
    for (path, text) in sources(&server_dir().join("src/features")) {
        let Some(at) = text.find("crate::request_kind!(") else {
            continue;
        };
        let feature = path
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let call = &text[at..at + text[at..].find(");").expect("macro call ends")];
        for slot in ["request", "list", "decide"] {
            let variant: String = call
                .split(&format!("{slot}: "))
                .nth(1)
                .map(|rest| rest.chars().take_while(|c| c.is_alphanumeric()).collect())
                .unwrap_or_default();
            let key = format!("{feature}.{slot}");
            match by_name.get(key.as_str()) {
                Some(rule) if format!("{:?}", rule.action) == variant => {
                    seen.insert(key);
                }
                _ => problems.push(format!(
                    "{} gives the desk's {slot} Action::{variant}, not the row {key}",
                    path.display()
                )),
            }
        }
    }
    for rule in PERMISSIONS {
        if !seen.contains(rule.name) {
            problems.push(format!(
                "the row {} names no service entry point",
                rule.name
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The names in `text` that reach data: a store type (`…Store`), a store field (`.store`), the
/// SQLite backend.
fn store_names(text: &str) -> BTreeSet<String> {
    let chars: Vec<char> = text.chars().collect();
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_word(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_word(chars[i]) {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        let field = start > 0 && chars[start - 1] == '.' && (word == "store" || word == "stores");
        if field || word.ends_with("Store") || word == "SqliteDb" || word == "rusqlite" {
            out.insert(word);
        }
    }
    out
}

#[test]
fn routes_and_pages_reach_data_only_through_services() {
    let mut problems = Vec::new();
    for (path, text) in sources(&server_dir().join("src")) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let in_dashboard = path.starts_with(server_dir().join("src/dashboard"));
        let is_front = name == "api.rs"
            || name.ends_with("_api.rs")
            || name == "pages.rs"
            || name.ends_with("_pages.rs")
            || name.ends_with("_board.rs")
            || in_dashboard;
        if !is_front {
            continue;
        }
        for word in store_names(&text) {
            problems.push(format!("{} names `{word}`", path.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "a route or page reaches a store:\n{}",
        problems.join("\n")
    );
}

#[test]
fn imports_run_one_way_from_the_composition_root_to_features_to_the_platform() {
    let src = server_dir().join("src");
    let mut problems = Vec::new();
    for (path, text) in sources(&src) {
        let rel = path.strip_prefix(&src).expect("under src");
        let top = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        // The platform, the store core and the caller import no feature, no page, no app.
        if ["platform", "db", "access"].contains(&top.as_str()) {
            for upward in ["crate::features", "crate::dashboard", "crate::app"] {
                if text.contains(upward) {
                    problems.push(format!("{} names {upward}", rel.display()));
                }
            }
        }
        // Features and the shell reach the services' state by its own path, never through
        // `app` itself, which imports every feature's routes.
        if top == "features" || top == "dashboard" {
            let through_root = text
                .match_indices("crate::app::")
                .any(|(at, m)| !text[at + m.len()..].starts_with("state::"));
            if through_root {
                problems.push(format!("{} imports through crate::app", rel.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// (method, path) of every route declared in the code: each `#[utoipa::path(...)]` attribute,
/// and every plain `.route("/api/v1…")` (which should not exist: routes are declared once,
/// through their attribute).
fn declared_api_routes() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (_, text) in sources(&server_dir().join("src")) {
        for (at, _) in text.match_indices("#[utoipa::path(") {
            let attr = &text[at..];
            let method: String = attr["#[utoipa::path(".len()..]
                .chars()
                .take_while(|c| c.is_alphabetic())
                .collect();
            let Some(p) = attr.find("path = \"") else {
                continue;
            };
            let path: String = attr[p + 8..].chars().take_while(|c| *c != '"').collect();
            if !path.is_empty() {
                out.insert((method, path));
            }
        }
        // `decision_routes!(service, Id, Record, "tag", list, approve, reject, escalate, cancel)`
        // declares a queue (GET) and four decisions (POST) through one attribute each.
        for (at, _) in text.match_indices("crate::decision_routes!(\n") {
            let call = &text[at..at + text[at..].find(");").expect("macro call ends")];
            let paths: Vec<&str> = call.split('"').skip(1).step_by(2).skip(1).collect();
            assert_eq!(paths.len(), 5, "a decision_routes! call names five paths");
            out.insert(("get".into(), paths[0].to_owned()));
            for path in &paths[1..] {
                out.insert(("post".into(), (*path).to_owned()));
            }
        }
        // A nested API router would hide its routes' full paths from this scan.
        assert!(
            !text.contains(".nest(\"/api"),
            "API routes are declared with their full path"
        );
        for (at, _) in text.match_indices(".route(\"/api/v1") {
            let path: String = text[at + 8..].chars().take_while(|c| *c != '"').collect();
            out.insert(("any".into(), path));
        }
    }
    out
}

#[tokio::test]
async fn every_api_route_is_in_the_openapi_document() {
    let app = spawn_app().await;
    let doc = app
        .call(reqwest::Method::GET, "/api/openapi.json", None, None)
        .await
        .body;
    let paths = doc["paths"].as_object().expect("paths");
    let declared = declared_api_routes();
    assert!(
        declared.len() > 80,
        "found only {} routes in the code",
        declared.len()
    );
    let missing: Vec<String> = declared
        .iter()
        .filter(|(method, path)| {
            let item = &paths.get(path.as_str());
            match item {
                None => true,
                Some(ops) => method != "any" && ops.get(method.as_str()).is_none(),
            }
        })
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    assert!(
        missing.is_empty(),
        "routes missing from /api/openapi.json: {missing:?}"
    );
    let documented: usize = paths
        .values()
        .map(|ops| ops.as_object().map_or(0, serde_json::Map::len))
        .sum();
    assert_eq!(
        documented,
        declared.len(),
        "the document has operations no code declares"
    );
}

#[test]
fn every_path_named_in_the_docs_exists() {
    let roots = [
        "protocol/",
        "engine/",
        "vision/",
        "device/",
        "server/",
        "models/",
        "migrations/",
        "systemd/",
        "packaging/",
        "scripts/",
        "e2e/",
        "testkit/",
    ];
    let exts = [
        ".rs", ".sh", ".toml", ".sql", ".py", ".html", ".service", ".md",
    ];
    let mut problems = Vec::new();
    for doc in ["README.md", "ARCHITECTURE.md"] {
        let text = std::fs::read_to_string(repo_dir().join(doc)).expect("doc");
        for word in text.split(|c: char| c.is_whitespace() || "`()[],;:'\"<>|*".contains(c)) {
            let word = word.trim_end_matches('.');
            let named = roots.iter().any(|r| word.starts_with(r))
                && (exts.iter().any(|e| word.ends_with(e)) || word.ends_with('/'));
            if named && !word.contains("...") && !repo_dir().join(word).exists() {
                problems.push(format!("{doc} names {word}, which does not exist"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `section.key` of every setting, from a value of each settings type with every option set.
fn setting_keys(value: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
    if let Some(map) = value.as_object() {
        for (k, v) in map {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            if v.is_object() {
                setting_keys(v, &key, out);
            } else {
                out.insert(key);
            }
        }
    }
}

#[test]
fn every_setting_is_in_the_example_configuration() {
    use attend_server::config::{MailSettings, MailTls, S3Settings, Settings, VisionSettings};
    let mut settings = Settings {
        attachments_dir: Some("/x".into()),
        ..Settings::default()
    };
    settings.attachments_s3 = Some(S3Settings {
        bucket: "b".into(),
        region: "r".into(),
        endpoint: Some("e".into()),
        access_key_id: "a".into(),
        secret_access_key: "s".into(),
        allow_http: false,
        prefix: Some("p".into()),
    });
    settings.vision = Some(VisionSettings {
        models_dir: "/m".into(),
        ort_library: Some("/o".into()),
        embedder: Some("e".into()),
    });
    settings.mail = Some(MailSettings {
        host: "h".into(),
        port: Some(587),
        tls: MailTls::Starttls,
        username: Some("u".into()),
        password: Some("p".into()),
        from: "f".into(),
        ca_file: Some("/c".into()),
        timeout_s: 30,
    });
    let mut wanted = BTreeSet::new();
    setting_keys(
        &serde_json::to_value(&settings).expect("settings"),
        "",
        &mut wanted,
    );
    // The example's keys, commented out or not: `[section]` lines and `key = value` lines.
    let text = std::fs::read_to_string(server_dir().join("config.example.toml")).expect("example");
    let mut found = BTreeSet::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim().trim_start_matches('#').trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
        } else if let Some((key, _)) = line.split_once(" = ")
            && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            found.insert(if section.is_empty() {
                key.to_owned()
            } else {
                format!("{section}.{key}")
            });
        }
    }
    let missing: Vec<_> = wanted.difference(&found).collect();
    assert!(
        missing.is_empty(),
        "settings missing from server/config.example.toml: {missing:?}"
    );
}

#[test]
fn architecture_md_holds_the_permission_table_as_the_code_has_it() {
    let text =
        std::fs::read_to_string(repo_dir().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    assert!(
        text.contains(&markdown()),
        "ARCHITECTURE.md's permission table differs from access/permissions.rs; it should read:\n{}",
        markdown()
    );
}
