-- Schema version 23 (PostgreSQL; SQLite's 0023 says the same): background work claimed once across instances (expand only: an instance
-- still on version 22 ignores both and keeps working, as before).

-- A notification job is leased by the instance running it: another instance skips it until
-- the lease runs out (the instance died mid-job), so each job runs once however many workers
-- poll. NULL: not leased.
ALTER TABLE notification_jobs ADD COLUMN lease_until TEXT;

-- Periodic work (the offline-kiosk scan every minute, the missed clock-out and approvals
-- digest scans hourly) is claimed by period: the instance that moves `due_at` on from a time
-- already past runs it; the others see it moved and do not.
CREATE TABLE scheduled_work (
    name    TEXT PRIMARY KEY,
    due_at  TEXT NOT NULL
);
