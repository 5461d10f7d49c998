-- Schema version 19: an administrator confirms each kiosk once it has provisioned (review M10),
-- and the database keeps a site's machine codes apart (review L6, at the end).
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

-- Review L6: no two live machines of a site answer to the same activation code, refused by the
-- database inside the writing transaction. Codes are salted argon2id hashes, which cannot be
-- compared, so each machine also keeps a keyed fingerprint of (site, code): HMAC-SHA256 under
-- a key derived from the server's secret, never sent to kiosks. Machines from before this have
-- none until their code is next rotated; the server compares those by argon2 instead.
ALTER TABLE equipment ADD COLUMN code_fingerprint TEXT;
CREATE UNIQUE INDEX equipment_live_code ON equipment (site_id, code_fingerprint)
    WHERE deleted_at IS NULL AND code_fingerprint IS NOT NULL;
