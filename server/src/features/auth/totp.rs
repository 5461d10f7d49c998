//! The TOTP second factor's pure parts: RFC 6238 codes (SHA-1, 6 digits, 30-second steps,
//! the usual parameters every authenticator app understands) checked with one step of skew
//! either way, never at or before the last accepted step; the sealing of secrets at rest; the
//! short-lived challenge between the password step and the code step of a sign-in; and recovery
//! codes. Nothing here reads the clock or the database: callers pass `now` and stored values.
//!
//! Invariants: a code is accepted for a step only after the last accepted one (so it cannot be
//! replayed); a sealed secret opens only for the account it was sealed for; a challenge names
//! one account and expires after [`CHALLENGE_TTL_S`].

use attend_protocol::ids::UserId;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use totp_rs::{Builder, Totp};

use crate::platform::tokens::{JwtKeys, human_code, normalise_code};

/// Seconds per step (RFC 6238's default; apps assume it).
pub const STEP_S: u64 = 30;
/// Steps accepted either side of the server's: a phone a little off, or a code typed late.
pub const SKEW_STEPS: u64 = 1;
/// How long the password step's challenge stays good for the code step.
pub const CHALLENGE_TTL_S: i64 = 300;
/// Recovery codes issued when the second factor is turned on.
pub const RECOVERY_CODES: usize = 8;
/// What authenticator apps show as the account's issuer.
pub const ISSUER: &str = "Attend";

/// The keys the second factor seals with, derived from the server's secret (see
/// [`JwtKeys::derive`]). The secret lives in the same database, so sealing keeps TOTP secrets
/// out of a read of their table, a log or a partial export, not from a whole-file copy.
pub struct TotpKeys {
    seal: LessSafeKey,
    challenge: ring::hmac::Key,
}

impl std::fmt::Debug for TotpKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpKeys(<redacted>)")
    }
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the OS random source works");
    bytes
}

impl TotpKeys {
    pub fn new(keys: &JwtKeys) -> Self {
        let seal = UnboundKey::new(&CHACHA20_POLY1305, &keys.derive("attend totp secret seal"))
            .expect("a 32-byte key fits ChaCha20-Poly1305");
        Self {
            seal: LessSafeKey::new(seal),
            challenge: ring::hmac::Key::new(
                ring::hmac::HMAC_SHA256,
                &keys.derive("attend totp sign-in challenge"),
            ),
        }
    }

    /// `secret` sealed for `user`: base64url of a random nonce and the ciphertext with its tag.
    pub fn seal(&self, user: UserId, secret: &[u8]) -> String {
        let nonce = random::<NONCE_LEN>();
        let mut sealed = secret.to_vec();
        self.seal
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(user.to_string().as_bytes()),
                &mut sealed,
            )
            .expect("a short secret seals");
        URL_SAFE_NO_PAD.encode([nonce.as_slice(), &sealed].concat())
    }

    /// The secret sealed for `user`; `None` if it was sealed for another account or another
    /// server secret, or was altered.
    pub fn open(&self, user: UserId, sealed: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut rest = rest.to_vec();
        let plain = self
            .seal
            .open_in_place(nonce, Aad::from(user.to_string().as_bytes()), &mut rest)
            .ok()?;
        Some(plain.to_vec())
    }

    /// A challenge for `user`, good until `now + CHALLENGE_TTL_S`: `user.expiry.mac`.
    pub fn challenge(&self, user: UserId, now: i64) -> String {
        let payload = format!("{user}.{}", now + CHALLENGE_TTL_S);
        let mac = ring::hmac::sign(&self.challenge, payload.as_bytes());
        format!("{payload}.{}", URL_SAFE_NO_PAD.encode(mac.as_ref()))
    }

    /// The account a challenge this server issued names, if it is still good at `now`.
    pub fn redeem(&self, challenge: &str, now: i64) -> Option<UserId> {
        let (payload, mac) = challenge.rsplit_once('.')?;
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        ring::hmac::verify(&self.challenge, payload.as_bytes(), &mac).ok()?;
        let (user, expiry) = payload.split_once('.')?;
        (expiry.parse::<i64>().ok()? > now).then_some(())?;
        user.parse().ok()
    }
}

/// A fresh secret: 160 bits, RFC 4226's recommendation.
pub fn new_secret() -> Vec<u8> {
    random::<20>().to_vec()
}

