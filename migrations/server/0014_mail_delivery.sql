-- Schema version 14: mail that leaves over SMTP, claimed, retried and dead-lettered.
--
-- A worker claims a due row by raising `attempts` and setting `lease_until` in one conditional
-- UPDATE; (id, attempts) then names that claim, so a worker whose lease ran out cannot record
-- an outcome over the next claim. `next_attempt_at` is when a queued row may be claimed again
-- (exponential backoff after a temporary failure). A row ends `sent` or `dead` (a permanent
-- failure, or out of attempts), and its bodies are purged then: a reset link or invite code
-- does not sit in the database once its mail has left or been given up.
--
-- The table is rebuilt because `body` becomes nullable. Rows already sent lose their body now;
-- unsent rows that had used their ten tries become dead letters.
CREATE TABLE mail_outbox_v14 (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id           TEXT,                  -- whose admins see it as a dead letter; NULL: super admins only
    kind             TEXT NOT NULL,         -- invite, password_reset, notice kinds …
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT,                  -- plain text; NULL once sent or dead
    html             TEXT,                  -- HTML alternative; NULL once sent or dead
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'dead')),
    created_at       TEXT NOT NULL,
    next_attempt_at  TEXT NOT NULL,
    lease_until      TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    sent_at          TEXT,
    dead_at          TEXT
);
INSERT INTO mail_outbox_v14 (id, org_id, kind, recipient, subject, body, html, status, created_at,
                             next_attempt_at, attempts, last_error, sent_at, dead_at)
SELECT id, NULL, 'mail', recipient, subject,
       CASE WHEN sent_at IS NULL AND attempts < 10 THEN body END, NULL,
       CASE WHEN sent_at IS NOT NULL THEN 'sent' WHEN attempts >= 10 THEN 'dead' ELSE 'queued' END,
       created_at, created_at, attempts, last_error, sent_at,
       CASE WHEN sent_at IS NULL AND attempts >= 10 THEN created_at END
FROM mail_outbox;
DROP TABLE mail_outbox;
ALTER TABLE mail_outbox_v14 RENAME TO mail_outbox;
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_recent ON mail_outbox (recipient, kind, created_at);
