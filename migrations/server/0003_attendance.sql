-- Schema version 3: the attendance policy of each site, shift patterns and who works which
-- shift on which date. Punches themselves stay in device_events; the engine reads them.

-- The site's pay rules as JSON (grace, rounding, breaks, overtime, caps); the time zone is the
-- site's own. A site without a row uses the defaults.
CREATE TABLE site_policies (
    site_id     TEXT PRIMARY KEY REFERENCES sites(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    policy      TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE shifts (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    site_id     TEXT NOT NULL REFERENCES sites(id),
    name        TEXT NOT NULL,
    start_time  TEXT NOT NULL,   -- HH:MM, site wall clock
    end_time    TEXT NOT NULL,   -- HH:MM; not after start_time means the next day
    created_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE UNIQUE INDEX shifts_live_name ON shifts (site_id, name) WHERE deleted_at IS NULL;

-- One shift per employee and work date (the date the shift starts).
CREATE TABLE shift_assignments (
    employee_id TEXT NOT NULL REFERENCES employees(id),
    work_date   TEXT NOT NULL,   -- YYYY-MM-DD
    shift_id    TEXT NOT NULL REFERENCES shifts(id),
    org_id      TEXT NOT NULL,
    PRIMARY KEY (employee_id, work_date)
) WITHOUT ROWID;

-- The engine reads one employee's punches and machine sessions over a period.
CREATE INDEX device_events_employee_time ON device_events (employee_id, captured_at);
