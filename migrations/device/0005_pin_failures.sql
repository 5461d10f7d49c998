-- attendd's local store, version 5: failed PIN tries, so the keypad's slowdown survives a
-- reboot. One row for the whole kiosk (`kiosk`) and one per typed employee number
-- (`number:<n>`, known or not); a success deletes the number's row, time forgets the rest.
CREATE TABLE pin_failures (
    scope           TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_ms INTEGER NOT NULL     -- Unix ms, device clock
);
