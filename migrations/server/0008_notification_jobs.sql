-- Schema version 8: notifications as durable background jobs with retries. A job is queued in
-- the same transaction as its cause; the worker records every outcome on the row.
CREATE TABLE notification_jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    dedupe_key    TEXT NOT NULL UNIQUE,   -- the same cause never notifies twice
    payload       TEXT NOT NULL,          -- JSON
    run_at        TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'done', 'failed')),
    outcome       TEXT,                   -- what happened: recipients notified, or the last error
    created_at    TEXT NOT NULL,
    finished_at   TEXT
);
CREATE INDEX notification_jobs_due ON notification_jobs (status, run_at);
