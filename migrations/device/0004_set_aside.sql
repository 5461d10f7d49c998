-- attendd's local store, version 4: events set aside because the server refused, whole, a batch
-- holding them (413 too large, 422 unreadable), narrowed down to the one event refused alone.
-- Unlike `rejected` (an event the server read and will never store), a set-aside event may be
-- storable by another server version: it goes back into `outbox`, with its own `seq`, when the
-- kiosk next hears from a server whose version differs from `server_version`. Never deleted.

CREATE TABLE set_aside (
    seq            INTEGER PRIMARY KEY,    -- the event's outbox `seq`, kept for its return
    event_id       TEXT NOT NULL UNIQUE,
    captured_at    TEXT NOT NULL,
    clock_suspect  INTEGER NOT NULL,
    body           TEXT NOT NULL,
    attempts       INTEGER NOT NULL,
    status         INTEGER NOT NULL,       -- the refusal's HTTP status, 413 or 422
    reason         TEXT NOT NULL,          -- the server's message, naming the field for a 422
    server_version TEXT,                   -- the refusing server's version; NULL if it named none
    set_aside_at   TEXT NOT NULL           -- RFC 3339 UTC, device clock
);
