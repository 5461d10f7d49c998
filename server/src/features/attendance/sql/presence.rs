//! Presence: one query over the punches since a moment (each employee's latest).

use crate::db::sql::params;
use jiff::Timestamp;

use super::super::Presence;
use crate::db::sql::{
    SqlDb, counted, dept_param, get_enum, get_id, get_ts, opt_org, query_rows, ts,
};
use crate::db::{DepartmentFilter, Scope, StoreResult};

impl SqlDb {
    pub(super) async fn presence_since(
        &self,
        scope: Scope,
        depts: &DepartmentFilter,
        since: Timestamp,
    ) -> StoreResult<Vec<Presence>> {
        let org = opt_org(scope.org());
        let depts = dept_param(depts);
        let mut rows = self
            .read(move |c| {
                query_rows(
                    c,
                    &format!(
                    "SELECT ev.employee_id, e.display_name, d.name,
                            json_extract(ev.payload, '$.body.punch_type'),
                            json_extract(ev.payload, '$.body.method'),
                            ev.captured_at, ev.device_id, dv.name, s.timezone
                     FROM (SELECT employee_id, MAX(captured_at) AS at FROM device_events
                           WHERE kind = 'punch' AND captured_at >= ?1 AND (?2 IS NULL OR org_id = ?2)
                             AND {counted_latest}
                           GROUP BY employee_id) latest
                     JOIN device_events ev ON ev.kind = 'punch' AND ev.employee_id = latest.employee_id
                          AND ev.captured_at = latest.at
                          AND {counted_ev}
                     JOIN employees e ON e.id = ev.employee_id AND e.deleted_at IS NULL
                     LEFT JOIN departments d ON d.id = e.department_id
                     LEFT JOIN devices dv ON dv.id = ev.device_id
                     LEFT JOIN sites s ON s.id = dv.site_id
                     WHERE (?3 IS NULL OR e.department_id IN (SELECT value FROM json_each(?3)))
                     ORDER BY e.display_name, ev.employee_id, ev.event_id DESC",
                        counted_latest = counted("device_events"),
                        counted_ev = counted("ev"),
                    ),
                    params![ts(since), org, depts],
                    |row| {
                        Ok(Presence {
                            employee_id: get_id(row, 0)?,
                            display_name: row.get(1)?,
                            department: row.get(2)?,
                            last: get_enum(row, 3, wire)?,
                            method: get_enum(row, 4, wire)?,
                            at: get_ts(row, 5)?,
                            device_id: get_id(row, 6)?,
                            device: row.get(7)?,
                            time_zone: row.get(8)?,
                        })
                    },
                )
            })
            .await?;
        // Two punches with the same instant: keep one (the newest event id, sorted first).
        rows.dedup_by_key(|p| p.employee_id);
        Ok(rows)
    }
}

/// A wire enum from its snake_case name, as the kiosk sent it.
fn wire<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}
