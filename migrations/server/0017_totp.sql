-- Schema version 17: an optional TOTP second factor for accounts that can approve, and the
-- organisation's setting that makes it required of them. (Version 16 is the four-eyes
-- approvals' migration; the runner numbers migrations by their place in its list.)
ALTER TABLE organisations ADD COLUMN require_totp_for_approvers INTEGER NOT NULL DEFAULT 0
    CHECK (require_totp_for_approvers IN (0, 1));
-- One authenticator per account. The secret is sealed (ChaCha20-Poly1305 under a key derived
-- from the server's secret, the account id as associated data) and never answered again after
-- setup. `enabled_at` stays NULL until a first code confirms the setup; `last_step` is the
-- newest 30-second step a code was accepted for, so no code is accepted twice.
CREATE TABLE user_totp (
    user_id       TEXT PRIMARY KEY REFERENCES users(id),
    sealed_secret TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    enabled_at    TEXT,
    last_step     INTEGER
);
-- Single-use recovery codes, as SHA-256 (they are random, so no argon2 run is needed).
CREATE TABLE totp_recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at   TEXT,
    PRIMARY KEY (user_id, code_hash)
);
