//! The pages a mailed link opens, before anyone is signed in: accepting an invite
//! (`/dashboard/invite?code=…&email=…`) and resetting a password
//! (`/dashboard/reset-password?token=…`, or without a token: asking for a reset link).
//!
//! There is no session yet, so each form carries a double-submit token like the sign-in page:
//! a cookie and a field that must match, which a form posted from another site cannot arrange.
//! The forms call the same auth service entry points as the JSON API (`accept_invite`,
//! `confirm_reset`, `request_reset`), so codes, lockouts and validation are theirs.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use minijinja::{Value, context};
use serde::Deserialize;

use super::joining::AcceptInviteRequest;
use super::reset::{ResetConfirm, ResetRequest};
use crate::app::state::AppState;
use crate::dashboard::pages::Pages;
use crate::dashboard::session::{cookie, double_submit_ok};
use crate::dashboard::{Flash, explain, fmt, refused, render_html};
use crate::platform::error::Error;
use crate::platform::extract::ClientIp;
use crate::platform::tokens::random_token;

const FORM_CSRF: &str = "attend_form_csrf";

pub fn routes() -> Pages {
    Pages::new()
        .get("/dashboard/invite", invite_form)
        .post("/dashboard/invite", accept_invite)
        .get("/dashboard/reset-password", reset_form)
        .post("/dashboard/reset-password", reset)
}

/// A page with a fresh double-submit token (set as a cookie, and given to the template).
fn form_page(
    jar: CookieJar,
    template: &str,
    status: StatusCode,
    ctx: Value,
    flash: Option<Flash>,
) -> Response {
    let token = random_token(32);
    let jar = jar.add(cookie(FORM_CSRF, token.clone()));
    let ctx = context! { form_csrf => token, flash => fmt::v(&flash), ..ctx };
    match render_html(template, ctx) {
        Ok(html) => (status, jar, Html(html)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Whether the posted `_csrf` matches the cookie this site set.
/// A refused form's status and its sentence for a person.
fn refusal(e: Error) -> (StatusCode, Option<Flash>) {
    let status = match &e {
        Error::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    (status, Some(Flash::error(explain(e))))
}

const EXPIRED: &str =
    "This form expired or was not sent from this site. Reload the page and try again.";

#[derive(Debug, Default, Deserialize)]
pub struct InviteLink {
    #[serde(default)]
    code: String,
    #[serde(default)]
    email: String,
}

pub async fn invite_form(jar: CookieJar, Query(link): Query<InviteLink>) -> Response {
    let ctx = context! { code => link.code, email => link.email, display_name => "" };
    form_page(jar, "invite.html", StatusCode::OK, ctx, None)
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

pub async fn accept_invite(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    Form(form): Form<InviteForm>,
) -> Response {
    if !double_submit_ok(&jar, FORM_CSRF, &form.csrf) {
        return refused(EXPIRED);
    }
    let shown = context! { code => form.code.clone(), email => form.email.clone(), display_name => form.display_name.clone() };
    let req = AcceptInviteRequest {
        code: form.code,
        email: form.email,
        password: form.password,
        display_name: form.display_name,
    };
    match state.auth.accept_invite(ip, req).await {
        Ok(_) => {
            let jar = jar.remove(Cookie::build(FORM_CSRF).path("/dashboard"));
            match render_html("invite.html", context! { joined => true }) {
                Ok(html) => (jar, Html(html)).into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(e) => {
            let (status, flash) = refusal(e);
            form_page(jar, "invite.html", status, shown, flash)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetLink {
    #[serde(default)]
    token: String,
}

pub async fn reset_form(jar: CookieJar, Query(link): Query<ResetLink>) -> Response {
    form_page(
        jar,
        "reset.html",
        StatusCode::OK,
        context! { token => link.token },
        None,
    )
}

/// Either a new password with a token, or (no token) an e-mail asking for a reset link.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    email: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

pub async fn reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    Form(form): Form<ResetForm>,
) -> Response {
    if !double_submit_ok(&jar, FORM_CSRF, &form.csrf) {
        return refused(EXPIRED);
    }
    if form.token.is_empty() {
        let (status, flash) = match state.auth.request_reset(ResetRequest { email: form.email }) {
            Ok(_) => (
                StatusCode::OK,
                Some(Flash::success(
                    "If that address has an account, a reset link is on its way.",
                )),
            ),
            Err(e) => refusal(e),
        };
        return form_page(jar, "reset.html", status, context! {}, flash);
    }
    let token = form.token.clone();
    let req = ResetConfirm {
        token: form.token,
        new_password: form.new_password,
    };
    match state.auth.confirm_reset(ip, req).await {
        Ok(()) => match render_html("reset.html", context! { done => true }) {
            Ok(html) => (
                jar.remove(Cookie::build(FORM_CSRF).path("/dashboard")),
                Html(html),
            )
                .into_response(),
            Err(e) => e.into_response(),
        },
        Err(e) => {
            let (status, flash) = refusal(e);
            form_page(jar, "reset.html", status, context! { token }, flash)
        }
    }
}
