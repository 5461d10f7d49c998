-- Schema version 20: each site's liveness rules for its kiosks, and who cannot turn their head.

-- A site's rules as JSON (attend_protocol::face_policy::LivenessPolicy), sent to its kiosks with
-- the roster's settings. A site without a row has the rules of a new site (adaptive, failures
-- flagged).
CREATE TABLE site_liveness (
    site_id     TEXT PRIMARY KEY REFERENCES sites(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    policy      TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Sites that existed before start with the passive check and failures flagged, so nobody is
-- locked out by the upgrade (LivenessPolicy::for_upgraded_site; a test keeps the two equal).
INSERT INTO site_liveness (site_id, org_id, policy, updated_at)
    SELECT id, org_id,
        '{"mode":"passive","pass_score":0.5,"challenge_below":0.9,"on_failure":"flag","challenge_timeout_s":10,"evidence_thumbnails":false}',
        created_at
    FROM sites;

-- Set by a manager: this person cannot turn their head, so where the site asks for a head turn
-- they use the PIN with the passive check instead, unflagged.
ALTER TABLE employees ADD COLUMN no_head_turn INTEGER NOT NULL DEFAULT 0;
