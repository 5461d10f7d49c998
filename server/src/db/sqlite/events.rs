//! The one statement that stores a synced event. Ingest and photo enrolment store events with
//! it, and the ingest benchmark's raw baseline too, so all three measure the same write.

/// Stores an event at most once (`event_id` is the key; a repeat changes nothing).
pub const INSERT_EVENT_SQL: &str = "INSERT INTO device_events
    (event_id, org_id, device_id, kind, employee_id, seq, captured_at, received_at, clock_suspect, payload)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (event_id) DO NOTHING";
