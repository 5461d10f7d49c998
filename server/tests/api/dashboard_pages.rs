//! Dashboard pages over plain HTTP with a real cookie session: what each page shows, that its
//! forms act through the API's rules (and say why when they refuse), and that scope, roles
//! and CSRF hold on every page.

use reqwest::StatusCode;
use serde_json::json;

use crate::dash_client::dash;
use crate::helpers::{TestApp, provisioned_device, spawn_app, world};

#[tokio::test]
async fn the_devices_page_shows_health_and_flags_clock_skew_and_set_aside_events_and_an_admin_disables_a_kiosk()
 {
    let app = spawn_app().await;
    let w = world(&app).await;
    let good = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let skewed = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let refusal = "413: the request body is over 8388608 bytes";
    for (device, offset, queue, aside) in [(&good, -420, 17, 0), (&skewed, 3_500, 0, 3)] {
        let beat = json!({"event_id": uuid::Uuid::now_v7(), "seq": 1, "captured_at": jiff::Timestamp::now(),
            "body": {"kind": "heartbeat", "versions": {"attendd": "0.1.0", "models": []}, "queue_depth": queue, "clock_offset_ms": offset,
                     "set_aside": aside, "set_aside_reason": (aside > 0).then_some(refusal)}});
        assert_eq!(
            app.push(device, &json!([beat])).await.status,
            StatusCode::OK
        );
    }
    let admin = dash(&app, "admin@a.example").await;
    let (status, html) = admin.get("/dashboard/devices").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<td class="num">17</td>"#), "{html}");
    assert!(html.contains("<td>0.1.0</td>"), "{html}");
    assert!(
        html.contains(&format!(
            r#"<strong class="tag break">3</strong> <span class="muted">{refusal}</span>"#
        )),
        "set-aside events flagged with the latest refusal: {html}"
    );
    assert!(html.contains(">-0.4 s</td>"), "small skew shown plainly");
    assert!(html.contains("+3.5 s (check NTP)"), "large skew flagged");
    assert!(html.contains(">online</span>"));
    assert!(
        html.contains("waiting to be provisioned"),
        "the world's unprovisioned Door"
    );

    let (status, kind, text) = admin
        .post(
            &format!("/dashboard/devices/{}/disable", skewed.id),
            &[],
            true,
        )
        .await;
    assert_eq!((status, kind.as_str()), (StatusCode::SEE_OTHER, "success"));
    assert_eq!(text, "Kiosk is disabled: its syncs are refused.");
    let r = app.push(&skewed, &json!([])).await;
    assert_eq!(
        (r.status, r.body["error"]["message"].as_str()),
        (StatusCode::FORBIDDEN, Some("this device has been disabled"))
    );
    // Managers see the page but may not disable.
    let manager = dash(&app, "manager@a.example").await;
    let (_, kind, text) = manager
        .post(
            &format!("/dashboard/devices/{}/disable", good.id),
            &[],
            true,
        )
        .await;
    assert_eq!(
        (kind.as_str(), text.as_str()),
        ("error", "You may not do this")
    );
}

