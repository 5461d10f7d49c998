//! One cell of the matrix as a request: the route's path parameters filled with the case's
//! records, a minimal valid body, the caller's credentials; and the answer reduced to the class
//! the table speaks in.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::bodies::{PDF, body, query};
use super::fixture::{Case, Credentials, Fixture, Records};
use crate::helpers::{SignOpts, TestApp, sign};

/// A route: an operation of the JSON API or a dashboard page.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub method: String,
    pub path: String,
}

impl Route {
    /// Whether the route names records (in its path, body or query), so A's and B's differ.
    pub fn has_ids(&self) -> bool {
        self.path.contains('{') || super::bodies::names_records(self)
    }

    pub fn is_page(&self) -> bool {
        self.path.starts_with("/dashboard")
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// What came back: the table's class of the answer, and the body to look for canaries in.
pub struct Answer {
    pub class: String,
    pub body: String,
}

/// Routes that destroy their record get a fresh one per call, so no call sees another's
/// deletion.
async fn fresh(app: &TestApp, fx: &Fixture, route: &Route, r: &Records) -> Option<String> {
    let root = Some(fx.root.as_str());
    let unique = uuid::Uuid::now_v7().simple().to_string();
    let created = match (route.method.as_str(), route.path.as_str()) {
        ("DELETE", "/api/v1/employees/{id}") | ("POST", "/dashboard/people/{id}/delete") => {
            app.post("/api/v1/employees", root, json!({"org_id": r.org.id, "employee_number": unique, "display_name": "Doomed", "department_id": r.org.dept}))
                .await
        }
        ("DELETE", "/api/v1/shifts/{id}") => {
            app.post(
                "/api/v1/shifts",
                root,
                json!({"site_id": r.org.site, "name": unique, "start": "22:00", "end": "06:00"}),
            )
            .await
        }
        ("DELETE", "/api/v1/equipment/{id}") => {
            // A site has few relay channels: each doomed machine gets a site of its own.
            let site = app
                .post("/api/v1/sites", root, json!({"org_id": r.org.id, "name": unique, "timezone": "Europe/Lisbon"}))
                .await
                .id();
            app.post("/api/v1/equipment", root, json!({"site_id": site, "name": unique, "relay_channel": 1, "activation_code": "4712"}))
                .await
        }
        _ => return None,
    };
    assert!(created.status.is_success(), "{route}: {}", created.body);
    Some(created.id())
}

/// The value of path parameter `name` of `route` for the case's records.
fn parameter(route: &Route, name: &str, r: &Records) -> String {
    let path = route.path.as_str();
    let under = |prefix: &str| path.starts_with(prefix);
    match name {
        "employee" => r.org.employee.clone(),
        "date" => "2026-02-01".into(),
        "qualification_id" => r.qualification.clone(),
        "tier" => "general".into(),
        "key" => "nobody".into(),
        "action" if under("/dashboard/devices") => "enable".into(),
        "action" if under("/dashboard/equipment") => "lockout".into(),
        "action" if under("/dashboard/flagged") => "confirm".into(),
        "action" => "approve".into(),
        "id" if under("/api/v1/employees") || under("/dashboard/people") => r.org.employee.clone(),
        "id" if under("/api/v1/organisations") => r.org.id.clone(),
        "id" if under("/api/v1/sites") => r.org.site.clone(),
        "id" if under("/api/v1/departments") => r.org.dept.clone(),
        "id" if under("/api/v1/devices") || under("/dashboard/devices") => r.org.device.clone(),
        "id" if under("/api/v1/equipment") || under("/dashboard/equipment") => r.equipment.clone(),
        "id" if under("/api/v1/users") => r.spare_user.clone(),
        "id" if under("/api/v1/leave") || under("/dashboard/leave") => r.leave.clone(),
        "id" if under("/api/v1/corrections") => r.correction.clone(),
        "id" if under("/api/v1/attachments") => r.attachment.clone(),
        "id" if under("/api/v1/device-events") => r.held_event.clone(),
        "id" if under("/api/v1/flagged-punches") || under("/dashboard/flagged") => {
            r.flagged_event.clone()
        }
        "id" if under("/api/v1/enrolment-candidates") || under("/dashboard/enrolment") => {
            r.candidate.clone()
        }
        other => panic!("{route}: no value for the path parameter {{{other}}}"),
    }
}

/// The path with its parameters filled, and its query.
async fn concrete(app: &TestApp, fx: &Fixture, route: &Route, case: Case) -> String {
    let r = fx.records(case);
    let fresh = fresh(app, fx, route, r).await;
    let mut out = String::new();
    let mut rest = route.path.as_str();
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').expect("closing brace") + open;
        out.push_str(&rest[..open]);
        let name = &rest[open + 1..close];
        match &fresh {
            Some(id) if name == "id" => out.push_str(id),
            _ => out.push_str(&parameter(route, name, r)),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    if let Some(q) = query(route) {
        out.push('?');
        out.push_str(&fill(q, r));
    }
    out
}

/// A body template with `{org}`, `{site}`, `{dept}`, `{employee}`, `{qualification}`,
/// `{leave_type}` and `{unique}` filled from the case's records.
fn fill(template: &str, r: &Records) -> String {
    template
        .replace("{org}", &r.org.id)
        .replace("{site}", &r.org.site)
        .replace("{dept}", &r.org.dept)
        .replace("{employee}", &r.org.employee)
        .replace("{qualification}", &r.qualification)
        .replace("{leave_type}", &r.leave_type)
        .replace("{unique}", &uuid::Uuid::now_v7().simple().to_string())
}

/// Sends one cell's request as the caller and classifies the answer.
pub async fn send(
    app: &TestApp,
    client: &reqwest::Client,
    fx: &Fixture,
    route: &Route,
    case: Case,
    who: &Credentials,
) -> Answer {
    let path = concrete(app, fx, route, case).await;
    let method: Method = route.method.parse().expect("method");
    // Signing out ends the session it is sent with: use one of its own.
    let fresh_user;
    let who = match who {
        Credentials::User { email, .. } if route.path.ends_with("/logout") => {
            fresh_user = super::fresh_session(app, email).await;
            &fresh_user
        }
        _ => who,
    };
    let r = fx.records(case);
    let double_submit = if route.method == "POST" && NO_SESSION_FORMS.contains(&route.path.as_str())
    {
        Some(form_token(client, &app.base, &route.path).await)
    } else {
        None
    };
    let (content_type, bytes) = if route.path.ends_with("/photos") {
        multipart_photo(who)
    } else if route.is_page() {
        let mut form: Vec<(String, String)> = body(route)
            .map(|b| serde_urlencoded::from_str(&fill(b, r)).expect("form template is url-encoded"))
            .unwrap_or_default();
        if let Some((_, token)) = &double_submit {
            form.push(("_csrf".into(), token.clone()));
        } else if let Credentials::User { csrf, .. } = who {
            form.push(("_csrf".into(), csrf.clone()));
        }
        let encoded = serde_urlencoded::to_string(&form).expect("form");
        ("application/x-www-form-urlencoded", encoded.into_bytes())
    } else if route.method == "POST" && route.path.ends_with("/attachments") {
        ("application/pdf", PDF.to_vec())
    } else {
        let b = body(route).map(|b| fill(b, r)).unwrap_or_default();
        ("application/json", b.into_bytes())
    };
    let mut req = client.request(method.clone(), format!("{}{path}", app.base));
    if route.method != "GET" {
        req = req.header("content-type", content_type).body(bytes.clone());
    }
    match who {
        Credentials::None | Credentials::Kiosk(_) if double_submit.is_some() => {
            let (form_cookie, _) = double_submit.as_ref().expect("checked");
            req = req.header("cookie", form_cookie);
        }
        Credentials::None => {}
        Credentials::User { token, cookie, .. } => {
            req = if route.is_page() {
                let cookies = match &double_submit {
                    Some((form_cookie, _)) => format!("{cookie}; {form_cookie}"),
                    None => cookie.clone(),
                };
                req.header("cookie", cookies)
            } else {
                req.bearer_auth(token)
            };
        }
        Credentials::Kiosk(device) => {
            req = sign(req, device, &method, &path, &bytes, &SignOpts::default());
        }
    }
    let resp = req.send().await.expect("request sent");
    classify(resp).await
}

/// The forms posted before anyone is signed in: a double-submit cookie and field instead of a
/// session's token.
const NO_SESSION_FORMS: &[&str] = &[
    "/dashboard/login",
    "/dashboard/invite",
    "/dashboard/reset-password",
];

/// Opens a no-session form's page: its double-submit cookie (`name=value`) and the form's token.
async fn form_token(client: &reqwest::Client, base: &str, path: &str) -> (String, String) {
    let r = client
        .get(format!("{base}{path}"))
        .send()
        .await
        .expect("sent");
    let cookie = ["attend_login_csrf", "attend_form_csrf"]
        .into_iter()
        .find_map(|name| crate::dash_client::set_cookie(&r, name).map(|v| format!("{name}={v}")))
        .expect("a double-submit cookie");
    let html = r.text().await.expect("html");
    (cookie, crate::dash_client::hidden_csrf(&html))
}

/// A one-photo upload form (not a face: whoever may upload gets a refusal of the photo).
fn multipart_photo(who: &Credentials) -> (&'static str, Vec<u8>) {
    let csrf = match who {
        Credentials::User { csrf, .. } => csrf.as_str(),
        _ => "",
    };
    let body = format!(
        "--matrix\r\ncontent-disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n\
         --matrix\r\ncontent-disposition: form-data; name=\"photos\"; filename=\"a.jpg\"\r\n\
         content-type: image/jpeg\r\n\r\nnot a photo\r\n--matrix--\r\n"
    );
    ("multipart/form-data; boundary=matrix", body.into_bytes())
}

/// A flash cookie's text: percent-encoding around a form-encoded message.
fn decoded(cookie: &str) -> String {
    let decode = |text: &str| {
        form_urlencoded::parse(format!("m={text}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    decode(&decode(cookie))
}

/// The class of an answer: `+` when the permission check let the call through (2xx, a
/// success or business refusal flashed by a form, or 400/409/422: the request itself was
/// refused); `login` for the dashboard's redirect to its sign-in page; otherwise the status
/// (401, 403, 404, ...). A form's refusal is read from its flash message.
async fn classify(mut resp: reqwest::Response) -> Answer {
    let status = resp.status();
    let location = resp
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let flash = crate::dash_client::set_cookie(&resp, "attend_flash").unwrap_or_default();
    // Signing out also ends at the sign-in page, but clears the session cookie on the way.
    let signed_out = crate::dash_client::set_cookie(&resp, "attend_session").is_some();
    let is_stream = resp
        .headers()
        .get("content-type")
        .is_some_and(|c| c.as_bytes().starts_with(b"text/event-stream"));
    // An event stream never ends: its first event (the board as it is) is what it shows.
    let body = if is_stream {
        let chunk = resp.chunk().await.ok().flatten().unwrap_or_default();
        String::from_utf8_lossy(&chunk).into_owned()
    } else {
        resp.text().await.unwrap_or_default()
    };
    let class = match status {
        s if s.is_redirection() && location.starts_with("/dashboard/login") && !signed_out => {
            "login".into()
        }
        s if s.is_redirection() && flash.starts_with("error") => {
            // The flash is the refusal explained (`dashboard::explain`).
            let text = decoded(&flash).to_lowercase();
            if text.contains("not found") {
                "404".into()
            } else if text.contains("you may not do this") {
                "403".into()
            } else {
                "+".into()
            }
        }
        s if s.is_success() || s.is_redirection() => "+".into(),
        StatusCode::BAD_REQUEST | StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
            if std::env::var_os("ATTEND_MATRIX_EXACT").is_none() =>
        {
            "+".into()
        }
        s => s.as_u16().to_string(),
    };
    Answer { class, body }
}
