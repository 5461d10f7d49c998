-- Schema version 13: what each kiosk holds aside, from its latest heartbeat. A kiosk sets an
-- event aside when this server refused it alone (413, 422) after bisecting a batch refused
-- whole; it sends it again once the server's version changes. NULL until the kiosk's first
-- heartbeat since this version; 0 when it holds none.
ALTER TABLE devices ADD COLUMN set_aside INTEGER;
ALTER TABLE devices ADD COLUMN set_aside_reason TEXT;
