//! Keeping a site's machine codes apart (review L6). A kiosk finds a machine by the code typed
//! at it, so no two live machines of a site may answer to the same one; but codes are stored
//! only as salted argon2id hashes, which cannot be compared with each other.
//!
//! So each machine also stores a keyed fingerprint of its site and code: HMAC-SHA256 under a
//! key derived from the server's secret ([`JwtKeys::derive`]), never sent to kiosks, useless
//! without that secret (four digits would otherwise be guessed from it at once). A unique
//! partial index over live machines' fingerprints (migration 0019) makes the database refuse a
//! duplicate inside the writing transaction, so two concurrent writes cannot both pass, and
//! the check costs no argon2 run per machine.
//!
//! Machines from before the fingerprint have none until their code is next rotated; only
//! those are still compared by verifying the new code against their argon2 hashes. If the
//! server's secret were ever replaced, fingerprints made before would no longer match new
//! ones; rotating those machines' codes makes them current again.

use attend_protocol::ids::SiteId;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;

use crate::platform::tokens::JwtKeys;

/// The fingerprint key, derived for this purpose alone.
#[derive(Clone)]
pub struct CodeKey(hmac::Key);

impl std::fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeKey(<redacted>)")
    }
}

impl CodeKey {
    pub fn new(keys: &JwtKeys) -> Self {
        Self(hmac::Key::new(
            hmac::HMAC_SHA256,
            &keys.derive("attend equipment activation-code fingerprint"),
        ))
    }

    /// The fingerprint of `code` at `site`: equal for equal pairs, unrelated across sites.
    pub fn fingerprint(&self, site: SiteId, code: &str) -> String {
        let tag = hmac::sign(&self.0, format!("{site}\n{code}").as_bytes());
        URL_SAFE_NO_PAD.encode(tag.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::CodeKey;
    use crate::platform::tokens::JwtKeys;
    use attend_protocol::ids::SiteId;

    #[test]
    fn a_fingerprint_depends_on_the_site_the_code_and_the_server_s_secret() {
        let key = CodeKey::new(&JwtKeys::new(b"one secret of the server"));
        let (a, b) = (
            SiteId::from(uuid::Uuid::from_u128(1)),
            SiteId::from(uuid::Uuid::from_u128(2)),
        );
        assert_eq!(key.fingerprint(a, "4711"), key.fingerprint(a, "4711"));
        assert_ne!(key.fingerprint(a, "4711"), key.fingerprint(a, "4712"));
        assert_ne!(key.fingerprint(a, "4711"), key.fingerprint(b, "4711"));
        let other = CodeKey::new(&JwtKeys::new(b"another server's secret"));
        assert_ne!(key.fingerprint(a, "4711"), other.fingerprint(a, "4711"));
    }
}
