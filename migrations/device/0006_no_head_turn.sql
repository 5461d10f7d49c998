-- attendd's local store, version 6: who a manager marked as unable to turn their head (they
-- use the PIN with the passive liveness check where the site asks for a head turn). The roster
-- is pulled again from the start once, so people marked before this kiosk knew the field are
-- marked here too.
ALTER TABLE roster_employees ADD COLUMN no_head_turn INTEGER NOT NULL DEFAULT 0;
DELETE FROM kv WHERE key = 'roster_cursor';
