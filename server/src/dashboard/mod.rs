//! The dashboard's shell: server-rendered pages (minijinja, auto-escaped) under `/dashboard`.
//! No build step and no script framework: forms post back, and the live board's few lines of
//! inline script only swap in HTML the server rendered. Each feature brings its own pages
//! (`features/<feature>/pages.rs` and its templates); this module holds what they share.
//!
//! Module map:
//! - [`pages`]: [`pages::Pages`], how every page is declared once: the declaration builds the
//!   router and lists the pages, so tests can walk them all.
//! - [`session`]: sign-in and sign-out, the [`session::Viewer`] and [`session::Posted`]
//!   extractors (cookie session, CSRF check).
//! - [`fmt`]: values for templates: wall-clock times, hours, form choices.
//! - here: the template set, [`show`] (a page with its layout), [`done`] (post/redirect/get
//!   with a flash message), and [`explain`] (an error as a sentence for a person).
//!
//! Invariants: every page acts as the signed-in user through the same services the JSON API
//! calls, so permissions, scopes, validation and audit are never re-implemented here; every
//! form carries the session's CSRF token and is refused without it; an internal error is
//! logged and never shown.

pub mod fmt;
pub mod pages;
pub mod session;

use std::sync::OnceLock;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use minijinja::{Environment, Value, context};
use serde::Serialize;

use crate::access::{Action, Caller};
use crate::platform::error::Error;
use session::Viewer;

const FLASH: &str = "attend_flash";

/// The dashboard's own templates (`templates/`), then each feature's (`../features/<f>/`).
macro_rules! templates {
    ($($name:literal),* $(,)?; $($feature:literal / $fname:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("templates/", $name))),)*
         $(($fname, include_str!(concat!("../features/", $feature, "/", $fname))),)*]
    };
}

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in templates!(
            "layout.html",
            "login.html",
            "home.html",
            "refused.html";
            "attendance" / "attendance.html",
            "auth" / "invite.html",
            "auth" / "reset.html",
            "auth" / "security.html",
            "attendance" / "live.html",
            "attendance" / "live_rows.html",
            "devices" / "devices.html",
            "devices" / "flagged.html",
            "equipment" / "equipment.html",
            "leave" / "leave.html",
            "people" / "people.html",
            "people" / "person.html",
            "reports" / "reports.html",
            "timesheets" / "timesheets.html",
            "timesheets" / "timesheet.html",
        ) {
            env.add_template(name, source)
                .expect("dashboard templates parse");
        }
        env
    })
}

/// A template that failed to render (already logged); answered 500 without details.
#[derive(Debug)]
pub struct TemplateFailed;

impl IntoResponse for TemplateFailed {
    fn into_response(self) -> Response {
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }
}

/// Renders a template; a failure is logged.
pub fn render_html(name: &str, ctx: Value) -> Result<String, TemplateFailed> {
    templates()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|error| {
            tracing::error!(%error, template = name, "dashboard template failed");
            TemplateFailed
        })
}

fn page(name: &str, ctx: Value) -> Response {
    match render_html(name, ctx) {
        Ok(html) => Html(html).into_response(),
        Err(e) => e.into_response(),
    }
}

/// A page for the signed-in user: the layout gets the user, the CSRF token, the section for
/// the navigation and a flash message left by the previous post (consumed here).
/// The dashboard's sections, each with the service entry point its page opens with: a viewer's
/// navigation holds only the sections whose entry point the permission table lets them call,
/// so nobody is shown a link that would answer 403.
const SECTIONS: &[(&str, &str, &str, Action)] = &[
    ("live", "/dashboard/live", "Who is in", Action::WhoIsIn),
    (
        "attendance",
        "/dashboard/attendance",
        "Attendance",
        Action::ListEmployees,
    ),
    (
        "timesheets",
        "/dashboard/timesheets",
        "Timesheets",
        Action::ListTimesheets,
    ),
    ("leave", "/dashboard/leave", "Leave", Action::ListLeave),
    (
        "equipment",
        "/dashboard/equipment",
        "Equipment",
        Action::EquipmentBoard,
    ),
    (
        "devices",
        "/dashboard/devices",
        "Devices",
        Action::ListDevices,
    ),
    (
        "flagged",
        "/dashboard/flagged",
        "Flagged punches",
        Action::ListFlagged,
    ),
    (
        "people",
        "/dashboard/people",
        "Employees",
        Action::ListEmployees,
    ),
    ("reports", "/dashboard/reports", "Reports", Action::Payroll),
    (
        "security",
        crate::dashboard::session::SECURITY,
        "Security",
        Action::SetupTotp,
    ),
];

/// The sections `caller` may open, as (key, link, label).
pub fn sections(caller: &Caller) -> Vec<(&'static str, &'static str, &'static str)> {
    SECTIONS
        .iter()
        .filter(|(.., action)| caller.permit(*action).is_ok())
        .map(|(key, href, label, _)| (*key, *href, *label))
        .collect()
}

pub fn show(viewer: &Viewer, name: &str, section: &str, ctx: Value) -> Response {
    let user = fmt::v(&viewer.caller);
    let nav = sections(&viewer.caller);
    let ctx = context! { user, nav, csrf => viewer.csrf.clone(), section, flash => fmt::v(&viewer.flash), ..ctx };
    let r = page(name, ctx);
    if viewer.flash.is_some() {
        let jar = CookieJar::new().remove(Cookie::build(FLASH).path("/dashboard"));
        return (jar, r).into_response();
    }
    r
}

