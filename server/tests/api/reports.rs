//! The payroll export for a seeded month, checked against totals computed by hand.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, World, approve_timesheet, provisioned_device, spawn_app, world};

/// By hand: Ana regular 5 × 8 h + 4 h = 44 h, overtime 5 × 1 h = 5 h, lathe 1.5 h, paid 49 h;
/// Bruno 3 × 8 h = 24 h regular.
pub const FEBRUARY_CSV: &str = "employee_number,name,department,period_start,period_end,timesheet_status,regular_hours,overtime_hours,leave_hours,machine_hours,paid_hours\n\
     1,Ana,Assembly,2026-02-01,2026-02-28,approved,44.00,5.00,0.00,1.50,49.00\n\
     2,Bruno,Warehouse,2026-02-01,2026-02-28,draft,24.00,0.00,0.00,0.00,24.00\n";

fn punch(employee: &str, seq: u64, at: &str, kind: &str) -> Value {
    json!({
        "event_id": uuid::Uuid::now_v7(), "seq": seq, "captured_at": at,
        "body": {"kind": "punch", "employee_id": employee, "punch_type": kind, "method": "pin"}
    })
}

fn machine(
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
        body["stop_reason"] = json!("stop_key");
    }
    json!({"event_id": uuid::Uuid::now_v7(), "seq": seq, "captured_at": at, "body": body})
}

/// February 2026 at org A's Lisbon site, monthly pay period 1–28: Ana works 44 h regular, 5 h
/// daily overtime and 1.5 h on the lathe, and her timesheet is approved; Bruno works 24 h and
/// his stays a draft. The hand-computed CSV is [`FEBRUARY_CSV`].
pub async fn seed_february(app: &TestApp, w: &World) {
    let device = provisioned_device(app, &w.a.admin, &w.a.site).await;
    let policy = json!({"overtime": {"daily_threshold_minutes": 480, "weekly_threshold_minutes": 2400, "week_starts": "monday"}});
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/sites/{}/policy", w.a.site),
            Some(&w.a.admin),
            Some(policy),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let lathe = app
        .stores
        .equipment
        .create_equipment(
            &attend_server::db::AuditCtx::system(),
            attend_server::features::equipment::NewEquipment {
                org_id: w.a.id.parse().expect("org"),
                site_id: w.a.site.parse().expect("site"),
                name: "Lathe".into(),
                relay_channel: 0,
                activation_code_hash: "unused".into(),
                code_fingerprint: None,
                required_qualification: None,
            },
        )
        .await
        .expect("equipment")
        .to_string();

    // February 2026 in Lisbon (UTC+0 all month), monthly pay period 1–28.
    let mut events = Vec::new();
    let mut seq = 0;
    let mut add = |e: Value| events.push(e);
    let mut next = || {
        seq += 1;
        seq
    };
    // Ana: Mon 2 – Fri 6, 08:00–17:00 (9 h: 8 regular + 1 daily overtime each day), then
    // Mon 9, 08:00–12:00 (4 h regular); a 90-minute lathe session on Tue 3.
    for day in 2..=6 {
        add(punch(
            &w.a.employee,
            next(),
            &format!("2026-02-0{day}T08:00:00Z"),
            "in",
        ));
        add(punch(
            &w.a.employee,
            next(),
            &format!("2026-02-0{day}T17:00:00Z"),
            "out",
        ));
    }
    add(punch(&w.a.employee, next(), "2026-02-09T08:00:00Z", "in"));
    add(punch(&w.a.employee, next(), "2026-02-09T12:00:00Z", "out"));
    let session = uuid::Uuid::now_v7().to_string();
    add(machine(
        &w.a.employee,
        &lathe,
        &session,
        next(),
        "2026-02-03T10:00:00Z",
        false,
    ));
    add(machine(
        &w.a.employee,
        &lathe,
        &session,
        next(),
        "2026-02-03T11:30:00Z",
        true,
    ));
    // Bruno: Tue 10 – Thu 12, 09:00–17:00 (8 h regular each).
    for day in 10..=12 {
        add(punch(
            &w.a.other_employee,
            next(),
            &format!("2026-02-{day}T09:00:00Z"),
            "in",
        ));
        add(punch(
            &w.a.other_employee,
            next(),
            &format!("2026-02-{day}T17:00:00Z"),
            "out",
        ));
    }
    let r = app.push(&device, &json!(events)).await;
    assert!(
        r.body["acks"]
            .as_array()
            .expect("acks")
            .iter()
            .all(|a| a["status"] == "accepted"),
        "{}",
        r.body
    );

    // Ana's timesheet is submitted and approved; Bruno's stays a draft.
    approve_timesheet(app, &w.a, "2026-02-01").await;
}

