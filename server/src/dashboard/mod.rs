//! The manager dashboard: server-rendered pages (minijinja, auto-escaped) under `/dashboard`.
//!
//! Sessions are cookies holding a random token (only its SHA-256 is stored), `HttpOnly`,
//! `Secure` and `SameSite=Strict`, scoped to `/dashboard`. Every form carries a CSRF token:
//! the session's own after sign-in, and before it a double-submit token (cookie and form
//! field must match), so a form posted from elsewhere is refused with 403. Sign-in shares the
//! API's lockout after repeated failures.

use std::sync::OnceLock;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use jiff::{SignedDuration, Timestamp};
use minijinja::{Environment, context};
use serde::Deserialize;

use crate::auth::password;
use crate::auth::tokens::{random_token, token_hash};
use crate::http::AppState;
use crate::storage::{User, UserStatus};

const SESSION: &str = "attend_session";
const LOGIN_CSRF: &str = "attend_login_csrf";
const SESSION_HOURS: i64 = 8;

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("layout.html", include_str!("templates/layout.html")),
            ("login.html", include_str!("templates/login.html")),
            ("home.html", include_str!("templates/home.html")),
            ("refused.html", include_str!("templates/refused.html")),
        ] {
            env.add_template(name, source)
                .expect("dashboard templates parse");
        }
        env
    })
}

fn page(name: &str, ctx: minijinja::Value) -> Response {
    match templates().get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, template = name, "dashboard template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn refused(message: &str) -> Response {
    let mut r = page("refused.html", context! { message });
    *r.status_mut() = StatusCode::FORBIDDEN;
    r
}

/// A browser-session cookie; the server enforces the session's own expiry.
fn cookie(name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/dashboard")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .build()
}

/// Constant-time equality, so a token cannot be guessed byte by byte from timings.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The signed-in user and the session's CSRF token.
async fn current(state: &AppState, jar: &CookieJar) -> Option<(User, String, String)> {
    let token = jar.get(SESSION)?.value().to_owned();
    let hash = token_hash(&token);
    let (user, csrf) = state
        .store
        .web_session(&hash, Timestamp::now())
        .await
        .ok()??;
    Some((user, csrf, hash))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(home))
        .route("/dashboard/login", get(login_form).post(login))
        .route("/dashboard/logout", post(logout))
}

async fn home(State(state): State<AppState>, jar: CookieJar) -> Response {
    match current(&state, &jar).await {
        Some((user, csrf, _)) => {
            let user = minijinja::Value::from(minijinja::value::Serde(user));
            page("home.html", context! { user, csrf })
        }
        None => Redirect::to("/dashboard/login").into_response(),
    }
}

fn login_page(jar: CookieJar, email: &str, error: Option<&str>) -> Response {
    let token = random_token(32);
    let jar = jar.add(cookie(LOGIN_CSRF, token.clone()));
    (
        jar,
        page("login.html", context! { login_csrf => token, email, error }),
    )
        .into_response()
}

async fn login_form(jar: CookieJar) -> Response {
    login_page(jar, "", None)
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = jar
        .get(LOGIN_CSRF)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if expected.is_empty() || !same(&expected, &form.csrf) {
        return refused(
            "The sign-in form expired or was not sent from this site. Reload the page and try again.",
        );
    }
    let key = form.email.trim().to_lowercase();
    let now = Timestamp::now();
    if let Ok(Some(until)) = state.store.throttle_locked_until("login", &key, now).await {
        let minutes = until.duration_since(now).as_mins().max(1);
        return login_page(
            jar,
            &form.email,
            Some(&format!(
                "Too many failed attempts: try again in {minutes} minute(s)."
            )),
        );
    }
    let creds = state.store.credentials_by_email(&key).await.ok().flatten();
    let ok = password::verify(
        form.password.clone(),
        creds.as_ref().map(|c| c.password_hash.clone()),
    )
    .await;
    let Some(creds) = creds.filter(|c| ok && c.user.status == UserStatus::Active) else {
        let a = &state.settings.auth;
        let _ = state
            .store
            .throttle_failure(
                "login",
                &key,
                now,
                a.max_failures,
                SignedDuration::from_secs(a.failure_window_s),
                SignedDuration::from_secs(a.lockout_s),
            )
            .await;
        return login_page(
            jar,
            &form.email,
            Some("Wrong e-mail or password, or the account is not active."),
        );
    };
    let _ = state.store.throttle_clear("login", &key).await;
    let (token, csrf) = (random_token(32), random_token(32));
    let ttl = SignedDuration::from_hours(SESSION_HOURS);
    if let Err(error) = state
        .store
        .create_web_session(creds.user.id, &token_hash(&token), &csrf, now + ttl)
        .await
    {
        tracing::error!(%error, "could not create a dashboard session");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF).path("/dashboard"))
        .add(cookie(SESSION, token));
    (jar, Redirect::to("/dashboard")).into_response()
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some((_, csrf, hash)) = current(&state, &jar).await else {
        return Redirect::to("/dashboard/login").into_response();
    };
    if !same(&csrf, &form.csrf) {
        return refused("This form was not sent from this site (missing or wrong CSRF token).");
    }
    let _ = state
        .store
        .revoke_web_session(&hash, Timestamp::now())
        .await;
    let jar = jar.remove(Cookie::build(SESSION).path("/dashboard"));
    (jar, Redirect::to("/dashboard/login")).into_response()
}
