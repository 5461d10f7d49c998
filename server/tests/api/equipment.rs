//! Equipment management over HTTP: machines with hashed, rotatable codes; holds that reach
//! kiosks; qualifications with expiry; the live board and the usage history.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Reply, SignOpts, TestApp, audit_actions, provisioned_device, spawn_app, world,
};

fn field(r: &Reply) -> Option<&str> {
    r.body["error"]["details"][0]["field"].as_str()
}

fn machine_event(
    employee: &str,
    equipment: &str,
    session: &str,
    seq: u64,
    at: &str,
    stop: bool,
) -> Value {
    let mut body = json!({"kind": "equipment", "session_id": session, "equipment_id": equipment,
                          "employee_id": employee, "action": if stop { "stop" } else { "start" }});
    if stop {
        body["stop_reason"] = json!("code_retyped");
    }
    json!({"event_id": uuid::Uuid::now_v7(), "seq": seq, "captured_at": at, "body": body})
}

async fn roster_machine(app: &TestApp, device: &crate::helpers::Device, id: &str) -> Option<Value> {
    let r = app
        .signed(
            device,
            Method::GET,
            "/api/v1/device/roster?since=0",
            Vec::new(),
            SignOpts::default(),
        )
        .await;
    r.body["equipment"]
        .as_array()
        .and_then(|e| e.iter().find(|m| m["id"] == json!(id)).cloned())
}

