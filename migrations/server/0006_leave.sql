-- Schema version 6: leave types and leave requests.

CREATE TABLE leave_types (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    name            TEXT NOT NULL,
    paid            INTEGER NOT NULL,
    annual_days     INTEGER,                    -- allowance per calendar year; NULL: no limit
    day_minutes     INTEGER NOT NULL,           -- paid minutes one leave day counts for
    approval_level  INTEGER NOT NULL CHECK (approval_level IN (1, 2)),
    deleted_at      TEXT
);
CREATE UNIQUE INDEX leave_types_live_name ON leave_types (org_id, name) WHERE deleted_at IS NULL;

CREATE TABLE leave_requests (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    employee_id     TEXT NOT NULL REFERENCES employees(id),
    leave_type_id   TEXT NOT NULL REFERENCES leave_types(id),
    first_day       TEXT NOT NULL,
    last_day        TEXT NOT NULL,
    days            INTEGER NOT NULL,           -- working days (Monday to Friday) in the range
    status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    required_level  INTEGER NOT NULL,
    note            TEXT,
    decision_reason TEXT,
    created_at      TEXT NOT NULL,
    created_by      TEXT REFERENCES users(id),
    decided_at      TEXT,
    decided_by      TEXT REFERENCES users(id)
);
CREATE INDEX leave_requests_employee ON leave_requests (employee_id, first_day);
CREATE INDEX leave_requests_org_status ON leave_requests (org_id, status);