#[tokio::test]
async fn the_payroll_csv_of_a_seeded_month_matches_hand_computed_totals() {
    let app = spawn_app().await;
    let w = world(&app).await;
    seed_february(&app, &w).await;

    let download = |token: String| {
        let req = app
            .client
            .get(format!(
                "{}/api/v1/reports/payroll.csv?date=2026-02-14",
                app.base
            ))
            .bearer_auth(token);
        async move { req.send().await.expect("sent") }
    };
    let r = download(w.a.admin.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"payroll-2026-02-01-2026-02-28.csv\""
    );
    let csv = r.text().await.expect("body");
    assert_eq!(csv, FEBRUARY_CSV);

    // The manager of Assembly exports Ana only; employees may not export.
    let mine = download(w.a.manager.clone())
        .await
        .text()
        .await
        .expect("body");
    assert_eq!(mine.lines().count(), 2, "{mine}");
    assert!(mine.contains("\n1,Ana,"), "{mine}");
    assert_eq!(
        download(w.a.employee_token.clone()).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = app
        .get("/api/v1/reports/payroll?date=2026-02-31", &w.a.admin)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

#[tokio::test]
async fn labour_cost_per_period_is_priced_by_rate_and_forecast_with_a_held_out_error() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let device = provisioned_device(&app, &w.a.admin, &w.a.site).await;
    let calendar = format!("/api/v1/organisations/{}/pay-calendar", w.a.id);
    let r = app
        .call(
            reqwest::Method::PUT,
            &calendar,
            Some(&w.a.admin),
            Some(json!({"kind": "weekly", "anchor": "2026-01-05"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let rates = format!("/api/v1/employees/{}/pay-rates", w.a.employee);
    for (from, cents) in [("2026-01-01", 2_000), ("2026-03-01", 9_999)] {
        let r = app
            .call(
                reqwest::Method::PUT,
                &rates,
                Some(&w.a.admin),
                Some(json!({"effective_from": from, "hourly_cents": cents})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let r = app
        .call(
            reqwest::Method::PUT,
            &rates,
            Some(&w.a.admin),
            Some(json!({"effective_from": "2026-01-01", "hourly_cents": 0})),
        )
        .await;
    assert_eq!(r.body["error"]["details"][0]["field"], "hourly_cents");
    assert_eq!(
        app.get(&rates, &w.a.manager).await.status,
        StatusCode::FORBIDDEN,
        "pay is for admins"
    );

    // Six weekly periods from Monday 5 January: in week k Ana works k days of 8 h.
    let mut events = Vec::new();
    let mut seq = 0;
    let monday = jiff::civil::date(2026, 1, 5);
    for week in 0..6i64 {
        for day in 0..=week {
            let date = monday
                .checked_add(jiff::Span::new().days(week * 7 + day))
                .expect("date");
            for (at, kind) in [("08:00", "in"), ("16:00", "out")] {
                seq += 1;
                events.push(punch(&w.a.employee, seq, &format!("{date}T{at}:00Z"), kind));
            }
        }
    }
    // Bruno works once, and has no pay rate.
    events.push(punch(
        &w.a.other_employee,
        100,
        "2026-01-06T08:00:00Z",
        "in",
    ));
    events.push(punch(
        &w.a.other_employee,
        101,
        "2026-01-06T12:00:00Z",
        "out",
    ));
    assert_eq!(
        app.push(&device, &json!(events)).await.status,
        StatusCode::OK
    );

    let r = app
        .get(
            "/api/v1/reports/labour-cost?date=2026-02-10&history=6",
            &w.a.admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let periods = r.body["periods"].as_array().expect("periods");
    let costs: Vec<u64> = periods
        .iter()
        .filter_map(|p| p["cost_cents"].as_u64())
        .collect();
    // k × 8 h × 20.00 per week, by hand.
    assert_eq!(costs, vec![16_000, 32_000, 48_000, 64_000, 80_000, 96_000]);
    assert_eq!(periods[0]["period"]["start"], "2026-01-05");
    assert_eq!(periods[0]["employees_without_rate"], 1, "Bruno has no rate");
    assert_eq!(periods[0]["departments"]["Assembly"]["cost_cents"], 16_000);
    assert_eq!(periods[0]["departments"]["Warehouse"]["paid_minutes"], 240);
    assert_eq!(r.body["next_period"]["start"], "2026-02-16");
    let forecast = r.body["forecast_cost_cents"].as_u64().expect("forecast");
    assert!(
        (110_000..=114_000).contains(&forecast),
        "the trend continues: {forecast}"
    );
    let error = r.body["holdout"]["error_percent"]
        .as_f64()
        .expect("held-out error");
    assert!(error < 2.0, "{}", r.body["holdout"]);
    assert_eq!(
        app.get(
            "/api/v1/reports/labour-cost?date=2026-02-10&history=1",
            &w.a.admin
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.get("/api/v1/reports/labour-cost?date=2026-02-10", &w.a.manager)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
