//! The one statement that stores a synced event. Ingest and photo enrolment store events with
//! it, and the ingest benchmark's raw baseline too, so all three measure the same write.

/// Stores an event at most once (`event_id` is the key; a repeat changes nothing). `?11` is the
/// reason to hold it for review, or NULL to count it at once; `?12` why its date or its
/// liveness check is suspect (kept when a held event is released). A flagged punch waits for a
/// manager's review (`flag_review = 'pending'`, see `features::devices::flagged`).
pub const INSERT_EVENT_SQL: &str = "INSERT INTO device_events
    (event_id, org_id, device_id, kind, employee_id, seq, captured_at, received_at, clock_suspect, payload,
     held_reason, hold_state, flagged, flag_review)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, CASE WHEN ?11 IS NULL THEN NULL ELSE 'held' END, ?12,
            CASE WHEN ?12 IS NOT NULL AND ?4 = 'punch' THEN 'pending' END)
    ON CONFLICT (event_id) DO NOTHING";

/// The condition (on `device_events` as `alias`) of an event that counts: not held for review,
/// or released by a reviewer; and not a flagged punch a reviewer rejected. Every reader of
/// hours, presence and machine sessions applies it.
pub fn counted(alias: &str) -> String {
    format!(
        "(({alias}.hold_state IS NULL OR {alias}.hold_state = 'released') \
         AND {alias}.flag_review IS DISTINCT FROM 'rejected')"
    )
}
