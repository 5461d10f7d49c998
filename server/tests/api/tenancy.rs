//! Every role against every endpoint, with its own and a foreign organisation's ids.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{World, spawn_app, world};

const OK: u16 = 200;
const CREATED: u16 = 201;
const NO_CONTENT: u16 = 204;
const FORBIDDEN: u16 = 403;
const NOT_FOUND: u16 = 404;

/// One row: a request and the status each role must get, in the order
/// super_admin, support, org_admin (org A), manager (org A), employee (org A).
struct Case {
    method: Method,
    path: String,
    body: Option<Value>,
    expect: [u16; 5],
}

fn case(method: Method, path: String, body: Option<Value>, expect: [u16; 5]) -> Case {
    Case {
        method,
        path,
        body,
        expect,
    }
}

fn cases(w: &World, n: usize) -> Vec<Case> {
    let (a, b) = (&w.a, &w.b);
    let unique = |s: &str| {
        format!(
            "{s}{n}-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        )
    };
    use Method as M;
    vec![
        // Organisations.
        case(
            M::GET,
            "/api/v1/organisations".into(),
            None,
            [OK, OK, OK, OK, OK],
        ),
        case(
            M::GET,
            format!("/api/v1/organisations/{}", a.id),
            None,
            [OK, OK, OK, OK, OK],
        ),
        case(
            M::GET,
            format!("/api/v1/organisations/{}", b.id),
            None,
            [OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        ),
        case(
            M::POST,
            "/api/v1/organisations".into(),
            Some(json!({"name": unique("org")})),
            [CREATED, CREATED, FORBIDDEN, FORBIDDEN, FORBIDDEN],
        ),
        case(
            M::GET,
            format!("/api/v1/organisations/{}/join-code", a.id),
            None,
            [OK, FORBIDDEN, OK, OK, FORBIDDEN],
        ),
        case(
            M::GET,
            format!("/api/v1/organisations/{}/join-code", b.id),
            None,
            [OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, FORBIDDEN],
        ),
        case(
            M::POST,
            format!("/api/v1/organisations/{}/join-code", b.id),
            None,
            [OK, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN],
        ),
        case(
            M::POST,
            format!("/api/v1/organisations/{}/invites", b.id),
            Some(json!({"role": "org_admin", "not_employee": true})),
            [CREATED, CREATED, NOT_FOUND, FORBIDDEN, FORBIDDEN],
        ),
        case(
            M::POST,
            format!("/api/v1/organisations/{}/invites", a.id),
            Some(json!({"role": "org_admin", "not_employee": true})),
            [CREATED, CREATED, CREATED, FORBIDDEN, FORBIDDEN],
        ),
        // Sites and departments.
        case(
            M::GET,
            "/api/v1/sites".into(),
            None,
            [OK, FORBIDDEN, OK, OK, FORBIDDEN],
        ),
        case(
            M::GET,
            format!("/api/v1/sites/{}", a.site),
            None,
            [OK, FORBIDDEN, OK, OK, FORBIDDEN],
        ),
        case(
            M::GET,
            format!("/api/v1/sites/{}", b.site),
            None,
            [OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, FORBIDDEN],
        ),
        case(
            M::POST,
            "/api/v1/sites".into(),
            Some(json!({"org_id": b.id, "name": unique("site"), "timezone": "UTC"})),
            [CREATED, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN],
        ),
        case(
            M::POST,
            "/api/v1/sites".into(),
            Some(json!({"org_id": a.id, "name": unique("site"), "timezone": "UTC"})),
            [CREATED, FORBIDDEN, CREATED, FORBIDDEN, FORBIDDEN],
        ),
        case(
            M::GET,
            "/api/v1/departments".into(),
            None,
            [OK, FORBIDDEN, OK, OK, FORBIDDEN],
        ),
        case(
            M::GET,
            format!("/api/v1/departments/{}", b.dept),
            None,
            [OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, FORBIDDEN],
        ),
        case(
            M::POST,
            "/api/v1/departments".into(),
            Some(json!({"org_id": b.id, "name": unique("dept")})),
            [CREATED, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN],
        ),
        // Employees: managers see their departments, employees themselves only.
        case(
            M::GET,
            "/api/v1/employees".into(),
            None,
            [OK, FORBIDDEN, OK, OK, FORBIDDEN],
        ),
        case(
            M::GET,
            format!("/api/v1/employees/{}", a.employee),
            None,
            [OK, FORBIDDEN, OK, OK, OK],
        ),
        case(
            M::GET,
            format!("/api/v1/employees/{}", a.other_employee),
            None,
            [OK, FORBIDDEN, OK, NOT_FOUND, NOT_FOUND],
        ),
        case(
            M::GET,
            format!("/api/v1/employees/{}", b.employee),
            None,
            [OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, NOT_FOUND],
        ),
        case(
            M::PATCH,
            format!("/api/v1/employees/{}", b.employee),
            Some(json!({"display_name": "Renamed"})),
            [OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, FORBIDDEN],
        ),
        case(
            M::PATCH,
            format!("/api/v1/employees/{}", a.other_employee),
            Some(json!({"display_name": "Renamed"})),
            [OK, FORBIDDEN, OK, NOT_FOUND, FORBIDDEN],
        ),
        case(
            M::POST,
            "/api/v1/employees".into(),
            Some(json!({"org_id": b.id, "employee_number": unique("n"), "display_name": "X"})),
            [CREATED, FORBIDDEN, NOT_FOUND, NOT_FOUND, FORBIDDEN],
        ),
        case(
            M::POST,
            "/api/v1/employees".into(),
            Some(
                json!({"employee_number": unique("n"), "display_name": "X", "department_id": a.dept, "org_id": a.id}),
            ),
            [CREATED, FORBIDDEN, CREATED, CREATED, FORBIDDEN],
        ),
        case(
            M::POST,
            format!("/api/v1/employees/{}/approve", b.employee),
            None,
            [409, FORBIDDEN, NOT_FOUND, NOT_FOUND, FORBIDDEN],
        ),
        case(
            M::DELETE,
            format!("/api/v1/employees/{}", b.other_employee),
            None,
            [NO_CONTENT, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN],
        ),
        // Users.
        case(
            M::GET,
            "/api/v1/users".into(),
            None,
            [OK, OK, OK, FORBIDDEN, FORBIDDEN],
        ),
        case(
            M::GET,
            format!("/api/v1/users/{}", b.admin_user),
            None,
            [OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN],
        ),
        case(
            M::POST,
            "/api/v1/users".into(),
            Some(
                json!({"org_id": b.id, "email": format!("{}@b.example", unique("u")), "display_name": "U", "password": "long enough pw", "role": "org_admin", "not_employee": true}),
            ),
            [CREATED, CREATED, NOT_FOUND, FORBIDDEN, FORBIDDEN],
        ),
        // Devices.
        case(
            M::GET,
            "/api/v1/devices".into(),
            None,
            [OK, FORBIDDEN, OK, OK, FORBIDDEN],
        ),
        case(
            M::GET,
            format!("/api/v1/devices/{}", b.device),
            None,
            [OK, FORBIDDEN, NOT_FOUND, NOT_FOUND, FORBIDDEN],
        ),
        case(
            M::POST,
            "/api/v1/devices".into(),
            Some(json!({"site_id": b.site, "name": "x"})),
            [CREATED, FORBIDDEN, 422, FORBIDDEN, FORBIDDEN],
        ),
        case(
            M::POST,
            format!("/api/v1/devices/{}/disable", b.device),
            None,
            [OK, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN],
        ),
        // Records.
        case(
            M::GET,
            "/api/v1/audit".into(),
            None,
            [OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN],
        ),
        case(
            M::GET,
            "/api/v1/device-events".into(),
            None,
            [OK, FORBIDDEN, OK, OK, FORBIDDEN],
        ),
        case(M::GET, "/api/v1/me".into(), None, [OK, OK, OK, OK, OK]),
    ]
}

#[tokio::test]
async fn every_role_gets_exactly_its_permissions_on_every_endpoint() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let tokens = [
        &w.root,
        &w.support,
        &w.a.admin,
        &w.a.manager,
        &w.a.employee_token,
    ];
    let names = ["super_admin", "support", "org_admin", "manager", "employee"];
    let mut failures = Vec::new();
    // Least powerful first, so a permitted mutation by a later role cannot mask an earlier check.
    for role in (0..5).rev() {
        for c in cases(&w, role) {
            let r = app
                .call(
                    c.method.clone(),
                    &c.path,
                    Some(tokens[role]),
                    c.body.clone(),
                )
                .await;
            if r.status.as_u16() != c.expect[role] {
                failures.push(format!(
                    "{} {} {} → {} (want {}): {}",
                    names[role], c.method, c.path, r.status, c.expect[role], r.body
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "permission mismatches:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn lists_never_contain_another_organisations_rows() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let b_ids = [
        &w.b.id,
        &w.b.site,
        &w.b.dept,
        &w.b.employee,
        &w.b.other_employee,
        &w.b.device,
        &w.b.admin_user,
    ];
    for (path, token) in [
        ("/api/v1/organisations", &w.a.admin),
        ("/api/v1/sites", &w.a.admin),
        ("/api/v1/departments", &w.a.admin),
        ("/api/v1/employees", &w.a.admin),
        ("/api/v1/users", &w.a.admin),
        ("/api/v1/devices", &w.a.admin),
        ("/api/v1/audit?limit=100", &w.a.admin),
        ("/api/v1/device-events", &w.a.admin),
        ("/api/v1/employees", &w.a.manager),
    ] {
        let r = app.get(path, token).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        let text = r.body.to_string();
        assert!(
            !r.body["items"].as_array().expect("items").is_empty()
                || path.contains("device-events"),
            "{path} is empty"
        );
        for id in b_ids {
            assert!(!text.contains(id.as_str()), "{path} leaks org B id {id}");
        }
    }
    // A manager sees only employees of the departments they manage.
    let r = app.get("/api/v1/employees", &w.a.manager).await;
    assert!(!r.body.to_string().contains(&w.a.other_employee));
    assert!(r.body.to_string().contains(&w.a.employee));
}

#[tokio::test]
async fn endpoints_without_a_token_answer_401() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/me",
        "/api/v1/organisations",
        "/api/v1/employees",
        "/api/v1/devices",
        "/api/v1/audit",
        "/api/v1/users",
    ] {
        let r = app.call(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(r.code(), "unauthorized");
    }
    let r = app
        .call(Method::GET, "/api/v1/me", Some("not.a.jwt"), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn mutations_are_audited_with_actor_before_and_after() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = app
        .call(
            Method::PATCH,
            &format!("/api/v1/employees/{}", w.a.employee),
            Some(&w.a.admin),
            Some(json!({"display_name": "Ana Maria"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let request_id = r.headers["x-request-id"].to_str().expect("id").to_owned();
    let audit = app.get("/api/v1/audit?limit=5", &w.a.admin).await;
    let entry = &audit.body["items"][0];
    assert_eq!(entry["action"], "update");
    assert_eq!(entry["entity"], "employee");
    assert_eq!(entry["entity_id"].as_str(), Some(w.a.employee.as_str()));
    assert_eq!(entry["before"]["display_name"], "Ana");
    assert_eq!(entry["after"]["display_name"], "Ana Maria");
    assert_eq!(entry["actor_kind"], "user");
    assert_eq!(entry["request_id"].as_str(), Some(request_id.as_str()));
    assert!(
        entry["ip"]
            .as_str()
            .is_some_and(|ip| ip.starts_with("127."))
    );
    let r = app
        .call(
            Method::DELETE,
            &format!("/api/v1/employees/{}", w.a.other_employee),
            Some(&w.a.admin),
            None,
        )
        .await;
    assert_eq!(r.status.as_u16(), NO_CONTENT);
    let audit = app.get("/api/v1/audit?limit=1", &w.a.admin).await;
    assert_eq!(audit.body["items"][0]["action"], "delete");
}