#[tokio::test]
async fn machines_are_managed_with_hashed_rotatable_codes_and_holds_that_reach_kiosks() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let q = app
        .post(
            "/api/v1/qualifications",
            Some(&w.a.admin),
            json!({"name": "Lathe safety"}),
        )
        .await;
    assert_eq!(q.status, StatusCode::CREATED, "{}", q.body);
    let q = q.id();
    let new = json!({"site_id": w.a.site, "name": "Lathe", "relay_channel": 0, "activation_code": "4711", "required_qualification_id": q});
    let r = app.post("/api/v1/equipment", Some(&w.a.admin), new).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(
        r.body.get("activation_code_hash").is_none(),
        "the hash never leaves the server"
    );
    let lathe = r.id();

    // Clear refusals naming the field.
    for (body, expect) in [
        (
            json!({"site_id": w.a.site, "name": "Drill", "relay_channel": 1, "activation_code": "47a1"}),
            (StatusCode::UNPROCESSABLE_ENTITY, "activation_code"),
        ),
        (
            json!({"site_id": w.a.site, "name": "Drill", "relay_channel": 1, "activation_code": "4711"}),
            (StatusCode::UNPROCESSABLE_ENTITY, "activation_code"),
        ),
        (
            json!({"site_id": w.a.site, "name": "Drill", "relay_channel": 0, "activation_code": "1234"}),
            (StatusCode::CONFLICT, "relay_channel"),
        ),
        (
            json!({"site_id": w.a.site, "name": "Lathe", "relay_channel": 2, "activation_code": "1234"}),
            (StatusCode::CONFLICT, "name"),
        ),
        (
            json!({"site_id": w.a.site, "name": "Drill", "relay_channel": 99, "activation_code": "1234"}),
            (StatusCode::UNPROCESSABLE_ENTITY, "relay_channel"),
        ),
    ] {
        let r = app.post("/api/v1/equipment", Some(&w.a.admin), body).await;
        assert_eq!(
            (r.status, field(&r)),
            (expect.0, Some(expect.1)),
            "{}",
            r.body
        );
    }
    assert_eq!(
        app.post("/api/v1/equipment", Some(&w.a.manager), json!({"site_id": w.a.site, "name": "Drill", "relay_channel": 1, "activation_code": "1234"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/equipment", &w.a.manager)
            .await
            .body
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // The kiosk gets the machine, its code hash and its qualification; a rotation replaces it.
    let before = roster_machine(&app, &device, &lathe)
        .await
        .expect("on the roster");
    assert_eq!(
        (
            before["required_qualification"].as_str(),
            before["locked_out"].as_bool()
        ),
        (Some(q.as_str()), Some(false))
    );
    let r = app
        .post(
            &format!("/api/v1/equipment/{lathe}/code"),
            Some(&w.a.admin),
            json!({"activation_code": "8080"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let after = roster_machine(&app, &device, &lathe)
        .await
        .expect("on the roster");
    assert_ne!(
        before["activation_code_hash"],
        after["activation_code_hash"]
    );
    assert!(
        after["activation_code_hash"]
            .as_str()
            .is_some_and(|h| h.starts_with("$argon2id$"))
    );

    // A manager locks it out (with a reason) and lifts it; out of service also reaches kiosks.
    let r = app
        .post(
            &format!("/api/v1/equipment/{lathe}/lockout"),
            Some(&w.a.manager),
            json!({"reason": "guard broken"}),
        )
        .await;
    assert_eq!(
        (
            r.body["locked_out"].as_bool(),
            r.body["lockout_reason"].as_str()
        ),
        (Some(true), Some("guard broken")),
        "{}",
        r.body
    );
    assert_eq!(
        roster_machine(&app, &device, &lathe).await.expect("m")["locked_out"],
        true
    );
    let r = app
        .call(
            Method::DELETE,
            &format!("/api/v1/equipment/{lathe}/lockout"),
            Some(&w.a.manager),
            None,
        )
        .await;
    assert_eq!(r.body["locked_out"], false, "{}", r.body);
    let r = app
        .post(
            &format!("/api/v1/equipment/{lathe}/out-of-service"),
            Some(&w.a.admin),
            json!({"reason": "annual service"}),
        )
        .await;
    assert_eq!(r.body["out_of_service"], true, "{}", r.body);
    assert_eq!(
        roster_machine(&app, &device, &lathe).await.expect("m")["locked_out"],
        true,
        "out of service also stops kiosks"
    );
    let r = app
        .post(
            &format!("/api/v1/equipment/{lathe}/lockout"),
            Some(&w.a.manager),
            json!({"reason": ""}),
        )
        .await;
    assert_eq!(field(&r), Some("reason"));
    assert_eq!(
        app.post(
            &format!("/api/v1/equipment/{lathe}/lockout"),
            Some(&w.b.admin),
            json!({"reason": "x"})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    let actions = audit_actions(&app, &w.a.admin, "equipment").await;
    assert_eq!(
        actions,
        vec![
            "create",
            "rotate_code",
            "lock_out",
            "lift_lockout",
            "out_of_service"
        ]
    );

    // Deleted: a tombstone for kiosks.
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/api/v1/equipment/{lathe}"),
            Some(&w.a.admin),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert!(roster_machine(&app, &device, &lathe).await.is_none());
}

#[tokio::test]
async fn qualifications_expire_and_the_board_and_history_show_machine_use() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let q = app
        .post(
            "/api/v1/qualifications",
            Some(&w.a.admin),
            json!({"name": "Forklift"}),
        )
        .await
        .id();
    let path = format!("/api/v1/employees/{}/qualifications/{q}", w.a.employee);
    let r = app
        .call(
            Method::PUT,
            &path,
            Some(&w.a.manager),
            Some(json!({"expires_on": "2027-06-30"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body[0]["name"].as_str(), r.body[0]["expires_on"].as_str()),
        (Some("Forklift"), Some("2027-06-30"))
    );
    // The kiosk's roster carries it with the employee, for offline checks.
    let roster = app
        .signed(
            &device,
            Method::GET,
            "/api/v1/device/roster?since=0",
            Vec::new(),
            SignOpts::default(),
        )
        .await
        .body;
    let ana = roster["employees"]
        .as_array()
        .expect("employees")
        .iter()
        .find(|e| e["id"] == json!(w.a.employee))
        .expect("ana")
        .clone();
    assert_eq!(ana["qualifications"][0]["expires_on"], "2027-06-30");
    // Another department's employee is out of the manager's reach; a foreign qualification is refused.
    let other = format!(
        "/api/v1/employees/{}/qualifications/{q}",
        w.a.other_employee
    );
    assert_eq!(
        app.call(Method::PUT, &other, Some(&w.a.manager), Some(json!({})))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let foreign = app
        .post(
            "/api/v1/qualifications",
            Some(&w.b.admin),
            json!({"name": "Crane"}),
        )
        .await
        .id();
    let r = app
        .call(
            Method::PUT,
            &format!(
                "/api/v1/employees/{}/qualifications/{foreign}",
                w.a.employee
            ),
            Some(&w.a.admin),
            Some(json!({})),
        )
        .await;
    assert_eq!(field(&r), Some("qualification_id"), "{}", r.body);
    let r = app
        .call(Method::DELETE, &path, Some(&w.a.manager), None)
        .await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(0), "revoked");

    // Usage: a finished session yesterday and one running now.
    let r = app.post("/api/v1/equipment", Some(&w.a.admin), json!({"site_id": w.a.site, "name": "Press", "relay_channel": 1, "activation_code": "5555"})).await;
    let press = r.id();
    let now = jiff::Timestamp::now();
    let at = |mins: i64| (now - jiff::SignedDuration::from_mins(mins)).to_string();
    let (done, running) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    let events = json!([
        machine_event(&w.a.employee, &press, &done, 1, &at(24 * 60), false),
        machine_event(&w.a.employee, &press, &done, 2, &at(24 * 60 - 75), true),
        machine_event(&w.a.employee, &press, &running, 3, &at(10), false),
    ]);
    assert!(
        app.push(&device, &events).await.body["acks"]
            .as_array()
            .expect("acks")
            .iter()
            .all(|a| a["status"] == "accepted")
    );
    let board = app.get("/api/v1/equipment/board", &w.a.manager).await;
    let entry = board
        .body
        .as_array()
        .expect("board")
        .iter()
        .find(|e| e["equipment"]["id"] == json!(press))
        .expect("press")
        .clone();
    assert_eq!(
        (
            entry["running"]["session_id"].as_str(),
            entry["running"]["employee_name"].as_str()
        ),
        (Some(running.as_str()), Some("Ana")),
        "{entry}"
    );
    let day = |d: jiff::Timestamp| d.to_zoned(jiff::tz::TimeZone::UTC).date();
    let history = app
        .get(
            &format!(
                "/api/v1/equipment/{press}/sessions?from={}&to={}",
                day(now - jiff::SignedDuration::from_hours(48)),
                day(now)
            ),
            &w.a.admin,
        )
        .await;
    assert_eq!(
        history.body["sessions"].as_array().map(Vec::len),
        Some(2),
        "{}",
        history.body
    );
    assert_eq!(history.body["machine_minutes"], 75);
    assert_eq!(history.body["sessions"][0]["stop_reason"], "code_retyped");
    // Security review L7: the range was unbounded.
    let decade = app
        .get(
            &format!("/api/v1/equipment/{press}/sessions?from=2016-01-01&to=2026-01-01"),
            &w.a.admin,
        )
        .await;
    assert_eq!(
        decade.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        decade.body
    );
    assert_eq!(decade.body["error"]["details"][0]["field"], "to");
}
