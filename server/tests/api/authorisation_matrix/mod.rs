//! The authorisation matrix: every operation of the JSON API (from `/api/openapi.json`) and
//! every dashboard page (from `app::router::dashboard_pages`, the declaration the dashboard is
//! built from), called by every kind of caller with A's ids and with B's, must answer what
//! `table.txt` says; and no answer may carry a canary the caller may not see.
//!
//! A route without a row, or a row for a route that does not exist, fails the test. To
//! re-record the table after a deliberate change, run with `ATTEND_MATRIX_RECORD=1`, then read
//! the diff: every changed cell is a change of who may do what. `ATTEND_MATRIX_EXACT=1` beside
//! it records 400, 409 and 422 as themselves instead of `+`, to look closer at a cell (not to
//! commit: which of several permitted callers meets a 409 depends on who came first).
//!
//! Each caller walks the routes on its own task; every call that destroys its record (deleting
//! an employee, a machine, a shift) gets a fresh one, and signing out uses a session of its own,
//! so the callers' walks cannot change one another's answers.

mod bodies;
mod fixture;
mod requests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use fixture::{Case, Credentials, Fixture, ROLES, Role};
use requests::{Route, send};

use crate::dash_client::dash;
use crate::helpers::{TestApp, spawn_app_with};

fn table_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/api/authorisation_matrix/table.txt")
}

/// Fresh credentials for `email`, for a call that ends its session.
async fn fresh_session(app: &TestApp, email: &str) -> Credentials {
    let session = dash(app, email).await;
    Credentials::User {
        email: email.to_owned(),
        token: app.token(email).await,
        cookie: session.cookie().to_owned(),
        csrf: session.csrf().to_owned(),
    }
}

/// Every operation of the JSON API and every dashboard page.
async fn routes(app: &TestApp) -> Vec<Route> {
    let doc = app
        .call(reqwest::Method::GET, "/api/openapi.json", None, None)
        .await
        .body;
    let mut out = Vec::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("operations").keys() {
            out.push(Route {
                method: method.to_uppercase(),
                path: path.clone(),
            });
        }
    }
    for (method, path) in attend_server::app::router::dashboard_pages() {
        out.push(Route {
            method: method.to_string(),
            path: path.to_owned(),
        });
    }
    out.sort();
    out
}

/// The cases a route is called in: A's ids and B's, or once when it takes no id.
fn cases(route: &Route) -> &'static [Case] {
    if route.has_ids() {
        &[Case::A, Case::B]
    } else {
        &[Case::A]
    }
}

/// The table: for each route, one cell per role (`class` or `classA/classB`).
fn read_table() -> BTreeMap<Route, Vec<String>> {
    let text = std::fs::read_to_string(table_file()).unwrap_or_default();
    let mut out = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(method), Some(path)) = (words.next(), words.next()) else {
            panic!("table.txt: `{line}` is not `METHOD /path cells…`");
        };
        let cells: Vec<String> = words.map(str::to_owned).collect();
        assert_eq!(
            cells.len(),
            ROLES.len(),
            "table.txt: `{line}` needs one cell per role"
        );
        let route = Route {
            method: method.to_owned(),
            path: path.to_owned(),
        };
        assert!(
            out.insert(route, cells).is_none(),
            "table.txt: `{line}` appears twice"
        );
    }
    out
}

/// The class a cell expects in `case`.
fn expected(cell: &str, case: Case) -> &str {
    match (cell.split_once('/'), case) {
        (Some((a, _)), Case::A) => a,
        (Some((_, b)), Case::B) => b,
        (None, _) => cell,
    }
}

fn write_table(observed: &BTreeMap<Route, BTreeMap<Role, Vec<String>>>) {
    use std::fmt::Write as _;
    let mut out = String::from(HEADER);
    let width = observed
        .keys()
        .map(|r| r.to_string().len())
        .max()
        .unwrap_or(0);
    let _ = write!(out, "# {:width$}", "route", width = width - 2);
    for role in ROLES {
        let _ = write!(out, " {:>9}", role.column());
    }
    out.push('\n');
    for (route, by_role) in observed {
        let _ = write!(out, "{:width$}", route.to_string());
        for role in ROLES {
            let classes = &by_role[&role];
            let cell = if classes.iter().all(|c| *c == classes[0]) {
                classes[0].clone()
            } else {
                classes.join("/")
            };
            let _ = write!(out, " {cell:>9}");
        }
        out.push('\n');
    }
    std::fs::write(table_file(), out).expect("table written");
}

const HEADER: &str = "\
# The authorisation matrix (see mod.rs): what each caller gets from each route.
#
# Callers: anon (no credentials), kioskA/kioskB (a signed kiosk of organisation A/B), employee
# (Ana of A's Assembly department, by her own account), mgrOther (manager of A's Warehouse),
# manager (manager of A's Assembly), adminB/admin (org admin of B/A), support, root (super admin).
# A route with ids is called twice: with A's records (Ana, her department, A's site...) and
# with B's; its cell is `classA/classB`, or one class when both are the same.
# Classes: + (the permission check let it through: 2xx, or a 400/409/422 or flashed business
# refusal), login (the dashboard's redirect to sign in), or the status: 401, 403, 404, ...
";

