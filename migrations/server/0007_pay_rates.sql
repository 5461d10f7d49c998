-- Schema version 7: hourly pay rates with effective dates, for labour cost.
CREATE TABLE pay_rates (
    employee_id           TEXT NOT NULL REFERENCES employees(id),
    effective_from        TEXT NOT NULL,        -- YYYY-MM-DD
    hourly_cents          INTEGER NOT NULL,     -- in the organisation's currency
    overtime_rate_percent INTEGER NOT NULL,     -- e.g. 150: overtime paid at 1.5 times
    org_id                TEXT NOT NULL,
    PRIMARY KEY (employee_id, effective_from)
) WITHOUT ROWID;
