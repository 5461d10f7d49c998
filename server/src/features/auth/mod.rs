//! Signing in and staying signed in: passwords, access and refresh tokens, dashboard cookie
//! sessions, password resets, joining an organisation (join code or invite), and the lockouts
//! that stop guessing.
//!
//! - [`service`]: sign-in, tokens, API sessions, password change; [`web_sessions`]: dashboard
//!   sessions.
//! - [`joining`]: registration with a join code, and invites.
//! - [`reset`]: the password-reset flow (same answer whether or not the account exists).
//! - [`throttle`]: the lockout rule, a pure function; [`lockouts`]: [`lockouts::Throttle`], the
//!   rule applied through the store, which sign-in, resets, join codes and kiosk provisioning
//!   share.
//! - [`second_factor`]: the optional TOTP second factor (setup, the code step of a sign-in,
//!   turning it off, an admin's reset); [`totp`]: its pure parts (codes, sealing, challenges).
//! - [`bearer`]: the API's caller from a bearer token.
//! - [`api`] and [`totp_api`]: the JSON routes; [`totp_pages`]: the dashboard's Security
//!   page (one's own second factor); [`pages`]: the pages mailed links open (accept an invite, reset a
//!   password). The dashboard's sign-in page is in `dashboard::session`.
//! - [`store`]: the data access; [`sql`] implements it (on SQLite and PostgreSQL).
//!
//! Invariants: a refresh token is used once (its reuse ends the session); tokens and codes are
//! stored only as hashes; a lockout counts failures per kind and key, never per request.

pub mod api;
pub mod bearer;
pub mod joining;
pub mod lockouts;
pub mod pages;
pub mod reset;
pub mod second_factor;
pub mod service;
pub mod sql;
pub mod store;
pub mod throttle;
pub mod totp;
pub mod totp_api;
pub mod totp_pages;
pub mod web_sessions;

use attend_protocol::ids::UserId;

use crate::db::string_enum;

pub use service::AuthService;
pub use store::AuthStore;

string_enum!(InviteRole { OrgAdmin = "org_admin", Manager = "manager" });

/// How long refresh tokens live: each lasts `idle` from its issue, and no token of a login
/// session outlives `max_age` from the login (so a stolen, rotated chain ends too).
#[derive(Clone, Copy, Debug)]
pub struct RefreshLifetime {
    pub idle: jiff::SignedDuration,
    pub max_age: jiff::SignedDuration,
}

impl RefreshLifetime {
    /// The expiry of a token issued `now` in a session that began `created`; `None` once the
    /// session is past its age.
    pub fn next_expiry(
        &self,
        created: jiff::Timestamp,
        now: jiff::Timestamp,
    ) -> Option<jiff::Timestamp> {
        let end = created + self.max_age;
        (end > now).then(|| (now + self.idle).min(end))
    }
}

/// Outcome of presenting a refresh token.
#[derive(Debug, PartialEq, Eq)]
pub enum RefreshOutcome {
    Rotated {
        user_id: UserId,
        session_id: String,
    },
    /// The token was already used once: it was stolen or replayed, so the whole session is
    /// now revoked.
    Reused,
    Invalid,
}

#[cfg(test)]
mod tests {
    use jiff::{SignedDuration, Timestamp};

    use super::RefreshLifetime;

    #[test]
    fn a_refresh_token_lasts_its_idle_time_but_never_past_the_sessions_age() {
        let life = RefreshLifetime {
            idle: SignedDuration::from_hours(24 * 30),
            max_age: SignedDuration::from_hours(24 * 90),
        };
        let login = Timestamp::from_second(1_800_000_000).expect("time");
        let day = SignedDuration::from_hours(24);
        assert_eq!(life.next_expiry(login, login + day), Some(login + day * 31));
        assert_eq!(
            life.next_expiry(login, login + day * 80),
            Some(login + day * 90)
        );
        assert_eq!(life.next_expiry(login, login + day * 90), None);
    }
}