#[tokio::test]
async fn every_route_answers_every_caller_as_the_matrix_says_and_shows_no_one_elses_canaries() {
    // Lockouts after failed codes and passwords are tested elsewhere; here every caller tries
    // the sign-in and code routes, and each must be answered for its role, not locked out.
    let app = Arc::new(
        spawn_app_with(|s| {
            s.auth.max_failures = 1_000;
            s.auth.max_failures_per_address = 1_000;
        })
        .await,
    );
    let fx = Arc::new(fixture::fixture(&app).await);
    let routes = Arc::new(routes(&app).await);
    let record = std::env::var_os("ATTEND_MATRIX_RECORD").is_some();
    let table = read_table();

    let mut problems = Vec::new();
    if !record {
        for route in routes.iter().filter(|r| !table.contains_key(r)) {
            problems.push(format!("{route} has no row in table.txt"));
        }
        for route in table.keys().filter(|r| !routes.contains(r)) {
            problems.push(format!(
                "table.txt has a row for {route}, which is not a route"
            ));
        }
    }

    // Each caller walks every route on its own task: callers never share a session, and the
    // records a call destroys are made for it alone.
    let tasks = fx.callers.iter().map(|(role, who)| {
        let (app, fx, routes, role, who) =
            (app.clone(), fx.clone(), routes.clone(), *role, who.clone());
        tokio::spawn(async move { walk(&app, &fx, &routes, role, &who).await })
    });
    let mut observed: BTreeMap<Route, BTreeMap<Role, Vec<String>>> = BTreeMap::new();
    let mut shown = BTreeSet::new();
    for ((role, _), result) in fx
        .callers
        .iter()
        .zip(futures_util::future::join_all(tasks).await)
    {
        let (classes, leaks, seen) = result.expect("caller's walk");
        problems.extend(leaks);
        shown.extend(seen);
        let column = ROLES
            .iter()
            .position(|r| r == role)
            .expect("every caller has a column");
        for (route, case, class) in classes {
            if let Some(cells) = table.get(&route) {
                let want = expected(&cells[column], case);
                if !record && want != class {
                    problems.push(format!(
                        "{route} as {} with {case:?}'s ids: the table says {want}, got {class}",
                        role.column()
                    ));
                }
            }
            observed
                .entry(route)
                .or_default()
                .entry(*role)
                .or_default()
                .push(class);
        }
    }
    // A canary nobody is ever shown would make the leak check vacuous.
    for canary in fx.canaries.iter().filter(|c| !shown.contains(&c.marker)) {
        problems.push(format!("no caller was ever shown {}", canary.marker));
    }
    if record {
        write_table(&observed);
    }
    let checked: usize = observed
        .values()
        .flat_map(|r| r.values())
        .map(Vec::len)
        .sum();
    println!("{} routes, {checked} calls", observed.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What one caller's walk found: each call's class, the canaries it was shown that it may
/// not see, and the markers it was shown at all.
type Walk = (Vec<(Route, Case, String)>, Vec<String>, BTreeSet<String>);

/// One caller through every route and case: the classes it got, and any canary it saw that
/// it may not see.
async fn walk(
    app: &TestApp,
    fx: &Fixture,
    routes: &[Route],
    role: Role,
    who: &Credentials,
) -> Walk {
    let client = crate::dash_client::browser_client();
    let mut classes = Vec::new();
    let mut leaks = Vec::new();
    let mut seen = BTreeSet::new();
    for route in routes {
        for &case in cases(route) {
            let answer = send(app, &client, fx, route, case, who).await;
            for canary in &fx.canaries {
                if !answer.body.contains(&canary.marker) {
                    continue;
                }
                seen.insert(canary.marker.clone());
                if !role.may_see(canary) {
                    leaks.push(format!(
                        "{route} as {} with {case:?}'s ids shows {canary}",
                        role.column()
                    ));
                }
            }
            classes.push((route.clone(), case, answer.class));
        }
    }
    (classes, leaks, seen)
}

/// The matrix walks the pages `Pages` declared; a page routed any other way would be missed.
#[test]
fn dashboard_pages_are_routed_only_through_their_declaration() {
    let mut stack = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
    let mut problems = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for plain in [
                ".route(\"/dashboard",
                ".nest(\"/dashboard",
                ".nest_service(\"/dashboard",
            ] {
                if text.contains(plain) {
                    problems.push(format!(
                        "{} routes a dashboard page with `{plain}…`: declare it with Pages",
                        path.display()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(attend_server::app::router::dashboard_pages().len() > 20);
}
