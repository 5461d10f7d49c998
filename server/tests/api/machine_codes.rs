//! A site's machine codes stay apart (review L6): the database refuses a second live machine of
//! a site with the same code, inside the writing transaction, and checking a new code costs no
//! argon2 run per machine of the site.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, World, spawn_app, world};

fn machine(w: &World, name: &str, relay: u8, code: &str) -> Value {
    json!({"site_id": w.a.site, "name": name, "relay_channel": relay, "activation_code": code})
}

async fn create(
    app: &TestApp,
    w: &World,
    name: &str,
    relay: u8,
    code: &str,
) -> crate::helpers::Reply {
    app.post(
        "/api/v1/equipment",
        Some(&w.a.admin),
        machine(w, name, relay, code),
    )
    .await
}

fn field(r: &crate::helpers::Reply) -> Option<&str> {
    r.body["error"]["details"][0]["field"].as_str()
}

#[tokio::test]
async fn two_machines_created_at_once_with_the_same_code_at_one_site_are_not_both_stored() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (a, b) = tokio::join!(
        create(&app, &w, "Lathe", 0, "4711"),
        create(&app, &w, "Drill", 1, "4711")
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY],
        "{} / {}",
        a.body,
        b.body
    );
    let refused = if a.status == StatusCode::CREATED {
        &b
    } else {
        &a
    };
    assert_eq!(field(refused), Some("activation_code"), "{}", refused.body);

    // The same code at another site is another machine's business.
    let depot = app.new_site(&w.a.admin, &w.a.id, "Depot").await;
    let r = app
        .post(
            "/api/v1/equipment",
            Some(&w.a.admin),
            json!({"site_id": depot, "name": "Lathe", "relay_channel": 0, "activation_code": "4711"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn checking_a_new_code_costs_no_argon2_run_per_machine_of_the_site() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let mut first = String::new();
    for (relay, code) in [(0, "1111"), (1, "2222"), (2, "3333")] {
        let r = create(&app, &w, &format!("Machine {relay}"), relay, code).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        if relay == 0 {
            first = r.id();
        }
    }
    let before = app.state.hasher.runs();
    let r = create(&app, &w, "Machine 3", 3, "4444").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        app.state.hasher.runs() - before,
        1,
        "only the new code's hash"
    );

    // A rotation to a code another machine uses is refused by the database too.
    let r = app
        .post(
            &format!("/api/v1/equipment/{first}/code"),
            Some(&w.a.admin),
            json!({"activation_code": "2222"}),
        )
        .await;
    assert_eq!(
        (r.status, field(&r)),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("activation_code")),
        "{}",
        r.body
    );

    // A machine from before fingerprints (planted: its fingerprint removed) is still compared,
    // by argon2, and only it.
    app.plant(&format!(
        "UPDATE equipment SET code_fingerprint = NULL WHERE id = '{first}'"
    ))
    .await;
    let before = app.state.hasher.runs();
    let r = create(&app, &w, "Machine 4", 4, "1111").await;
    assert_eq!(
        (r.status, field(&r)),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("activation_code")),
        "{}",
        r.body
    );
    assert_eq!(
        app.state.hasher.runs() - before,
        1,
        "one comparison, no hash"
    );
}
