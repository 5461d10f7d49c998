-- Schema version 22: each site's face-match rules for its kiosks.

-- A site's rules as JSON (attend_protocol::face_policy::FaceMatchRules: per face model, the
-- identification threshold and margin), sent to its kiosks with the roster's settings. A site
-- without a row has a new site's rules (FaceMatchRules::for_new_site, derived for 1:N
-- identification in models/reports/face-match-thresholds.md), and that includes every site
-- that existed before: no row is inserted here, so a site nobody has set follows the defaults
-- when a later version re-derives them.
CREATE TABLE site_face_match (
    site_id     TEXT PRIMARY KEY REFERENCES sites(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    rules       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
