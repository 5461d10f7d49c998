//! Credentials and tokens: argon2id password hashes, JWT access tokens, opaque random tokens
//! (refresh, reset, invite, provisioning) stored only as SHA-256 hashes.

pub mod password;
pub mod tokens;
