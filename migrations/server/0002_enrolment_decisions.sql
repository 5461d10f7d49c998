-- Schema version 2: who decided an enrolment candidate, when, and (for a rejection) why.
ALTER TABLE enrolment_candidates ADD COLUMN decided_at TEXT;
ALTER TABLE enrolment_candidates ADD COLUMN decided_by TEXT REFERENCES users(id);
ALTER TABLE enrolment_candidates ADD COLUMN reason TEXT;
CREATE INDEX enrolment_candidates_org_status ON enrolment_candidates (org_id, status, event_id);