#[tokio::test]
async fn a_lockout_set_on_the_equipment_board_reaches_the_kiosk_roster() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let r = app
        .post("/api/v1/equipment", Some(&w.a.admin), json!({"site_id": w.a.site, "name": "Lathe", "relay_channel": 0, "activation_code": "4711"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let lathe = r.id();
    let manager = dash(&app, "manager@a.example").await;
    let (_, html) = manager.get("/dashboard/equipment").await;
    assert!(
        html.contains("<td>Lathe</td><td>0</td><td>idle</td>"),
        "{html}"
    );

    let lockout = format!("/dashboard/equipment/{lathe}/lockout");
    let (_, kind, text) = manager.post(&lockout, &[("reason", " ")], true).await;
    assert_eq!(kind, "error");
    assert!(text.starts_with("reason: "), "{text}");
    let (_, kind, text) = manager
        .post(&lockout, &[("reason", "guard broken")], true)
        .await;
    assert_eq!(
        (kind.as_str(), text.as_str()),
        (
            "success",
            "Lathe is locked out; kiosks stop it at their next roster pull."
        )
    );
    let (_, html) = manager.get("/dashboard/equipment").await;
    assert!(html.contains("Locked out</strong> guard broken"), "{html}");

    let roster = app
        .signed(
            &device,
            reqwest::Method::GET,
            "/api/v1/device/roster?since=0",
            Vec::new(),
            crate::helpers::SignOpts::default(),
        )
        .await;
    let machine = &roster.body["equipment"][0];
    assert_eq!(machine["locked_out"], true, "{}", roster.body);
    // Without the form's CSRF token nothing changes.
    let (status, _, _) = manager
        .post(
            &format!("/dashboard/equipment/{lathe}/lift-lockout"),
            &[],
            false,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let r = app
        .get(&format!("/api/v1/equipment/{lathe}"), &w.a.admin)
        .await;
    assert_eq!(r.body["locked_out"], true);
}

#[tokio::test]
async fn leave_is_approved_on_the_dashboard_and_escalation_asks_for_the_next_level() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let kind = app
        .post(
            "/api/v1/leave-types",
            Some(&w.a.admin),
            json!({"name": "Annual", "paid": true, "annual_days": 20}),
        )
        .await
        .id();
    let mine = format!("/api/v1/employees/{}/leave", w.a.employee);
    let ask = |first: &str, last: &str| {
        app.post(
            &mine,
            Some(&w.a.employee_token),
            json!({"leave_type_id": kind, "first_day": first, "last_day": last}),
        )
    };
    let first = ask("2026-02-16", "2026-02-18").await.id();
    let second = ask("2026-03-02", "2026-03-02").await.id();
    let manager = dash(&app, "manager@a.example").await;
    let (_, html) = manager.get("/dashboard/leave").await;
    assert!(
        html.contains("Approve Ana&#x27;s leave") || html.contains("Approve Ana's leave"),
        "{html}"
    );
    assert_eq!(html.matches("<td>Ana</td><td>Annual</td>").count(), 2);

    let (_, kind_, text) = manager
        .post(&format!("/dashboard/leave/{first}/approve"), &[], true)
        .await;
    assert_eq!(
        (kind_.as_str(), text.as_str()),
        ("success", "Leave approved.")
    );
    let (_, kind_, text) = manager
        .post(
            &format!("/dashboard/leave/{second}/reject"),
            &[("reason", "")],
            true,
        )
        .await;
    assert_eq!(
        (kind_.as_str(), text.as_str()),
        ("error", "reason: is required to reject")
    );
    let (_, kind_, _) = manager
        .post(&format!("/dashboard/leave/{second}/escalate"), &[], true)
        .await;
    assert_eq!(kind_, "success");
    let r = app.get(&mine, &w.a.employee_token).await;
    let statuses: Vec<(String, u64)> = r.body["requests"]["items"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|q| {
            (
                q["status"].as_str().unwrap_or("").to_owned(),
                q["required_level"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(statuses.contains(&("approved".into(), 1)), "{statuses:?}");
    assert!(statuses.contains(&("pending".into(), 2)), "{statuses:?}");
}

#[tokio::test]
async fn attendance_filters_narrow_by_department_and_exceptions() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let punch = |who: &str, seq: u64, at: &str, kind: &str| {
        json!({"event_id": uuid::Uuid::now_v7(), "seq": seq, "captured_at": at,
               "body": {"kind": "punch", "employee_id": who, "punch_type": kind, "method": "pin"}})
    };
    // Ana forgets to clock out on Tuesday; Bruno works a clean day.
    let events = json!([
        punch(&w.a.employee, 1, "2026-03-03T08:00:00Z", "in"),
        punch(&w.a.other_employee, 2, "2026-03-03T09:00:00Z", "in"),
        punch(&w.a.other_employee, 3, "2026-03-03T17:00:00Z", "out"),
    ]);
    assert_eq!(app.push(&device, &events).await.status, StatusCode::OK);
    let admin = dash(&app, "admin@a.example").await;
    let range = "from=2026-03-02&to=2026-03-06";
    let (_, all) = admin.get(&format!("/dashboard/attendance?{range}")).await;
    assert!(
        all.contains("<td>Ana</td>") && all.contains("<td>Bruno</td>"),
        "{all}"
    );
    assert!(
        all.contains("<td>Bruno</td><td>Warehouse</td><td class=\"num\">8.00</td>"),
        "{all}"
    );
    let (_, flagged) = admin
        .get(&format!("/dashboard/attendance?{range}&exceptions_only=1"))
        .await;
    assert!(
        flagged.contains("<td>Ana</td>") && !flagged.contains("<td>Bruno</td>"),
        "{flagged}"
    );
    assert!(
        flagged.contains("Clock-out forgotten; closed at"),
        "{flagged}"
    );
    let (_, warehouse) = admin
        .get(&format!(
            "/dashboard/attendance?{range}&department_id={}&employee_id=",
            dept_of(&app, &w.a.admin, &w.a.other_employee).await
        ))
        .await;
    assert!(
        !warehouse.contains("<td>Ana</td>") && warehouse.contains("<td>Bruno</td>"),
        "{warehouse}"
    );
    // A range the engine refuses is explained, naming the field.
    let (status, html) = admin
        .get("/dashboard/attendance?from=2026-03-06&to=2026-03-02")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("to: "), "{html}");
}

async fn dept_of(app: &TestApp, token: &str, employee: &str) -> String {
    let r = app
        .get(&format!("/api/v1/employees/{employee}"), token)
        .await;
    r.body["department_id"]
        .as_str()
        .expect("department")
        .to_owned()
}

#[tokio::test]
async fn pages_keep_to_the_viewers_scope_and_role() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let manager = dash(&app, "manager@a.example").await;
    // Another organisation's employee does not exist for this manager.
    let (status, html) = manager
        .get(&format!("/dashboard/people/{}", w.b.employee))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Not found, or not yours to see."));
    // Nor does an employee of a department they do not manage.
    let (status, _) = manager
        .get(&format!("/dashboard/people/{}", w.a.other_employee))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, people) = manager.get("/dashboard/people").await;
    assert!(
        people.contains(">Ana</a>") && !people.contains(">Bruno</a>"),
        "{people}"
    );
    // An employee account signs in but the managers' pages refuse it.
    let worker = dash(&app, "worker@a.example").await;
    let (status, html) = worker.get("/dashboard/timesheets").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("You may not do this"), "{html}");
    // Its navigation offers nothing it would be refused, and its home page says so.
    let (status, home) = worker.get("/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    // Templates escape the slashes of links.
    let home = home.replace("&#x2f;", "/");
    assert!(home.contains(r#"id="own-only""#), "{home}");
    for link in [
        "/dashboard/people",
        "/dashboard/live",
        "/dashboard/timesheets",
        "/dashboard/reports",
    ] {
        assert!(
            !home.contains(&format!(r#"href="{link}""#)),
            "{link} offered: {home}"
        );
    }
    let (_, manager_home) = manager.get("/dashboard").await;
    let manager_home = manager_home.replace("&#x2f;", "/");
    assert!(
        manager_home.contains(r#"href="/dashboard/people""#),
        "{manager_home}"
    );
    // Support staff see no tenant's people or presence (the permission table gives them none).
    let support = dash(&app, "support@attend.example").await;
    for page in ["/dashboard/people", "/dashboard/live"] {
        let (status, html) = support.get(page).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
        assert!(!html.contains("Ana"), "{page}: {html}");
    }
    let (_, support_home) = support.get("/dashboard").await;
    assert!(
        !support_home
            .replace("&#x2f;", "/")
            .contains(r#"href="/dashboard/people""#)
    );
    // Nor does the staff list or the live board show it anybody else.
    for page in ["/dashboard/people", "/dashboard/live"] {
        let (status, html) = worker.get(page).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
        assert!(
            !html.contains("Bruno") && !html.contains("Ana<"),
            "{page}: {html}"
        );
    }
    // Signed out: every page sends the browser to sign-in.
    let r = manager
        .client
        .get(format!("{}/dashboard/reports", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        (
            r.status(),
            r.headers().get("location").and_then(|l| l.to_str().ok())
        ),
        (StatusCode::SEE_OTHER, Some("/dashboard/login"))
    );
}

#[tokio::test]
async fn a_timesheet_is_sent_back_with_a_reason_and_a_person_deleted_only_when_confirmed() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let sheet = format!("/api/v1/employees/{}/timesheets/2026-02-01", w.a.employee);
    let r = app
        .post(
            &format!("{sheet}/submit"),
            Some(&w.a.employee_token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let manager = dash(&app, "manager@a.example").await;
    let reject = format!("/dashboard/timesheets/{}/2026-02-01/reject", w.a.employee);
    let (_, kind, text) = manager.post(&reject, &[("reason", "")], true).await;
    assert_eq!(kind, "error");
    assert!(text.starts_with("reason: "), "{text}");
    let (_, kind, text) = manager
        .post(
            &reject,
            &[("reason", "Tuesday's clock-out is missing")],
            true,
        )
        .await;
    assert_eq!(
        (kind.as_str(), text.as_str()),
        (
            "success",
            "Timesheet sent back to the employee with your reason."
        )
    );
    let r = app.get(&sheet, &w.a.employee_token).await;
    assert_eq!(r.body["status"], "draft");
    assert_eq!(
        r.body["record"]["rejection_reason"],
        "Tuesday's clock-out is missing"
    );

    // Deleting needs the confirmation box, and an admin.
    let person = format!("/dashboard/people/{}/delete", w.a.employee);
    let (_, kind, text) = manager.post(&person, &[("confirm", "yes")], true).await;
    assert_eq!(
        (kind.as_str(), text.as_str()),
        ("error", "You may not do this")
    );
    let admin = dash(&app, "admin@a.example").await;
    let (_, kind, text) = admin.post(&person, &[], true).await;
    assert_eq!(
        (kind.as_str(), text.as_str()),
        ("error", "confirm: tick the box to confirm the deletion")
    );
    assert_eq!(
        app.get(&format!("/api/v1/employees/{}", w.a.employee), &w.a.admin)
            .await
            .status,
        StatusCode::OK
    );
    let (status, kind, _) = admin.post(&person, &[("confirm", "yes")], true).await;
    assert_eq!((status, kind.as_str()), (StatusCode::SEE_OTHER, "success"));
    assert_eq!(
        app.get(&format!("/api/v1/employees/{}", w.a.employee), &w.a.admin)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// Security review L8: each punch re-rendered the live board once per open stream, with no cap
/// on the streams a session could open.
#[tokio::test]
async fn a_session_may_keep_only_a_few_live_boards_open() {
    let app = spawn_app().await;
    world(&app).await;
    let d = dash(&app, "admin@a.example").await;
    let open = || {
        app.client
            .get(format!("{}/dashboard/live/events", app.base))
            .header("cookie", d.cookie())
            .send()
    };
    let mut streams = Vec::new();
    for _ in 0..attend_server::features::attendance::live::MAX_STREAMS_PER_SESSION {
        let r = open().await.expect("sent");
        assert_eq!(r.status(), StatusCode::OK);
        streams.push(r);
    }
    let refused = open().await.expect("sent");
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: serde_json::Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "too_many_streams");
    // Another session is not affected.
    let other = dash(&app, "manager@a.example").await;
    let r = app
        .client
        .get(format!("{}/dashboard/live/events", app.base))
        .header("cookie", other.cookie())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
}
