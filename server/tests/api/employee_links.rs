//! Four eyes, who the person is (security review H4): every account that decides is linked to
//! its employee record or marked as not an employee by an administrator, and decides nothing
//! until it is; accounts are created, invited and promoted only with one or the other.

use attend_server::access::Role;
use attend_server::db::AuditCtx;
use attend_server::features::people::{NewUser, UserStatus};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::dash_client::dash;
use crate::four_eyes::{hire, message, my_id};
use crate::helpers::{PASSWORD, Reply, TestApp, spawn_app, world};

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> Reply {
    app.call(Method::PATCH, path, Some(token), Some(body)).await
}

/// A manager of `dept` as the migration leaves one it could not link: neither linked nor
/// marked (the API no longer creates such accounts).
async fn unresolved_manager(app: &TestApp, org: &str, dept: &str, email: &str) -> String {
    let hash = app
        .state
        .hasher
        .hash(PASSWORD.into())
        .await
        .expect("hashed");
    app.stores
        .people
        .create_user(
            &AuditCtx::system(),
            NewUser {
                org_id: Some(org.parse().expect("org id")),
                email: email.into(),
                display_name: "Una Unresolved".into(),
                password_hash: hash,
                role: Role::Manager,
                status: UserStatus::Active,
                employee_id: None,
                not_employee: false,
                departments: vec![dept.parse().expect("department id")],
            },
        )
        .await
        .expect("manager created");
    app.token(email).await
}

#[tokio::test]
async fn an_unresolved_manager_decides_nothing_until_an_admin_resolves_the_account() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let token = unresolved_manager(&app, &w.a.id, &w.a.dept, "una@a.example").await;
    let id = my_id(&app, &token).await;
    let approve = format!(
        "/api/v1/enrolment-candidates/{}/approve",
        uuid::Uuid::now_v7()
    );

    let r = app.post(&approve, Some(&token), json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(
        message(&r).contains("ask an administrator to link it or mark it"),
        "{}",
        r.body
    );

    // The admin's list of accounts to resolve names it, and only unresolved ones.
    let r = app.get("/api/v1/users?link=unresolved", &w.a.admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let listed: Vec<&str> = r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    assert_eq!(listed, vec![id.as_str()]);
    // So does the admin's overview; a manager's overview has no such section.
    let admin_home = dash(&app, "admin@a.example")
        .await
        .get("/dashboard")
        .await
        .1;
    assert!(
        admin_home.contains(r#"id="unlinked""#) && admin_home.contains("una@a.example"),
        "{admin_home}"
    );
    let manager_home = dash(&app, "manager@a.example")
        .await
        .get("/dashboard")
        .await
        .1;
    assert!(!manager_home.contains(r#"id="unlinked""#), "{manager_home}");

    let r = patch(
        &app,
        &format!("/api/v1/users/{id}"),
        &w.a.admin,
        json!({"not_employee": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["link"], "not_employee");
    let r = app.get("/api/v1/users?link=unresolved", &w.a.admin).await;
    assert_eq!(r.body["items"], json!([]), "{}", r.body);
    let admin_home = dash(&app, "admin@a.example")
        .await
        .get("/dashboard")
        .await
        .1;
    assert!(!admin_home.contains(r#"id="unlinked""#), "{admin_home}");

    // Resolved, the same call gets as far as the (made-up) candidate.
    let r = app.post(&approve, Some(&token), json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test]
async fn an_admin_or_manager_account_is_created_or_invited_only_with_a_link_or_the_mark() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let user = |extra: Value| {
        let mut body = json!({"email": format!("{}@a.example", uuid::Uuid::now_v7()),
            "display_name": "Mia", "password": PASSWORD, "role": "manager", "departments": [w.a.dept]});
        body.as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        body
    };
    let r = app
        .post("/api/v1/users", Some(&w.a.admin), user(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.to_string().contains("not_employee: true"),
        "{}",
        r.body
    );
    let both = json!({"employee_id": w.a.other_employee, "not_employee": true});
    let r = app
        .post("/api/v1/users", Some(&w.a.admin), user(both))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    let linked = json!({"employee_id": w.a.other_employee});
    let r = app
        .post("/api/v1/users", Some(&w.a.admin), user(linked))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["link"], "linked");
    // An employee record belongs to one account.
    let again = json!({"employee_id": w.a.other_employee});
    let r = app
        .post("/api/v1/users", Some(&w.a.admin), user(again))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    let invites = format!("/api/v1/organisations/{}/invites", w.a.id);
    let r = app
        .post(&invites, Some(&w.a.admin), json!({"role": "manager"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    // An invite carries the link to the account it creates (to an employee nobody has yet:
    // Ana's record belongs to her own account).
    let r = app
        .post(
            &invites,
            Some(&w.a.admin),
            json!({"role": "manager", "employee_id": w.a.employee}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let ivo = hire(&app, &w.a.admin, &w, "90").await;
    let r = app
        .post(
            &invites,
            Some(&w.a.admin),
            json!({"role": "manager", "employee_id": ivo}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let code = r.body["code"].as_str().expect("code");
    let r = app
        .post(
            "/api/v1/auth/accept-invite",
            None,
            json!({"code": code, "email": "ivo@a.example", "password": PASSWORD, "display_name": "Ivo"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        (r.body["link"].as_str(), r.body["employee_id"].as_str()),
        (Some("linked"), Some(ivo.as_str()))
    );
}

#[tokio::test]
async fn nobody_links_their_own_account_or_marks_it_not_an_employee() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let me = format!("/api/v1/users/{}", w.a.admin_user);
    for body in [
        json!({"not_employee": false}),
        json!({"employee_id": w.a.other_employee}),
    ] {
        let r = patch(&app, &me, &w.a.admin, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body.to_string().contains("another administrator does"),
            "{}",
            r.body
        );
    }
}

#[tokio::test]
async fn promoting_an_account_to_manager_needs_a_link_or_the_mark() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = app
        .post(
            "/api/v1/users",
            Some(&w.a.admin),
            json!({"email": "eva@a.example", "display_name": "Eva", "password": PASSWORD, "role": "employee"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["link"], "not_needed");
    let account = format!("/api/v1/users/{}", r.id());
    let r = patch(&app, &account, &w.a.admin, json!({"role": "manager"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = patch(
        &app,
        &account,
        &w.a.admin,
        json!({"role": "manager", "employee_id": w.a.other_employee}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["link"], "linked");
}
