//! A minimal valid body and query for each route that needs one, so a call reaches the
//! permission check instead of being refused for its shape. Templates name the case's records
//! as `{org}`, `{site}`, `{dept}`, `{employee}`, `{qualification}`, `{leave_type}`; `{unique}`
//! is new on every call. Pages take url-encoded forms, the API JSON.

use super::requests::Route;

const BODIES: &[(&str, &str, &str)] = &[
    // Accounts and sign-in: wrong codes and passwords still show who may try.
    (
        "POST",
        "/api/v1/auth/login",
        r#"{"email": "nobody@a.example", "password": "wrong password"}"#,
    ),
    (
        "POST",
        "/api/v1/auth/refresh",
        r#"{"refresh_token": "not-a-token"}"#,
    ),
    ("POST", "/api/v1/auth/logout", "{}"),
    (
        "POST",
        "/api/v1/auth/password",
        r#"{"current_password": "not the password", "new_password": "another password"}"#,
    ),
    (
        "POST",
        "/api/v1/auth/password-reset",
        r#"{"email": "nobody@a.example"}"#,
    ),
    (
        "POST",
        "/api/v1/auth/password-reset/confirm",
        r#"{"token": "made-up", "new_password": "whatever password"}"#,
    ),
    (
        "POST",
        "/api/v1/auth/register",
        r#"{"join_code": "made-up", "email": "{unique}@new.example", "password": "a long password", "display_name": "New", "employee_number": "{unique}"}"#,
    ),
    (
        "POST",
        "/api/v1/auth/accept-invite",
        r#"{"code": "made-up", "email": "{unique}@new.example", "password": "a long password", "display_name": "New"}"#,
    ),
    (
        "POST",
        "/api/v1/auth/login/totp",
        r#"{"challenge": "made-up", "code": "000000"}"#,
    ),
    ("POST", "/api/v1/auth/totp/setup", "{}"),
    ("POST", "/api/v1/auth/totp/confirm", r#"{"code": "000000"}"#),
    (
        "POST",
        "/api/v1/auth/totp/disable",
        r#"{"password": "not the password", "code": "000000"}"#,
    ),
    (
        "PATCH",
        "/api/v1/organisations/{id}/settings",
        r#"{"require_totp_for_approvers": false}"#,
    ),
    (
        "PUT",
        "/api/v1/organisations/{id}/single-admin",
        r#"{"enabled": false}"#,
    ),
    (
        "PUT",
        "/api/v1/sites/{id}/liveness",
        r#"{"mode": "passive", "pass_score": 0.5, "challenge_below": 0.9, "on_failure": "flag", "challenge_timeout_s": 10, "evidence_thumbnails": false}"#,
    ),
    (
        "PUT",
        "/api/v1/sites/{id}/face-match",
        r#"{"models": [{"model": "dlib-resnet-v1", "threshold": 0.45, "margin": 0.1}]}"#,
    ),
    (
        "POST",
        "/api/v1/organisations/{id}/invites",
        r#"{"role": "org_admin", "email": "{unique}@invited.example"}"#,
    ),
    // Organisations.
    (
        "POST",
        "/api/v1/organisations",
        r#"{"name": "Org {unique}"}"#,
    ),
    (
        "POST",
        "/api/v1/sites",
        r#"{"org_id": "{org}", "name": "Site {unique}", "timezone": "Europe/Lisbon"}"#,
    ),
    (
        "POST",
        "/api/v1/departments",
        r#"{"org_id": "{org}", "name": "Dept {unique}"}"#,
    ),
    (
        "PUT",
        "/api/v1/organisations/{id}/pay-calendar",
        r#"{"kind": "monthly", "anchor": "2026-01-01"}"#,
    ),
    // People.
    (
        "POST",
        "/api/v1/employees",
        r#"{"org_id": "{org}", "employee_number": "{unique}", "display_name": "New", "department_id": "{dept}"}"#,
    ),
    (
        "PATCH",
        "/api/v1/employees/{id}",
        r#"{"display_name": "Ana"}"#,
    ),
    (
        "POST",
        "/api/v1/users",
        r#"{"org_id": "{org}", "email": "{unique}@new.example", "display_name": "New", "password": "a long password", "role": "org_admin"}"#,
    ),
    ("PATCH", "/api/v1/users/{id}", r#"{"status": "active"}"#),
    (
        "PUT",
        "/api/v1/employees/{id}/punch-sites",
        r#"{"site_ids": ["{site}"]}"#,
    ),
    (
        "PUT",
        "/api/v1/employees/{id}/pay-rates",
        r#"{"effective_from": "2026-01-01", "hourly_cents": 1500}"#,
    ),
    // Kiosks.
    (
        "POST",
        "/api/v1/devices",
        r#"{"site_id": "{site}", "name": "Kiosk {unique}"}"#,
    ),
    ("POST", "/api/v1/device/provision", r#"{"code": "made-up"}"#),
    ("POST", "/api/v1/device/events", r#"{"events": []}"#),
    (
        "POST",
        "/api/v1/device-events/{id}/discard",
        r#"{"reason": "badge lent"}"#,
    ),
    (
        "POST",
        "/api/v1/flagged-punches/{id}/reject",
        r#"{"reason": "a photo held up"}"#,
    ),
    // Attendance.
    (
        "POST",
        "/api/v1/shifts",
        r#"{"site_id": "{site}", "name": "Shift {unique}", "start": "08:00", "end": "16:00"}"#,
    ),
    (
        "PUT",
        "/api/v1/sites/{id}/policy",
        r#"{"max_open_hours": 12}"#,
    ),
    (
        "PUT",
        "/api/v1/employees/{id}/schedule",
        r#"{"from": "2026-03-23", "to": "2026-03-29", "shift_id": null}"#,
    ),
    (
        "POST",
        "/api/v1/employees/{id}/timesheets/{date}/reject",
        r#"{"reason": "hours missing"}"#,
    ),
    // Approvals.
    (
        "POST",
        "/api/v1/leave-types",
        r#"{"org_id": "{org}", "name": "Leave {unique}", "paid": true}"#,
    ),
    (
        "POST",
        "/api/v1/employees/{id}/leave",
        r#"{"leave_type_id": "{leave_type}", "first_day": "2026-04-06", "last_day": "2026-04-06"}"#,
    ),
    (
        "POST",
        "/api/v1/employees/{id}/corrections",
        r#"{"punch_type": "out", "at": "2026-03-02T16:00:00Z", "reason": "forgot"}"#,
    ),
    ("POST", "/api/v1/leave/{id}/reject", r#"{"reason": "busy"}"#),
    (
        "POST",
        "/api/v1/corrections/{id}/reject",
        r#"{"reason": "no"}"#,
    ),
    // Equipment and enrolment.
    (
        "POST",
        "/api/v1/equipment",
        r#"{"site_id": "{site}", "name": "Machine {unique}", "relay_channel": 2, "activation_code": "5150"}"#,
    ),
    ("PATCH", "/api/v1/equipment/{id}", r#"{"relay_channel": 0}"#),
    (
        "POST",
        "/api/v1/equipment/{id}/code",
        r#"{"activation_code": "8080"}"#,
    ),
    (
        "POST",
        "/api/v1/equipment/{id}/lockout",
        r#"{"reason": "guard broken"}"#,
    ),
    (
        "POST",
        "/api/v1/equipment/{id}/out-of-service",
        r#"{"reason": "service"}"#,
    ),
    (
        "POST",
        "/api/v1/qualifications",
        r#"{"org_id": "{org}", "name": "Qualification {unique}"}"#,
    ),
    (
        "PUT",
        "/api/v1/employees/{id}/qualifications/{qualification_id}",
        "{}",
    ),
    (
        "POST",
        "/api/v1/enrolment-candidates/{id}/reject",
        r#"{"reason": "blurred"}"#,
    ),
    // Dashboard forms.
    (
        "POST",
        "/dashboard/login",
        "email=nobody%40a.example&password=wrong",
    ),
    (
        "POST",
        "/dashboard/login/totp",
        "challenge=made-up&code=000000",
    ),
    ("POST", "/dashboard/security/confirm", "code=000000"),
    (
        "POST",
        "/dashboard/security/disable",
        "password=not+the+password&code=000000",
    ),
    (
        "POST",
        "/dashboard/invite",
        "code=made-up&email=new%40a.example&display_name=New&password=a+long+password",
    ),
    (
        "POST",
        "/dashboard/reset-password",
        "token=made-up&password=a+long+password",
    ),
    ("POST", "/dashboard/people/{id}/consent", "consent=granted"),
    ("POST", "/dashboard/people/{id}/delete", "confirm=yes"),
    (
        "POST",
        "/dashboard/timesheets/{employee}/{date}/reject",
        "reason=missing",
    ),
    (
        "POST",
        "/dashboard/enrolment/{id}/{action}",
        "reason=blurred",
    ),
    ("POST", "/dashboard/equipment/{id}/{action}", "reason=guard"),
    ("POST", "/dashboard/flagged/{id}/{action}", "reason=a+photo"),
];

const QUERIES: &[(&str, &str, &str)] = &[
    (
        "GET",
        "/api/v1/employees/{id}/attendance",
        "from=2026-03-01&to=2026-03-31",
    ),
    (
        "GET",
        "/api/v1/employees/{id}/schedule",
        "from=2026-03-01&to=2026-03-31",
    ),
    (
        "GET",
        "/api/v1/equipment/{id}/sessions",
        "from=2026-03-01&to=2026-03-31",
    ),
    ("GET", "/api/v1/reports/payroll", "date=2026-03-02"),
    (
        "GET",
        "/dashboard/timesheets/open",
        "employee={employee}&date=2026-02-01",
    ),
    ("GET", "/api/v1/reports/payroll.csv", "date=2026-03-02"),
    ("GET", "/api/v1/reports/labour-cost", "date=2026-03-02"),
    (
        "POST",
        "/api/v1/employees/{id}/timesheets/{date}/attachments",
        "filename=note.pdf",
    ),
];

fn lookup(table: &'static [(&str, &str, &str)], route: &Route) -> Option<&'static str> {
    table
        .iter()
        .find(|(m, p, _)| *m == route.method && *p == route.path)
        .map(|(.., t)| *t)
}

/// Whether the route's body or query names the case's records (so it is called with A's and
/// with B's, like a route with ids).
pub fn names_records(route: &Route) -> bool {
    let named = |t: &str| t.replace("{unique}", "").contains('{');
    lookup(BODIES, route).is_some_and(named) || lookup(QUERIES, route).is_some_and(named)
}

/// The body template of `route`, if it takes one beyond `{}`.
pub fn body(route: &Route) -> Option<&'static str> {
    lookup(BODIES, route).or((route.method != "GET" && !route.is_page()).then_some("{}"))
}

/// The query template of `route`, if it needs one.
pub fn query(route: &Route) -> Option<&'static str> {
    lookup(QUERIES, route)
}

/// A small PDF, for the attachment upload (the one API body that is not JSON).
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
