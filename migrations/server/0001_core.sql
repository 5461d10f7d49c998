-- Attend server schema, version 1: tenancy, people, auth, devices, sync ingest, audit.
-- Ids are UUID text; times are RFC 3339 UTC text (sortable); booleans are 0/1.
-- Written in the common subset of SQLite and PostgreSQL where practical.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    join_code   TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE sites (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE departments (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE employees (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    employee_number TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    email           TEXT,
    department_id   TEXT REFERENCES departments(id),
    site_id         TEXT REFERENCES sites(id),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'active')),
    consent         TEXT NOT NULL DEFAULT 'not_asked'
                    CHECK (consent IN ('not_asked', 'granted', 'withdrawn')),
    pin_hash        TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    deleted_at      TEXT
);
-- An employee number is unique among the organisation's live employees; a deleted one frees it.
CREATE UNIQUE INDEX employees_live_number ON employees (org_id, employee_number)
    WHERE deleted_at IS NULL;
CREATE INDEX employees_department ON employees (department_id);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT REFERENCES organisations(id),
    email               TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN
                        ('super_admin', 'support', 'org_admin', 'manager', 'employee')),
    status              TEXT NOT NULL CHECK (status IN ('active', 'pending', 'disabled')),
    employee_id         TEXT REFERENCES employees(id),
    created_at          TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

-- Departments a manager may see and act on.
CREATE TABLE manager_departments (
    user_id       TEXT NOT NULL REFERENCES users(id),
    department_id TEXT NOT NULL REFERENCES departments(id),
    PRIMARY KEY (user_id, department_id)
);

-- One login = one family of rotating refresh tokens. Revoking the family ends the session,
-- including its still-unexpired access tokens (they carry the family id).
CREATE TABLE auth_sessions (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE refresh_tokens (
    token_hash  TEXT PRIMARY KEY,          -- hex SHA-256 of the token; the token is never stored
    session_id  TEXT NOT NULL REFERENCES auth_sessions(id),
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

CREATE TABLE password_resets (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

-- Failure counters for login (keyed by e-mail) and reset confirmation (keyed by client ip).
CREATE TABLE auth_throttle (
    kind          TEXT NOT NULL,
    key           TEXT NOT NULL,
    failures      INTEGER NOT NULL,
    window_start  TEXT NOT NULL,
    locked_until  TEXT,
    PRIMARY KEY (kind, key)
);

CREATE TABLE invites (
    code_hash   TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    role        TEXT NOT NULL CHECK (role IN ('org_admin', 'manager')),
    email       TEXT,
    created_by  TEXT NOT NULL REFERENCES users(id),
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    used_by     TEXT REFERENCES users(id)
);

CREATE TABLE mail_outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);

CREATE TABLE devices (
    id                      TEXT PRIMARY KEY,
    org_id                  TEXT NOT NULL REFERENCES organisations(id),
    site_id                 TEXT NOT NULL REFERENCES sites(id),
    name                    TEXT NOT NULL,
    status                  TEXT NOT NULL CHECK (status IN ('unprovisioned', 'active', 'disabled')),
    provisioning_code_hash  TEXT UNIQUE,
    provisioning_expires_at TEXT,
    secret                  TEXT,
    created_at              TEXT NOT NULL,
    provisioned_at          TEXT,
    last_seen_at            TEXT,
    last_ip                 TEXT,
    attendd_version         TEXT,
    heartbeat               TEXT,
    heartbeat_at            TEXT,
    queue_depth             INTEGER,
    clock_offset_ms         INTEGER
);

-- Nonces seen within the signature window; older rows are purged.
CREATE TABLE device_nonces (
    device_id   TEXT NOT NULL,
    nonce       TEXT NOT NULL,
    seen_at     INTEGER NOT NULL,
    PRIMARY KEY (device_id, nonce)
) WITHOUT ROWID;

-- Every synced event exactly as received. event_id is the device's idempotency key.
CREATE TABLE device_events (
    event_id      TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    employee_id   TEXT,
    seq           INTEGER NOT NULL,
    captured_at   TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    clock_suspect INTEGER NOT NULL,
    payload       TEXT NOT NULL
);
CREATE INDEX device_events_org_time ON device_events (org_id, captured_at);
CREATE INDEX device_events_device_seq ON device_events (device_id, seq);

CREATE TABLE qualifications (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    name        TEXT NOT NULL,
    deleted_at  TEXT
);

CREATE TABLE employee_qualifications (
    employee_id      TEXT NOT NULL REFERENCES employees(id),
    qualification_id TEXT NOT NULL REFERENCES qualifications(id),
    expires_on       TEXT,
    PRIMARY KEY (employee_id, qualification_id)
);

CREATE TABLE equipment (
    id                        TEXT PRIMARY KEY,
    org_id                    TEXT NOT NULL REFERENCES organisations(id),
    site_id                   TEXT NOT NULL REFERENCES sites(id),
    name                      TEXT NOT NULL,
    relay_channel             INTEGER NOT NULL,
    activation_code_hash      TEXT NOT NULL,
    required_qualification_id TEXT REFERENCES qualifications(id),
    locked_out                INTEGER NOT NULL DEFAULT 0,
    lockout_reason            TEXT,
    deleted_at                TEXT
);

CREATE TABLE face_templates (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    employee_id TEXT NOT NULL REFERENCES employees(id),
    model_id    TEXT NOT NULL,
    vector      TEXT NOT NULL,             -- JSON array of f32
    created_at  TEXT NOT NULL,
    deleted_at  TEXT
);

-- Templates captured at a kiosk, waiting for a manager's approval.
CREATE TABLE enrolment_candidates (
    event_id    TEXT PRIMARY KEY REFERENCES device_events(event_id),
    org_id      TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at  TEXT NOT NULL
);

-- Append-only log of roster changes per organisation; its seq is the kiosks' pull cursor.
CREATE TABLE roster_changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      TEXT NOT NULL,
    entity      TEXT NOT NULL CHECK (entity IN ('employee', 'template', 'equipment', 'qualification')),
    entity_id   TEXT NOT NULL
);
CREATE INDEX roster_changes_org_seq ON roster_changes (org_id, seq);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    org_id      TEXT,
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('user', 'device', 'system', 'anonymous')),
    actor_id    TEXT,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT,
    before      TEXT,
    after       TEXT,
    ip          TEXT,
    request_id  TEXT
);
CREATE INDEX audit_log_org ON audit_log (org_id, id);

-- Server-generated secrets (the JWT signing key) so restarts and replicas agree.
CREATE TABLE server_keys (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
