-- The PostgreSQL schema at version 22: what migrations/server/0001..0022 make on SQLite, written
-- once for PostgreSQL (a PostgreSQL database starts here; every later migration comes as a pair,
-- one file per backend, with the same number). The storage classes are SQLite's: TEXT (ids,
-- RFC 3339 times, enums), BIGINT for SQLite's INTEGER (flags are 0/1 as there), DOUBLE PRECISION
-- for REAL and BYTEA for BLOB, so the same rows move between the backends unchanged
-- (`server/tests/api/postgres_schema.rs` holds the two catalogues equal, table by table and
-- column by column). Text sorts by byte as SQLite's BINARY collation does because the database's
-- collation is C, which `attend-server migrate` checks before applying anything.
-- employees.created_by refers to users, which is made after employees: that foreign key is added
-- at the end. Every foreign key is DEFERRABLE (still checked at each statement unless a
-- transaction defers it): `attend-server import` loads employees and users, which refer to each
-- other, in one transaction with the checks at its commit, as SQLite's defer_foreign_keys does.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    join_code   TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
, single_admin_self_approval BIGINT NOT NULL DEFAULT 0, require_totp_for_approvers BIGINT NOT NULL DEFAULT 0
    CHECK (require_totp_for_approvers IN (0, 1)));
CREATE TABLE sites (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (org_id, name)
);
CREATE TABLE departments (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (org_id, name)
);
CREATE TABLE employees (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    employee_number TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    email           TEXT,
    department_id   TEXT REFERENCES departments(id) DEFERRABLE,
    site_id         TEXT REFERENCES sites(id) DEFERRABLE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'active')),
    consent         TEXT NOT NULL DEFAULT 'not_asked'
                    CHECK (consent IN ('not_asked', 'granted', 'withdrawn')),
    pin_hash        TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    deleted_at      TEXT
, created_by TEXT, no_head_turn BIGINT NOT NULL DEFAULT 0);
CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT REFERENCES organisations(id) DEFERRABLE,
    email               TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN
                        ('super_admin', 'support', 'org_admin', 'manager', 'employee')),
    status              TEXT NOT NULL CHECK (status IN ('active', 'pending', 'disabled')),
    employee_id         TEXT REFERENCES employees(id) DEFERRABLE,
    created_at          TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
