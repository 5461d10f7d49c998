-- attendd's local store, version 3: what the kiosk must remember across restarts, written in the
-- same transaction as the event that changes it. Presence decides the next punch type; an open
-- session found at start-up means the daemon crashed with a machine running: it is closed with
-- reason `recovered` and its relay stays off.

CREATE TABLE presence (
    employee_id TEXT PRIMARY KEY,
    state       TEXT NOT NULL CHECK (state IN ('out', 'in', 'on_break'))
);

CREATE TABLE open_sessions (
    session_id   TEXT PRIMARY KEY,
    equipment_id TEXT NOT NULL,
    employee_id  TEXT NOT NULL,
    relay        INTEGER NOT NULL
);
