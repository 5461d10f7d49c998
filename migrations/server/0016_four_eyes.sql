-- Schema version 16: four eyes (security review H4). Every account that can decide anything
-- is linked to its employee record or marked as not an employee; creators and uploaders are
-- recorded so they do not approve their own work; an enrolment whose face matches another
-- employee's waits for a second reviewer.

-- Set by an administrator (never the account itself): this person is not one of the
-- organisation's employees. Unlinked and unmarked, a deciding account may not decide.
ALTER TABLE users ADD COLUMN not_employee INTEGER NOT NULL DEFAULT 0;

-- Existing deciding accounts of an organisation are linked to the one live employee of their
-- organisation with the same e-mail (case-insensitive) that no other account is linked to.
-- Those left unlinked stay unresolved: an administrator lists them and links or marks each.
-- Global roles (super admin, support) belong to no organisation and are not linked.
UPDATE users SET employee_id = (
        SELECT e.id FROM employees e
        WHERE e.org_id = users.org_id AND e.deleted_at IS NULL
          AND e.email IS NOT NULL AND lower(e.email) = lower(users.email)
          AND NOT EXISTS (SELECT 1 FROM users o WHERE o.employee_id = e.id))
    WHERE role IN ('org_admin', 'manager') AND employee_id IS NULL AND org_id IS NOT NULL
      AND (SELECT count(*) FROM employees e
           WHERE e.org_id = users.org_id AND e.deleted_at IS NULL
             AND e.email IS NOT NULL AND lower(e.email) = lower(users.email)
             AND NOT EXISTS (SELECT 1 FROM users o WHERE o.employee_id = e.id)) = 1;

-- An invite for a deciding role says who the invitee is: their employee record, or not one.
ALTER TABLE invites ADD COLUMN employee_id TEXT REFERENCES employees(id);
ALTER TABLE invites ADD COLUMN not_employee INTEGER NOT NULL DEFAULT 0;

-- Who created an employee (null: self-registered, or created before version 16). They do not
-- approve that employee's first timesheet.
ALTER TABLE employees ADD COLUMN created_by TEXT REFERENCES users(id);

-- Who uploaded the photos of a candidate (null: a kiosk capture). They do not approve it.
ALTER TABLE enrolment_candidates ADD COLUMN uploaded_by TEXT REFERENCES users(id);
-- The enrolled employee whose face the candidate's matches, with the score, found when the
-- candidate is stored (uploads) or first approved (kiosk captures).
ALTER TABLE enrolment_candidates ADD COLUMN lookalike_id TEXT REFERENCES employees(id);
ALTER TABLE enrolment_candidates ADD COLUMN lookalike_score REAL;
-- The first reviewer who approved a candidate with a lookalike; a second one completes it.
ALTER TABLE enrolment_candidates ADD COLUMN first_approved_by TEXT REFERENCES users(id);

-- The single-admin setting (off by default): while an organisation has exactly one active org
-- admin, that admin's four-eyes refusals become decisions flagged in the audit log.
ALTER TABLE organisations ADD COLUMN single_admin_self_approval INTEGER NOT NULL DEFAULT 0;
-- The four-eyes rule a decision was let through under the single-admin setting (null: none).
ALTER TABLE audit_log ADD COLUMN four_eyes_waived TEXT;
