-- Schema version 9: timesheet corrections. An employee (or a manager for them) asks to add a
-- punch the kiosk never recorded; once approved it counts like a synced punch.
CREATE TABLE corrections (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    employee_id     TEXT NOT NULL REFERENCES employees(id),
    punch_type      TEXT NOT NULL CHECK (punch_type IN ('in', 'out', 'break_start', 'break_end')),
    at              TEXT NOT NULL,              -- the missing punch's time (UTC)
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    required_level  INTEGER NOT NULL,
    decision_reason TEXT,
    created_at      TEXT NOT NULL,
    created_by      TEXT REFERENCES users(id),
    decided_at      TEXT,
    decided_by      TEXT REFERENCES users(id)
);
CREATE INDEX corrections_employee ON corrections (employee_id, at);
