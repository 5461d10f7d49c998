-- Schema version 5: equipment management. Out of service is kept apart from a lockout (a
-- safety hold): both stop kiosks from starting the machine, each with its own reason.
ALTER TABLE equipment ADD COLUMN out_of_service INTEGER NOT NULL DEFAULT 0;
ALTER TABLE equipment ADD COLUMN service_reason TEXT;
ALTER TABLE equipment ADD COLUMN created_at TEXT;
-- One machine per relay and per name on a site.
CREATE UNIQUE INDEX equipment_live_relay ON equipment (site_id, relay_channel) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX equipment_live_name ON equipment (site_id, name) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX qualifications_live_name ON qualifications (org_id, name) WHERE deleted_at IS NULL;
CREATE INDEX device_events_kind_time ON device_events (org_id, kind, captured_at);