/// A refusal page without the layout (a post refused before its session could be trusted).
pub(crate) fn refused(message: &str) -> Response {
    refused_with(StatusCode::FORBIDDEN, message)
}

fn refused_with(status: StatusCode, message: &str) -> Response {
    let flash = Flash::error(message);
    let mut r = page("refused.html", context! { flash => fmt::v(&flash) });
    *r.status_mut() = status;
    r
}

/// A message for the next page: success and error look (and are announced) differently.
#[derive(Clone, Debug, Serialize)]
pub struct Flash {
    /// `success` or `error`: the CSS class, and `status` versus `alert` for screen readers.
    pub kind: &'static str,
    pub message: String,
}

impl Flash {
    pub fn success(message: impl Into<String>) -> Self {
        Self {
            kind: "success",
            message: message.into(),
        }
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self {
            kind: "error",
            message: message.into(),
        }
    }

    fn read(jar: &CookieJar) -> Option<Self> {
        let raw = jar.get(FLASH)?.value().to_owned();
        let (kind, message) = raw.split_once(':')?;
        let message: String = form_urlencoded::parse(format!("m={message}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())?;
        Some(if kind == "success" {
            Self::success(message)
        } else {
            Self::error(message)
        })
    }
}

/// What a post answers: back to `to`, carrying the outcome as a flash message
/// (post/redirect/get, so reloading the page never repeats the action).
/// A review queue's address: `path` filtered to one state (`key=value`), from the page after
/// `after` (the first page without).
pub fn queue_href(path: &str, key: &str, value: &str, after: Option<&str>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair(key, value);
    if let Some(after) = after {
        query.append_pair("after", after);
    }
    format!("{path}?{}", query.finish())
}

pub fn done(to: &str, outcome: Result<String, Error>) -> Response {
    let flash = match outcome {
        Ok(message) => Flash::success(message),
        Err(e) => Flash::error(explain(e)),
    };
    let value = format!(
        "{}:{}",
        flash.kind,
        form_urlencoded::byte_serialize(flash.message.as_bytes()).collect::<String>()
    );
    let jar = CookieJar::new().add(session::cookie(FLASH, value));
    (jar, Redirect::to(to)).into_response()
}

/// The API's error as a sentence for a person; internal errors are logged and not described.
pub fn explain(e: Error) -> String {
    match e {
        Error::Unprocessable(fields) => fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        Error::Internal(error) => {
            tracing::error!(error = %format!("{error:#}"), "dashboard action failed");
            "Something went wrong on the server. It has been logged; please try again.".into()
        }
        Error::NotFound => "Not found, or not yours to see.".into(),
        other => {
            let text = other.to_string();
            let mut chars = text.chars();
            chars.next().map_or(text.clone(), |c| {
                c.to_uppercase().collect::<String>() + chars.as_str()
            })
        }
    }
}

/// A page's data, or the page that says why there is none.
pub fn or_error_page(viewer: &Viewer, section: &str, e: Error) -> Response {
    let status = match &e {
        Error::Forbidden | Error::ForbiddenBecause(_) | Error::TotpRequired => {
            StatusCode::FORBIDDEN
        }
        Error::NotFound => StatusCode::NOT_FOUND,
        Error::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut viewer = viewer.clone();
    viewer.flash = Some(Flash::error(explain(e)));
    let mut r = show(&viewer, "refused.html", section, context! {});
    *r.status_mut() = status;
    r
}

/// The home page. Admins also see the newest mail that could not be delivered (dead letters),
/// so a mistyped address or a refusing mail server does not go unnoticed.
pub async fn home(
    axum::extract::State(state): axum::extract::State<crate::app::state::AppState>,
    viewer: Viewer,
) -> Response {
    // Only admins may list dead letters; for anyone else this is simply nothing to show.
    let dead = state
        .notifications
        .dead_letters(&viewer.caller)
        .await
        .unwrap_or_default();
    let undelivered: Vec<_> = dead
        .iter()
        .take(5)
        .map(|d| {
            context! { recipient => &d.recipient, subject => &d.subject, error => &d.last_error }
        })
        .collect();
    // Four eyes: accounts that decide nothing until an administrator says who they are. Only
    // account administrators may list them; for anyone else the list is simply empty.
    let page = crate::db::Page {
        limit: 10,
        after: None,
    };
    let (to_link, more_to_link) = state
        .people
        .list_users(
            &viewer.caller,
            Some(crate::access::EmployeeLink::Unresolved),
            &page,
        )
        .await
        .map(|page| (page.items, page.next.is_some()))
        .unwrap_or_default();
    let unlinked: Vec<_> = to_link
        .iter()
        .map(|u| context! { name => &u.display_name, email => &u.email, role => u.role.as_str(), id => u.id.to_string() })
        .collect();
    show(
        &viewer,
        "home.html",
        "home",
        context! {
            undelivered, undelivered_total => dead.len(),
            unlinked, unlinked_more => more_to_link,
        },
    )
}

/// Every page's stylesheet (pages carry no inline style: see `platform::headers`).
pub async fn stylesheet() -> Response {
    crate::platform::assets::css(include_str!("assets/dashboard.css"))
}