, not_employee BIGINT NOT NULL DEFAULT 0);
CREATE TABLE manager_departments (
    user_id       TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    department_id TEXT NOT NULL REFERENCES departments(id) DEFERRABLE,
    PRIMARY KEY (user_id, department_id)
);
CREATE TABLE auth_sessions (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE TABLE refresh_tokens (
    token_hash  TEXT PRIMARY KEY,          -- hex SHA-256 of the token; the token is never stored
    session_id  TEXT NOT NULL REFERENCES auth_sessions(id) DEFERRABLE,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE TABLE password_resets (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE TABLE auth_throttle (
    kind          TEXT NOT NULL,
    key           TEXT NOT NULL,
    failures      BIGINT NOT NULL,
    window_start  TEXT NOT NULL,
    locked_until  TEXT,
    PRIMARY KEY (kind, key)
);
CREATE TABLE invites (
    code_hash   TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    role        TEXT NOT NULL CHECK (role IN ('org_admin', 'manager')),
    email       TEXT,
    created_by  TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    used_by     TEXT REFERENCES users(id) DEFERRABLE
, employee_id TEXT REFERENCES employees(id) DEFERRABLE, not_employee BIGINT NOT NULL DEFAULT 0);
CREATE TABLE devices (
    id                      TEXT PRIMARY KEY,
    org_id                  TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    site_id                 TEXT NOT NULL REFERENCES sites(id) DEFERRABLE,
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
    queue_depth             BIGINT,
    clock_offset_ms         BIGINT
, set_aside BIGINT, set_aside_reason TEXT, newest_captured_at TEXT, confirmed_at TEXT, confirmed_by TEXT, provisioned_ip TEXT, confirm_on_provisioning BIGINT NOT NULL DEFAULT 0);
CREATE TABLE device_nonces (
    device_id   TEXT NOT NULL,
    nonce       TEXT NOT NULL,
    seen_at     BIGINT NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE TABLE device_events (
    event_id      TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    employee_id   TEXT,
    seq           BIGINT NOT NULL,
    captured_at   TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    clock_suspect BIGINT NOT NULL,
    payload       TEXT NOT NULL
, hold_state TEXT
    CHECK (hold_state IN ('held', 'released', 'discarded')), held_reason TEXT, flagged TEXT, flag_review TEXT
    CHECK (flag_review IN ('pending', 'confirmed', 'rejected')), flag_reviewed_by TEXT REFERENCES users(id) DEFERRABLE, flag_reviewed_at TEXT, flag_review_reason TEXT);
CREATE TABLE qualifications (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    name        TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE TABLE employee_qualifications (
    employee_id      TEXT NOT NULL REFERENCES employees(id) DEFERRABLE,
    qualification_id TEXT NOT NULL REFERENCES qualifications(id) DEFERRABLE,
    expires_on       TEXT,
    PRIMARY KEY (employee_id, qualification_id)
);
CREATE TABLE equipment (
    id                        TEXT PRIMARY KEY,
    org_id                    TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    site_id                   TEXT NOT NULL REFERENCES sites(id) DEFERRABLE,
    name                      TEXT NOT NULL,
    relay_channel             BIGINT NOT NULL,
    activation_code_hash      TEXT NOT NULL,
    required_qualification_id TEXT REFERENCES qualifications(id) DEFERRABLE,
    locked_out                BIGINT NOT NULL DEFAULT 0,
    lockout_reason            TEXT,
    deleted_at                TEXT
, out_of_service BIGINT NOT NULL DEFAULT 0, service_reason TEXT, created_at TEXT, code_fingerprint TEXT);
CREATE TABLE face_templates (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    employee_id TEXT NOT NULL REFERENCES employees(id) DEFERRABLE,
    model_id    TEXT NOT NULL,
    vector      TEXT NOT NULL,             -- JSON array of f32
    created_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE TABLE enrolment_candidates (
    event_id    TEXT PRIMARY KEY REFERENCES device_events(event_id) DEFERRABLE,
    org_id      TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at  TEXT NOT NULL
, decided_at TEXT, decided_by TEXT REFERENCES users(id) DEFERRABLE, reason TEXT, uploaded_by TEXT REFERENCES users(id) DEFERRABLE, lookalike_id TEXT REFERENCES employees(id) DEFERRABLE, lookalike_score DOUBLE PRECISION, first_approved_by TEXT REFERENCES users(id) DEFERRABLE);
CREATE TABLE roster_changes (
    seq         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    org_id      TEXT NOT NULL,
    entity      TEXT NOT NULL CHECK (entity IN ('employee', 'template', 'equipment', 'qualification')),
    entity_id   TEXT NOT NULL
);
CREATE TABLE audit_log (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
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
, four_eyes_waived TEXT);
CREATE TABLE server_keys (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE TABLE site_policies (
    site_id     TEXT PRIMARY KEY REFERENCES sites(id) DEFERRABLE,
    org_id      TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    policy      TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE TABLE shifts (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    site_id     TEXT NOT NULL REFERENCES sites(id) DEFERRABLE,
    name        TEXT NOT NULL,
    start_time  TEXT NOT NULL,   -- HH:MM, site wall clock
    end_time    TEXT NOT NULL,   -- HH:MM; not after start_time means the next day
    created_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE TABLE shift_assignments (
    employee_id TEXT NOT NULL REFERENCES employees(id) DEFERRABLE,
    work_date   TEXT NOT NULL,   -- YYYY-MM-DD
    shift_id    TEXT NOT NULL REFERENCES shifts(id) DEFERRABLE,
    org_id      TEXT NOT NULL,
    PRIMARY KEY (employee_id, work_date)
);
CREATE TABLE pay_calendars (
    org_id      TEXT PRIMARY KEY REFERENCES organisations(id) DEFERRABLE,
    kind        TEXT NOT NULL CHECK (kind IN ('weekly', 'biweekly', 'semimonthly', 'monthly')),
    anchor      TEXT NOT NULL,   -- YYYY-MM-DD: a first day of a period (weekly, biweekly)
    updated_at  TEXT NOT NULL
);
CREATE TABLE timesheets (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    employee_id      TEXT NOT NULL REFERENCES employees(id) DEFERRABLE,
    period_start     TEXT NOT NULL,
    period_end       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved')),
    rejection_reason TEXT,
    snapshot         TEXT,
    submitted_at     TEXT,
    submitted_by     TEXT REFERENCES users(id) DEFERRABLE,
    decided_at       TEXT,
    decided_by       TEXT REFERENCES users(id) DEFERRABLE,
    UNIQUE (employee_id, period_start)
);
CREATE TABLE leave_types (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    name            TEXT NOT NULL,
    paid            BIGINT NOT NULL,
    annual_days     BIGINT,                    -- allowance per calendar year; NULL: no limit
    day_minutes     BIGINT NOT NULL,           -- paid minutes one leave day counts for
    approval_level  BIGINT NOT NULL CHECK (approval_level IN (1, 2)),
    deleted_at      TEXT
);
CREATE TABLE leave_requests (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    employee_id     TEXT NOT NULL REFERENCES employees(id) DEFERRABLE,
    leave_type_id   TEXT NOT NULL REFERENCES leave_types(id) DEFERRABLE,
    first_day       TEXT NOT NULL,
    last_day        TEXT NOT NULL,
    days            BIGINT NOT NULL,           -- working days (Monday to Friday) in the range
    status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    required_level  BIGINT NOT NULL,
    note            TEXT,
    decision_reason TEXT,
    created_at      TEXT NOT NULL,
    created_by      TEXT REFERENCES users(id) DEFERRABLE,
    decided_at      TEXT,
    decided_by      TEXT REFERENCES users(id) DEFERRABLE
);
CREATE TABLE pay_rates (
    employee_id           TEXT NOT NULL REFERENCES employees(id) DEFERRABLE,
    effective_from        TEXT NOT NULL,        -- YYYY-MM-DD
    hourly_cents          BIGINT NOT NULL,     -- in the organisation's currency
    overtime_rate_percent BIGINT NOT NULL,     -- e.g. 150: overtime paid at 1.5 times
    org_id                TEXT NOT NULL,
    PRIMARY KEY (employee_id, effective_from)
);
CREATE TABLE notification_jobs (
    id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    org_id        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    dedupe_key    TEXT NOT NULL UNIQUE,   -- the same cause never notifies twice
    payload       TEXT NOT NULL,          -- JSON
    run_at        TEXT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    max_attempts  BIGINT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'done', 'failed')),
    outcome       TEXT,                   -- what happened: recipients notified, or the last error
    created_at    TEXT NOT NULL,
    finished_at   TEXT
);
CREATE TABLE corrections (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    employee_id     TEXT NOT NULL REFERENCES employees(id) DEFERRABLE,
    punch_type      TEXT NOT NULL CHECK (punch_type IN ('in', 'out', 'break_start', 'break_end')),
    at              TEXT NOT NULL,              -- the missing punch's time (UTC)
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    required_level  BIGINT NOT NULL,
    decision_reason TEXT,
    created_at      TEXT NOT NULL,
    created_by      TEXT REFERENCES users(id) DEFERRABLE,
    decided_at      TEXT,
    decided_by      TEXT REFERENCES users(id) DEFERRABLE
);
CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    employee_id   TEXT NOT NULL REFERENCES employees(id) DEFERRABLE,
    period_start  TEXT NOT NULL,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    storage_key   TEXT NOT NULL UNIQUE,
    uploaded_by   TEXT REFERENCES users(id) DEFERRABLE,
    created_at    TEXT NOT NULL
);
CREATE TABLE web_sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE TABLE rate_blocks (
    tier          TEXT NOT NULL CHECK (tier IN ('general', 'heavy', 'sync')),
    key           TEXT NOT NULL,
    offences      BIGINT NOT NULL CHECK (offences >= 1),
    since         TEXT NOT NULL,
    blocked_until TEXT NOT NULL,
    PRIMARY KEY (tier, key)
);
CREATE TABLE "mail_outbox" (
    id               BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    org_id           TEXT,                  -- whose admins see it as a dead letter; NULL: super admins only
    kind             TEXT NOT NULL,         -- invite, password_reset, notice kinds …
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT,                  -- plain text; NULL once sent or dead
    html             TEXT,                  -- HTML alternative; NULL once sent or dead
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'dead')),
    created_at       TEXT NOT NULL,
    next_attempt_at  TEXT NOT NULL,
    lease_until      TEXT,
    attempts         BIGINT NOT NULL DEFAULT 0,
    last_error       TEXT,
    sent_at          TEXT,
    dead_at          TEXT
);
CREATE TABLE employee_sites (
    employee_id TEXT NOT NULL REFERENCES employees(id) DEFERRABLE,
    site_id     TEXT NOT NULL REFERENCES sites(id) DEFERRABLE,
    PRIMARY KEY (employee_id, site_id)
);
CREATE TABLE user_totp (
    user_id       TEXT PRIMARY KEY REFERENCES users(id) DEFERRABLE,
    sealed_secret TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    enabled_at    TEXT,
    last_step     BIGINT
);
CREATE TABLE totp_recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users(id) DEFERRABLE,
    code_hash TEXT NOT NULL,
    used_at   TEXT,
    PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE site_liveness (
    site_id     TEXT PRIMARY KEY REFERENCES sites(id) DEFERRABLE,
    org_id      TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    policy      TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE TABLE site_face_match (
    site_id     TEXT PRIMARY KEY REFERENCES sites(id) DEFERRABLE,
    org_id      TEXT NOT NULL REFERENCES organisations(id) DEFERRABLE,
    rules       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX employees_live_number ON employees (org_id, employee_number)
    WHERE deleted_at IS NULL;
CREATE INDEX employees_department ON employees (department_id);
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE INDEX device_events_org_time ON device_events (org_id, captured_at);
CREATE INDEX device_events_device_seq ON device_events (device_id, seq);
CREATE INDEX roster_changes_org_seq ON roster_changes (org_id, seq);
CREATE INDEX audit_log_org ON audit_log (org_id, id);
CREATE INDEX enrolment_candidates_org_status ON enrolment_candidates (org_id, status, event_id);
CREATE UNIQUE INDEX shifts_live_name ON shifts (site_id, name) WHERE deleted_at IS NULL;
CREATE INDEX device_events_employee_time ON device_events (employee_id, captured_at);
CREATE INDEX timesheets_org_status ON timesheets (org_id, status, period_start);
CREATE UNIQUE INDEX equipment_live_relay ON equipment (site_id, relay_channel) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX equipment_live_name ON equipment (site_id, name) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX qualifications_live_name ON qualifications (org_id, name) WHERE deleted_at IS NULL;
CREATE INDEX device_events_kind_time ON device_events (org_id, kind, captured_at);
CREATE UNIQUE INDEX leave_types_live_name ON leave_types (org_id, name) WHERE deleted_at IS NULL;
CREATE INDEX leave_requests_employee ON leave_requests (employee_id, first_day);
CREATE INDEX leave_requests_org_status ON leave_requests (org_id, status);
CREATE INDEX notification_jobs_due ON notification_jobs (status, run_at);
CREATE INDEX corrections_employee ON corrections (employee_id, at);
CREATE INDEX attachments_timesheet ON attachments (employee_id, period_start);
CREATE INDEX rate_blocks_until ON rate_blocks (blocked_until);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_recent ON mail_outbox (recipient, kind, created_at);
CREATE INDEX device_events_held ON device_events (org_id, received_at) WHERE hold_state = 'held';
CREATE INDEX roster_changes_entity ON roster_changes (org_id, entity, entity_id, seq);
CREATE UNIQUE INDEX equipment_live_code ON equipment (site_id, code_fingerprint)
    WHERE deleted_at IS NULL AND code_fingerprint IS NOT NULL;
CREATE INDEX device_events_flag_review ON device_events (event_id)
    WHERE flag_review = 'pending';
ALTER TABLE employees ADD FOREIGN KEY (created_by) REFERENCES users(id) DEFERRABLE;
