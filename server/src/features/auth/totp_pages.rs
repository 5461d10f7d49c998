//! The dashboard's Security page: one's own second factor. It shows whether it is on, sets an
//! authenticator app up (the secret and the otpauth URI as text, since pages carry no
//! scripts), turns it on with a first code (showing the recovery codes once), and turns it off.
//! Every form calls the same service entry points as `/api/v1/auth/totp/…`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

use super::second_factor::{DisableTotpRequest, TotpCode};
use crate::app::state::AppState;
use crate::dashboard::pages::Pages;
use crate::dashboard::session::{Posted, SECURITY, Viewer};
use crate::dashboard::{Flash, done, explain, fmt, or_error_page, show};
use crate::platform::error::Error;

pub fn routes() -> Pages {
    Pages::new()
        .get(SECURITY, security)
        .post("/dashboard/security/setup", setup)
        .post("/dashboard/security/confirm", confirm)
        .post("/dashboard/security/disable", disable)
}

pub async fn security(State(state): State<AppState>, viewer: Viewer) -> Response {
    match state.auth.totp_status(&viewer.caller).await {
        Ok(status) => show(
            &viewer,
            "security.html",
            "security",
            context! { status => fmt::v(&status), can_set_up => viewer.caller.role.can_approve() },
        ),
        Err(e) => or_error_page(&viewer, "security", e),
    }
}

#[derive(Debug, Deserialize)]
pub struct Nothing {}

/// Answers the page itself (not a redirect): the secret is shown this once.
pub async fn setup(
    State(state): State<AppState>,
    Posted(viewer, Nothing {}): Posted<Nothing>,
) -> Response {
    match state.auth.setup_totp(&viewer.caller).await {
        Ok(setup) => {
            // A phone's camera reads the key from the screen; the typed key stays beside it.
            // Drawn here, not by a third party: the secret never leaves the server's page.
            let qr_png = qrcodegen_image::draw_base64(&setup.otpauth_uri)
                .inspect_err(|error| tracing::warn!(%error, "could not draw the TOTP QR code"))
                .ok();
            show(
                &viewer,
                "security.html",
                "security",
                context! { setup => fmt::v(&setup), qr_png },
            )
        }
        Err(e) => done(SECURITY, Err(e)),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Answers the page itself: the recovery codes are shown this once.
pub async fn confirm(
    State(state): State<AppState>,
    Posted(viewer, form): Posted<CodeForm>,
) -> Response {
    match state
        .auth
        .confirm_totp(&viewer.caller, TotpCode { code: form.code })
        .await
    {
        Ok(codes) => {
            let mut viewer = viewer;
            viewer.flash = Some(Flash::success(
                "The second factor is on: sign-in asks for a code from now on.",
            ));
            show(
                &viewer,
                "security.html",
                "security",
                context! { recovery => codes.recovery_codes },
            )
        }
        Err(e) => {
            let status = match e {
                Error::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            let mut viewer = viewer;
            viewer.flash = Some(Flash::error(explain(e)));
            let mut r = show(
                &viewer,
                "security.html",
                "security",
                context! { retry => true },
            );
            *r.status_mut() = status;
            r
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

pub async fn disable(
    State(state): State<AppState>,
    Posted(viewer, form): Posted<DisableForm>,
) -> Response {
    let req = DisableTotpRequest {
        password: form.password,
        code: form.code,
    };
    let outcome = state.auth.disable_totp(&viewer.caller, req).await;
    done(
        SECURITY,
        outcome.map(|()| "The second factor is off.".to_owned()),
    )
}
