//! Argon2id hashing. Hashing is deliberately slow, so it runs on the blocking pool.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// A valid hash of a random password, verified against when an account does not exist so that
/// "no such user" costs the same time as "wrong password".
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_now("attend-dummy-password-never-matches"));

fn hash_now(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

fn verify_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// PHC-format argon2id hash (default parameters: 19 MiB, 2 passes).
pub async fn hash(password: String) -> String {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .unwrap_or_default()
}

/// Checks `password` against `hash`; with `None` burns the same time and answers `false`.
pub async fn verify(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        if let Some(h) = hash {
            verify_now(&password, &h)
        } else {
            let _ = verify_now(&password, &DUMMY_HASH);
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// Warms the dummy hash so the first unknown-account login is not slower than later ones.
pub fn warm_up() {
    std::sync::LazyLock::force(&DUMMY_HASH);
}
