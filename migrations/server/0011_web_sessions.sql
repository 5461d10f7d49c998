-- Schema version 11: dashboard (browser) sessions. The cookie holds a random token; only its
-- SHA-256 is stored. Each session has its own CSRF token, required on every form post.
CREATE TABLE web_sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
);
