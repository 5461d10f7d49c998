-- Schema version 10: files attached to a timesheet (a doctor's note). The bytes live in the
-- blob store under `storage_key`; this row is what makes them visible.
CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    employee_id   TEXT NOT NULL REFERENCES employees(id),
    period_start  TEXT NOT NULL,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    storage_key   TEXT NOT NULL UNIQUE,
    uploaded_by   TEXT REFERENCES users(id),
    created_at    TEXT NOT NULL
);
CREATE INDEX attachments_timesheet ON attachments (employee_id, period_start);
