-- Schema version 4: pay calendars and timesheets.

-- How an organisation's pay periods run. Without a row: calendar months.
CREATE TABLE pay_calendars (
    org_id      TEXT PRIMARY KEY REFERENCES organisations(id),
    kind        TEXT NOT NULL CHECK (kind IN ('weekly', 'biweekly', 'semimonthly', 'monthly')),
    anchor      TEXT NOT NULL,   -- YYYY-MM-DD: a first day of a period (weekly, biweekly)
    updated_at  TEXT NOT NULL
);

-- One employee's hours for one pay period. A row exists once the timesheet left `draft` for
-- the first time; until then a draft is computed on the fly. `snapshot` freezes the computed
-- hours when the timesheet is approved: later punches never change an approved timesheet.
CREATE TABLE timesheets (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations(id),
    employee_id      TEXT NOT NULL REFERENCES employees(id),
    period_start     TEXT NOT NULL,
    period_end       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved')),
    rejection_reason TEXT,
    snapshot         TEXT,
    submitted_at     TEXT,
    submitted_by     TEXT REFERENCES users(id),
    decided_at       TEXT,
    decided_by       TEXT REFERENCES users(id),
    UNIQUE (employee_id, period_start)
);
CREATE INDEX timesheets_org_status ON timesheets (org_id, status, period_start);
