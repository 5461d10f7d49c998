-- Schema version 19: an administrator confirms each kiosk once it has provisioned (review M10).
-- Until `confirmed_at` is set the kiosk's signed requests verify, but its roster answer is
-- empty and its punches and machine events are held for review, so a leaked provisioning code
-- yields a kiosk that learns nothing and counts nothing.
ALTER TABLE devices ADD COLUMN confirmed_at TEXT;
-- The account that confirmed it; NULL for kiosks confirmed by this migration or by the demo seed.
ALTER TABLE devices ADD COLUMN confirmed_by TEXT;
-- The address the kiosk exchanged its code from, shown to the administrator who confirms it.
ALTER TABLE devices ADD COLUMN provisioned_ip TEXT;
-- Set only by the demo seed: the kiosk counts as confirmed when it exchanges its code, once.
-- The API offers no way to set it, so a leaked code never skips the administrator.
ALTER TABLE devices ADD COLUMN confirm_on_provisioning INTEGER NOT NULL DEFAULT 0;
-- Kiosks provisioned before confirmation existed were trusted already. One still waiting for
-- its code is confirmed like a new one once it provisions.
UPDATE devices SET confirmed_at = COALESCE(provisioned_at, created_at)
    WHERE status <> 'unprovisioned';
