-- Schema version 15: events held for review, and the sites an employee may punch at.
-- A held event is stored (it may be real hours captured offline) but not counted until a
-- reviewer releases it; `held_reason` says why it was held and stays for the record.
ALTER TABLE device_events ADD COLUMN hold_state TEXT
    CHECK (hold_state IN ('held', 'released', 'discarded'));
ALTER TABLE device_events ADD COLUMN held_reason TEXT;
-- Why an event's date is suspect (in the future, before the kiosk was provisioned, long before
-- what the kiosk had sent): counted, but shown to reviewers.
ALTER TABLE device_events ADD COLUMN flagged TEXT;
CREATE INDEX device_events_held ON device_events (org_id, received_at) WHERE hold_state = 'held';
-- The newest capture time among the events a kiosk has sent, to spot back-dated ones.
ALTER TABLE devices ADD COLUMN newest_captured_at TEXT;
-- Where an employee may punch besides (instead of) their home site; none: the home site only.
CREATE TABLE employee_sites (
    employee_id TEXT NOT NULL REFERENCES employees(id),
    site_id     TEXT NOT NULL REFERENCES sites(id),
    PRIMARY KEY (employee_id, site_id)
);
