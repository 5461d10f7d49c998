-- attendd's local store, version 1: the offline outbox.
-- Every punch and equipment event is committed here before the kiosk shows success, and leaves
-- only when the server has acknowledged it (accepted or duplicate) or rejected it.

CREATE TABLE outbox (
    -- The device-monotonic sequence, sent as the event's `seq`. AUTOINCREMENT never reuses a
    -- value, even after the newest rows were deleted and the file reopened.
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      TEXT NOT NULL UNIQUE,   -- UUIDv7, the server's idempotency key
    captured_at   TEXT NOT NULL,          -- RFC 3339 UTC, device clock
    clock_suspect INTEGER NOT NULL,
    body          TEXT NOT NULL,          -- the event body as JSON, exactly as it will be sent
    attempts      INTEGER NOT NULL DEFAULT 0
);

-- Events the server refused for good, kept for the operator with the reason.
CREATE TABLE rejected (
    seq         INTEGER PRIMARY KEY,
    event_id    TEXT NOT NULL UNIQUE,
    captured_at TEXT NOT NULL,
    body        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    rejected_at TEXT NOT NULL
);

-- Small named values: the roster cursor and the like.
CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
