-- attendd's local store, version 2: the roster cache pulled from the server, so the kiosk
-- recognises people, checks PINs and gates equipment while offline. Face templates are stored
-- encrypted (AES-256-GCM, key file readable only by the service user).

CREATE TABLE roster_employees (
    id              TEXT PRIMARY KEY,
    employee_number TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    pin_hash        TEXT,
    consent         TEXT NOT NULL,
    qualifications  TEXT NOT NULL          -- JSON [{qualification_id, expires_on}]
);
CREATE INDEX roster_employees_number ON roster_employees (employee_number);

CREATE TABLE roster_templates (
    id          TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL,
    model_id    TEXT NOT NULL,
    nonce       BLOB NOT NULL,             -- 12 random bytes per template
    sealed      BLOB NOT NULL              -- AES-256-GCM(f32 LE vector), AAD = template id
);

CREATE TABLE roster_equipment (
    id                     TEXT PRIMARY KEY,
    name                   TEXT NOT NULL,
    activation_code_hash   TEXT NOT NULL,
    required_qualification TEXT,
    relay_channel          INTEGER NOT NULL,
    locked_out             INTEGER NOT NULL
);

CREATE TABLE roster_qualifications (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
