//! The statement that stores synced events, one or a batch at once. Ingest stores a batch with
//! [`insert_events_sql`], photo enrolment one event with [`INSERT_EVENT_SQL`], and the ingest
//! benchmark's direct baseline runs the batch statement too, so both measure the same write.

/// Values bound per event, in [`INSERT_EVENT_SQL`]'s order.
pub const EVENT_PARAMS: usize = 12;

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

/// [`INSERT_EVENT_SQL`] for `rows` events at once (one statement, `rows` × [`EVENT_PARAMS`]
/// values, event by event), answering the id of each event it stored: one not answered was
/// stored before, or earlier in the same batch. The placeholders inside the `CASE`s are cast,
/// so PostgreSQL types every one from the statement alone. Each size's text (80 kB for 500) is
/// made once per process: ingest asks for it on every batch.
pub fn insert_events_sql(rows: usize) -> std::sync::Arc<str> {
    static TEXTS: std::sync::LazyLock<
        std::sync::Mutex<std::collections::HashMap<usize, std::sync::Arc<str>>>,
    > = std::sync::LazyLock::new(Default::default);
    TEXTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(rows)
        .or_insert_with(|| events_sql(rows).into())
        .clone()
}

fn events_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let p = |i: usize| format!("?{}", r * EVENT_PARAMS + i);
            format!(
                "({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, CASE WHEN CAST({} AS TEXT) IS NULL THEN NULL ELSE 'held' END, {}, \
                 CASE WHEN CAST({} AS TEXT) IS NOT NULL AND CAST({} AS TEXT) = 'punch' THEN 'pending' END)",
                p(1), p(2), p(3), p(4), p(5), p(6), p(7), p(8), p(9), p(10), p(11), p(11), p(12), p(12), p(4)
            )
        })
        .collect();
    format!(
        "INSERT INTO device_events
    (event_id, org_id, device_id, kind, employee_id, seq, captured_at, received_at, clock_suspect, payload,
     held_reason, hold_state, flagged, flag_review)
    VALUES {}
    ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
        values.join(",\n           ")
    )
}

/// The condition (on `device_events` as `alias`) of an event that counts: not held for review,
/// or released by a reviewer; and not a flagged punch a reviewer rejected. Every reader of
/// hours, presence and machine sessions applies it.
pub fn counted(alias: &str) -> String {
    format!(
        "(({alias}.hold_state IS NULL OR {alias}.hold_state = 'released') \
         AND {alias}.flag_review IS DISTINCT FROM 'rejected')"
    )
}
