//! Dashboard sessions: signing in and out, and the extractors every page uses.
//!
//! - [`Viewer`]: the signed-in user of a GET, as the services' [`Caller`] (so pages call the
//!   same services as the API, with the same scopes, checks and audit) plus the session's CSRF
//!   token and any flash message. Without a live session the browser is sent to sign-in.
//! - [`Posted`]: a form post. The `_csrf` field must equal the session's token, checked in
//!   constant time before anything else is read; the remaining fields are parsed into `T`.

use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use minijinja::context;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{Flash, page, refused};
use crate::access::Caller;
use crate::app::state::AppState;
use crate::features::auth::service::{SignIn, WebSession};
use crate::platform::error::Error;
use crate::platform::extract::ClientIp;
use crate::platform::tokens::{random_token, token_hash};

pub const SESSION: &str = crate::platform::SESSION_COOKIE;
const LOGIN_CSRF: &str = "attend_login_csrf";
const SESSION_HOURS: i64 = 8;
/// One's own second factor (`features/auth/totp_pages.rs`).
pub const SECURITY: &str = "/dashboard/security";
pub const CSRF_REFUSED: &str =
    "This form was not sent from this site (missing or wrong CSRF token).";

/// A browser-session cookie; the server enforces the session's own expiry.
pub fn cookie(name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/dashboard")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .build()
}

/// Constant-time equality, so a token cannot be guessed byte by byte from timings.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The double-submit check of a form posted without a session (sign-in, invite, reset): the
/// token in cookie `name` must be present and equal the form's `_csrf` field, which a form
/// posted from another site cannot arrange.
pub fn double_submit_ok(jar: &CookieJar, name: &str, sent: &str) -> bool {
    let expected = jar
        .get(name)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    !expected.is_empty() && same(&expected, sent)
}

/// The signed-in user of a dashboard request.
#[derive(Clone, Debug)]
pub struct Viewer {
    /// The signed-in user, as every service takes them.
    pub caller: Caller,
    pub csrf: String,
    /// The session token's hash (what sign-out revokes).
    pub hash: String,
    pub flash: Option<Flash>,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        let to_login = || Redirect::to("/dashboard/login").into_response();
        let token = jar.get(SESSION).map(|c| c.value().to_owned());
        let Some(token) = token else {
            return Err(to_login());
        };
        let hash = token_hash(&token);
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state)
            .await
            .unwrap_or(ClientIp(None));
        let Ok(Some((caller, csrf))) = state.auth.web_caller(&hash, ip).await else {
            return Err(to_login());
        };
        // Until a second factor the organisation requires is set up, only its page (and
        // signing out) opens; the services would refuse the rest anyway.
        let path = parts.uri.path();
        if caller.totp_setup_due && !path.starts_with(SECURITY) && path != "/dashboard/logout" {
            return Err(Redirect::to(SECURITY).into_response());
        }
        Ok(Self {
            caller,
            csrf,
            hash,
            flash: Flash::read(&jar),
        })
    }
}

/// A form posted by a signed-in user, its CSRF token checked.
#[derive(Debug)]
pub struct Posted<T>(pub Viewer, pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Posted<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let Form(mut fields) = Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map_err(|_| {
                super::refused_with(StatusCode::BAD_REQUEST, "The form could not be read.")
            })?;
        let sent = fields
            .iter()
            .position(|(k, _)| k == "_csrf")
            .map(|i| fields.remove(i).1)
            .unwrap_or_default();
        if !same(&viewer.csrf, &sent) {
            return Err(refused(CSRF_REFUSED));
        }
        let encoded = serde_urlencoded::to_string(&fields).unwrap_or_default();
        let value = serde_urlencoded::from_str::<T>(&encoded).map_err(|e| {
            super::refused_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("The form has a bad field: {e}."),
            )
        })?;
        Ok(Self(viewer, value))
    }
}

/// The sign-in page: the password step, or (with a `challenge`) the code step.
fn login_page(
    jar: CookieJar,
    email: &str,
    challenge: Option<&str>,
    error: Option<&str>,
) -> Response {
    let token = random_token(32);
    let jar = jar.add(cookie(LOGIN_CSRF, token.clone()));
    let flash = error.map(Flash::error);
    (
        jar,
        page(
            "login.html",
            context! { login_csrf => token, email, challenge, flash => super::fmt::v(&flash) },
        ),
    )
        .into_response()
}

/// The sign-in page again after a refused step, saying why.
fn login_refused(jar: CookieJar, email: &str, challenge: Option<&str>, e: Error) -> Response {
    let message = match e {
        Error::TooManyRequests { retry_after_s, .. } => {
            let minutes = (retry_after_s / 60).max(1);
            format!("Too many failed attempts: try again in {minutes} minute(s).")
        }
        Error::Busy { .. } => "The server is busy: try again in a moment.".into(),
        Error::Internal(error) => {
            tracing::error!(error = %format!("{error:#}"), "could not create a dashboard session");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        // Only the code step has a challenge; a wrong password says nothing of the account.
        Error::Unauthorized(why) if challenge.is_some() => {
            format!("{}.", super::explain(Error::Unauthorized(why)))
        }
        _ => "Wrong e-mail or password, or the account is not active.".into(),
    };
    login_page(jar, email, challenge, Some(&message))
}

pub async fn login_form(jar: CookieJar) -> Response {
    login_page(jar, "", None, None)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// Before sign-in there is no session, so the form carries a double-submit token: the cookie
/// and the field must match, which a form posted from another site cannot arrange.
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    if !double_submit_ok(&jar, LOGIN_CSRF, &form.csrf) {
        return refused(
            "The sign-in form expired or was not sent from this site. Reload the page and try again.",
        );
    }
    // An over-long e-mail is refused by the service; it is not echoed back either.
    let shown = if form.email.len() <= 254 {
        form.email.as_str()
    } else {
        ""
    };
    let session = match state
        .auth
        .sign_in_web(shown, &form.password, SESSION_HOURS, ip.as_deref())
        .await
    {
        Ok(SignIn::Done(session)) => session,
        Ok(SignIn::Code(code)) => return login_page(jar, shown, Some(&code.challenge), None),
        Err(e) => return login_refused(jar, shown, None, e),
    };
    signed_in(jar, session)
}

/// The session cookie in place of the sign-in form's, and on to the dashboard.
fn signed_in(jar: CookieJar, session: WebSession) -> Response {
    let token = session.token;
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF).path("/dashboard"))
        .add(cookie(SESSION, token));
    (jar, Redirect::to("/dashboard")).into_response()
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    code: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// The code step of a sign-in, for an account with a second factor (same double-submit check
/// as the password step).
pub async fn login_totp(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Response {
    if !double_submit_ok(&jar, LOGIN_CSRF, &form.csrf) {
        return refused(
            "The sign-in form expired or was not sent from this site. Reload the page and try again.",
        );
    }
    match state
        .auth
        .sign_in_web_totp(&form.challenge, &form.code, SESSION_HOURS, ip.as_deref())
        .await
    {
        Ok(session) => signed_in(jar, session),
        // A challenge too long to be one is not shown back.
        Err(e) => {
            let challenge = (form.challenge.len() <= 200).then_some(form.challenge.as_str());
            login_refused(jar, "", challenge, e)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct Nothing {}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    Posted(viewer, Nothing {}): Posted<Nothing>,
) -> Response {
    let _ = state.auth.sign_out_web(&viewer.hash).await;
    let jar = jar.remove(Cookie::build(SESSION).path("/dashboard"));
    (jar, Redirect::to("/dashboard/login")).into_response()
}
