//! JWT access tokens and opaque random tokens.

use attend_protocol::ids::{OrgId, UserId};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

use crate::access::Role;

/// Claims of an access token. `sid` ties it to a login session so logout ends it at once.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: UserId,
    pub sid: String,
    pub role: Role,
    pub org: Option<OrgId>,
    pub iat: i64,
    pub exp: i64,
}

/// HS256 keys derived from the server's stored secret.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Seals dashboard session tokens (derived from the same secret, for another purpose).
    sessions: ring::hmac::Key,
    /// Derives a key per purpose from the secret (see [`JwtKeys::derive`]).
    purpose: ring::hmac::Key,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(<redacted>)")
    }
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        let purpose = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        let derived = ring::hmac::sign(&purpose, b"attend dashboard session seal");
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            sessions: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, derived.as_ref()),
            purpose,
        }
    }

    /// A 32-byte key for `purpose`, derived from the server's secret: other features seal
    /// with it (TOTP secrets, sign-in challenges) without the secret itself leaving here, and
    /// a key for one purpose says nothing about another.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let tag = ring::hmac::sign(&self.purpose, purpose.as_bytes());
        let mut key = [0u8; 32];
        key.copy_from_slice(tag.as_ref());
        key
    }

    /// A new dashboard session token: random bytes and the server's MAC over them, so the rate
    /// limiter can tell a cookie this server issued from a made-up one without a database trip.
    pub fn new_session_token(&self) -> String {
        let token = random_token(32);
        let mac = ring::hmac::sign(&self.sessions, token.as_bytes());
        format!("{token}.{}", URL_SAFE_NO_PAD.encode(mac.as_ref()))
    }

    /// The rate-limit key of a dashboard cookie the server issued (live or not), or `None` for
    /// a value it never issued.
    pub fn session_key(&self, cookie: &str) -> Option<String> {
        let (token, mac) = cookie.split_once('.')?;
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        ring::hmac::verify(&self.sessions, token.as_bytes(), &mac).ok()?;
        let hash = token_hash(cookie);
        Some(hash[..16].to_owned())
    }

    pub fn issue(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// Verifies signature and expiry (no leeway).
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|d| d.claims)
    }
}

/// `n` random bytes as base64url.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the OS random source works");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A human-typable code from an alphabet without look-alikes (no 0/O, 1/I/L), as XXXX-XXXX-XXXX.
pub fn human_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the OS random source works");
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Canonical form of a typed code: upper case, without separators or spaces.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Hex SHA-256: how every opaque token is stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(ring::digest::digest(
        &ring::digest::SHA256,
        token.as_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_session_token_the_server_sealed_has_a_key() {
        let keys = JwtKeys::new(b"a secret of the server, long enough");
        let token = keys.new_session_token();
        assert!(keys.session_key(&token).is_some());
        let (random, _) = token.split_once('.').expect("sealed");
        assert_eq!(keys.session_key(random), None);
        assert_eq!(keys.session_key(&format!("{random}.AAAA")), None);
        let other = JwtKeys::new(b"another server's secret");
        assert_eq!(other.session_key(&token), None);
    }

    #[test]
    fn human_codes_normalise_to_twelve_unambiguous_characters() {
        let code = human_code();
        assert_eq!(code.len(), 14);
        let norm = normalise_code(&code.to_lowercase());
        assert_eq!(norm.len(), 12);
        assert!(!norm.contains(['0', 'O', '1', 'I', 'L']));
    }

    #[test]
    fn tampered_jwt_is_rejected() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef");
        let now = jiff::Timestamp::now().as_second();
        let claims = Claims {
            sub: UserId(uuid::Uuid::now_v7()),
            sid: "s".into(),
            role: Role::Manager,
            org: None,
            iat: now,
            exp: now + 60,
        };
        let token = keys.issue(&claims).expect("issue");
        assert!(keys.verify(&token).is_some());
        let mut bad = token.clone();
        bad.pop();
        bad.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert!(keys.verify(&bad).is_none());
        assert!(
            JwtKeys::new(b"another key another key another k")
                .verify(&token)
                .is_none()
        );
    }

    #[test]
    fn expired_jwt_is_rejected() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef");
        let now = jiff::Timestamp::now().as_second();
        let claims = Claims {
            sub: UserId(uuid::Uuid::now_v7()),
            sid: "s".into(),
            role: Role::Manager,
            org: None,
            iat: now - 120,
            exp: now - 60,
        };
        assert!(keys.verify(&keys.issue(&claims).expect("issue")).is_none());
    }
}