/// The authenticator for `secret`, labelled with the account's e-mail for the app's list.
fn authenticator(secret: &[u8], account: &str) -> Option<Totp> {
    Builder::new()
        .with_secret(secret.to_vec())
        .with_skew(0)
        .with_step_duration(STEP_S)
        // otpauth labels may not hold a colon; e-mail addresses do not, but be sure.
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some(ISSUER))
        .build()
        .ok()
}

/// What an authenticator app is set up with: the base32 secret (typed in) and the
/// `otpauth://totp/…` URI (what a QR code would carry).
pub fn enrolment(secret: &[u8], account: &str) -> Option<(String, String)> {
    let totp = authenticator(secret, account)?;
    let uri = totp.to_url().ok()?;
    Some((totp.secret().to_base32(), uri))
}

/// Whether `code` looks like an authenticator's code (six digits) rather than a recovery code.
pub fn is_totp_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// The step `code` is valid for at `now_s` (one step of skew either way), if that step is
/// after `last`: the newest step already accepted, so a code is never accepted twice.
pub fn matching_step(secret: &[u8], code: &str, now_s: u64, last: Option<u64>) -> Option<u64> {
    let totp = authenticator(secret, "account")?;
    let now = now_s / STEP_S;
    (now.saturating_sub(SKEW_STEPS)..=now + SKEW_STEPS)
        .filter(|step| last.is_none_or(|l| *step > l))
        .find(|step| totp.check(code, step * STEP_S).is_some())
}

/// New recovery codes, as shown once (`XXXX-XXXX-XXXX`, no look-alike characters).
pub fn recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES).map(|_| human_code()).collect()
}

/// How a recovery code is stored and looked up: typed in any case, with or without dashes.
pub fn recovery_hash(code: &str) -> String {
    crate::platform::tokens::token_hash(&normalise_code(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TotpKeys {
        TotpKeys::new(&JwtKeys::new(b"a secret of the server, long enough"))
    }

    fn code_at(secret: &[u8], at: u64) -> String {
        authenticator(secret, "a@b.example")
            .expect("authenticator")
            .generate(at)
            .to_string()
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_never_again() {
        let secret = new_secret();
        let now = 1_800_000_015;
        let step = now / STEP_S;
        for offset in [0, STEP_S, 2 * STEP_S] {
            let code = code_at(&secret, now + offset - STEP_S);
            assert_eq!(
                matching_step(&secret, &code, now, None),
                Some(step + offset / STEP_S - 1)
            );
        }
        let code = code_at(&secret, now);
        assert_eq!(matching_step(&secret, &code, now, Some(step)), None);
        assert_eq!(
            matching_step(&secret, &code, now, Some(step - 1)),
            Some(step)
        );
        let late = code_at(&secret, now - 2 * STEP_S);
        assert_eq!(matching_step(&secret, &late, now, None), None);
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_account_and_server() {
        let (a, b) = (UserId(uuid::Uuid::now_v7()), UserId(uuid::Uuid::now_v7()));
        let sealed = keys().seal(a, b"twenty bytes secret!");
        assert_eq!(
            keys().open(a, &sealed).as_deref(),
            Some(&b"twenty bytes secret!"[..])
        );
        assert_eq!(keys().open(b, &sealed), None);
        let other = TotpKeys::new(&JwtKeys::new(b"another server's secret"));
        assert_eq!(other.open(a, &sealed), None);
    }

    #[test]
    fn a_challenge_names_its_account_until_it_expires_and_cannot_be_altered() {
        let user = UserId(uuid::Uuid::now_v7());
        let challenge = keys().challenge(user, 1000);
        assert_eq!(
            keys().redeem(&challenge, 1000 + CHALLENGE_TTL_S - 1),
            Some(user)
        );
        assert_eq!(keys().redeem(&challenge, 1000 + CHALLENGE_TTL_S), None);
        let other = UserId(uuid::Uuid::now_v7());
        let forged = challenge.replacen(&user.to_string(), &other.to_string(), 1);
        assert_eq!(keys().redeem(&forged, 1000), None);
    }

    #[test]
    fn the_enrolment_uri_names_the_issuer_and_carries_the_secret() {
        let secret = new_secret();
        let (base32, uri) = enrolment(&secret, "ana@a.example").expect("enrolment");
        assert!(uri.starts_with("otpauth://totp/Attend:ana"), "{uri}");
        assert!(uri.contains("issuer=Attend"), "{uri}");
        assert!(uri.contains(&format!("secret={base32}")), "{uri}");
    }
}
