-- Housekeeping compacts the roster change log to the newest row per entity: kiosks read only
-- the newest change of each entity after their cursor, so older rows never change an answer.
-- This index finds an entity's newest row without scanning the log.
CREATE INDEX roster_changes_entity ON roster_changes (org_id, entity, entity_id, seq);
