-- Schema version 12: clients blocked by the rate limiter, per tier and key, so a block survives a
-- restart and holds on every instance. `offences` counts blocks of the same client within a day
-- of the previous one (each doubles the next). Rows that ended more than a day ago are pruned.
CREATE TABLE rate_blocks (
    tier          TEXT NOT NULL CHECK (tier IN ('general', 'heavy', 'sync')),
    key           TEXT NOT NULL,
    offences      INTEGER NOT NULL CHECK (offences >= 1),
    since         TEXT NOT NULL,
    blocked_until TEXT NOT NULL,
    PRIMARY KEY (tier, key)
);
CREATE INDEX rate_blocks_until ON rate_blocks (blocked_until);
