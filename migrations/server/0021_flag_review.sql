-- Schema version 21: flagged punches are reviewed. A punch flagged at ingest (its date or its
-- liveness check is suspect) counts, and waits as `pending` until a manager confirms it (it
-- keeps counting) or rejects it (stored, never counted again). Only punches are reviewed: a
-- flagged heartbeat or machine event keeps its flag for the record and has no review.
ALTER TABLE device_events ADD COLUMN flag_review TEXT
    CHECK (flag_review IN ('pending', 'confirmed', 'rejected'));
-- Who decided, when and (for a rejection) why; the audit log has the same, this is for the
-- queue's own list of what was decided.
ALTER TABLE device_events ADD COLUMN flag_reviewed_by TEXT REFERENCES users(id);
ALTER TABLE device_events ADD COLUMN flag_reviewed_at TEXT;
ALTER TABLE device_events ADD COLUMN flag_review_reason TEXT;
-- Punches flagged before this version wait for review like new ones.
UPDATE device_events SET flag_review = 'pending' WHERE flagged IS NOT NULL AND kind = 'punch';
-- The queue: the pending punches in the listing's order (event ids, time-ordered). The
-- listing names the state literally so SQLite scans only these rows, in order, with no sort.
-- Not keyed by organisation: the scoped listing's `(?1 IS NULL OR org_id = ?1)` cannot seek
-- on it, and the pending rows are few.
CREATE INDEX device_events_flag_review ON device_events (event_id)
    WHERE flag_review = 'pending';
