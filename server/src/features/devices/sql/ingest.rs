//! Ingest: one transaction per batch, its events stored by one set-based statement (each
//! verbatim, at most once), the refusal rule ([`super::super::ingest::rejection`]) answered
//! from this organisation's rows.

use std::collections::{HashMap, HashSet};

use crate::db::sql::{OptionalExtension, Sql, params};
use attend_protocol::ack::Ack;
use attend_protocol::events::{Event, EventBody};
use attend_protocol::ids::{EmployeeId, EquipmentId, SiteId};
use attend_protocol::roster::ConsentState;
use jiff::{SignedDuration, Timestamp};

use super::super::ingest::{EmployeeFacts, Membership, Pusher, Verdict, stored_payload, verdict};
use super::super::{DeviceAuth, ReceivedEvent};
use crate::db::StoreResult;
use crate::db::sql::{EVENT_PARAMS, db, get_opt_ts, insert_events_sql, query_rows, ts};
use rusqlite::types::Value;

use crate::features::enrolment::sql::screen_candidate;

/// How many events one statement stores, largest first: a batch is cut into these sizes only,
/// so the statement texts (each prepared and cached per connection) are four, not one per batch
/// size. 500 × 12 values is well inside SQLite's and PostgreSQL's limits (32,766 and 65,535).
const INSERT_SIZES: [usize; 4] = [500, 64, 8, 1];

/// `events` cut into [`INSERT_SIZES`], largest first.
fn insert_chunks(mut events: usize) -> Vec<usize> {
    let mut sizes = Vec::new();
    for size in INSERT_SIZES {
        while events >= size {
            sizes.push(size);
            events -= size;
        }
    }
    sizes
}

/// Per-batch memo of the device's organisation's employees and machines.
struct Known<'a> {
    tx: &'a Sql<'a>,
    org: &'a str,
    employees: HashMap<EmployeeId, Option<EmployeeFacts>>,
    equipment: HashMap<EquipmentId, bool>,
}

fn consent(text: &str) -> ConsentState {
    match text {
        "granted" => ConsentState::Granted,
        "withdrawn" => ConsentState::Withdrawn,
        _ => ConsentState::NotAsked,
    }
}

impl Membership for Known<'_> {
    fn employee(&mut self, id: EmployeeId) -> StoreResult<Option<EmployeeFacts>> {
        if let Some(known) = self.employees.get(&id) {
            return Ok(known.clone());
        }
        let row: Option<(bool, String, String, Option<String>)> = self
            .tx
            .query_row(
                "SELECT deleted_at IS NOT NULL, status, consent, site_id FROM employees
                 WHERE id = ?1 AND org_id = ?2",
                params![id.to_string(), self.org],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(db)?;
        let facts = match row {
            None => None,
            Some((deleted, status, consent_text, home)) => {
                let sites = query_rows(
                    self.tx,
                    "SELECT site_id FROM employee_sites WHERE employee_id = ?1",
                    [id.to_string()],
                    |r| r.get::<_, String>(0),
                )?;
                Some(EmployeeFacts {
                    deleted,
                    pending: status == "pending",
                    consent: consent(&consent_text),
                    home_site: home.and_then(|s| s.parse::<SiteId>().ok()),
                    punch_sites: sites.iter().filter_map(|s| s.parse().ok()).collect(),
                })
            }
        };
        self.employees.insert(id, facts.clone());
        Ok(facts)
    }

    fn has_equipment(&mut self, id: EquipmentId) -> StoreResult<bool> {
        if let Some(&known) = self.equipment.get(&id) {
            return Ok(known);
        }
        let known = self
            .tx
            .query_row(
                "SELECT 1 FROM equipment WHERE id = ?1 AND org_id = ?2",
                params![id.to_string(), self.org],
                |_| Ok(()),
            )
            .optional()
            .map_err(db)?
            .is_some();
        self.equipment.insert(id, known);
        Ok(known)
    }
}

/// The pushing kiosk's provisioning time and the newest capture it sent before this batch.
fn pusher(
    tx: &Sql<'_>,
    device: &DeviceAuth,
    received_at: Timestamp,
    skew: SignedDuration,
) -> StoreResult<Pusher> {
    let (provisioned_at, newest_sent) = tx
        .query_row(
            "SELECT provisioned_at, newest_captured_at FROM devices WHERE id = ?1",
            [device.id.to_string()],
            |r| Ok((get_opt_ts(r, 0)?, get_opt_ts(r, 1)?)),
        )
        .map_err(db)?;
    Ok(Pusher {
        site: device.site_id,
        confirmed: device.confirmed,
        provisioned_at,
        newest_sent,
        received_at,
        skew,
    })
}

pub(super) fn ingest_tx(
    tx: &Sql<'_>,
    device: &DeviceAuth,
    events: Vec<ReceivedEvent>,
    received_at: Timestamp,
    skew: SignedDuration,
) -> StoreResult<Vec<Ack>> {
    let pusher = pusher(tx, device, received_at, skew)?;
    let keeps_pictures =
        crate::features::orgs::liveness_sql::site_liveness(tx, device.site_id)?.evidence_thumbnails;
    let mut newest = pusher.newest_sent;
    let (org, device_id, received) = (
        device.org_id.to_string(),
        device.id.to_string(),
        ts(received_at),
    );
    let mut known = Known {
        tx,
        org: &org,
        employees: HashMap::new(),
        equipment: HashMap::new(),
    };
    // Every event's verdict first (the side effects below change nothing a verdict reads),
    // then the stored ones in one statement per chunk, then what each stored event sets off,
    // in the batch's order.
    let mut acks: Vec<Option<Ack>> = Vec::with_capacity(events.len());
    let mut storing: Vec<(usize, Event)> = Vec::new();
    let mut rows: Vec<Value> = Vec::new();
    for ReceivedEvent { event, raw } in events {
        let (held, flag) = match verdict(&event, &pusher, &mut known)? {
            Verdict::Reject(reason) => {
                acks.push(Some(Ack::rejected(event.event_id, reason)));
                continue;
            }
            Verdict::Hold(reason, flag) => (Some(reason), flag),
            Verdict::Store(flag) => (None, flag),
        };
        // An evidence picture is kept for review only: a flagged punch, at a site that keeps
        // them, of a person who is there and consents now (a kiosk offline since consent was
        // withdrawn must not bring the face back).
        let consents = match event.body.employee_id() {
            Some(id) => known
                .employee(id)?
                .is_some_and(|f| !f.deleted && f.consent == ConsentState::Granted),
            None => false,
        };
        let raw = stored_payload(&event, raw, keeps_pictures && flag.is_some() && consents);
        rows.extend([
            Value::Text(event.event_id.to_string()),
            Value::Text(org.clone()),
            Value::Text(device_id.clone()),
            Value::Text(event.body.kind().to_owned()),
            event
                .body
                .employee_id()
                .map_or(Value::Null, |e| Value::Text(e.to_string())),
            Value::Integer(event.seq as i64),
            Value::Text(ts(event.captured_at)),
            Value::Text(received.clone()),
            Value::Integer(i64::from(event.clock_suspect)),
            Value::Text(raw),
            held.map_or(Value::Null, Value::Text),
            flag.map_or(Value::Null, Value::Text),
        ]);
        storing.push((acks.len(), event));
        acks.push(None);
    }
    let mut stored: HashSet<String> = HashSet::new();
    let mut rest = rows.as_slice();
    for size in insert_chunks(rest.len() / EVENT_PARAMS) {
        let (chunk, after) = rest.split_at(size * EVENT_PARAMS);
        rest = after;
        let ids = query_rows(tx, &insert_events_sql(size), chunk, |r| {
            r.get::<_, String>(0)
        })?;
        stored.extend(ids);
    }
    for (slot, event) in storing {
        // Taken out once: a second copy in the same batch is a duplicate of the first.
        if !stored.remove(&event.event_id.to_string()) {
            acks[slot] = Some(Ack::duplicate(event.event_id));
            continue;
        }
        // Held events count too: a forged future date must not move the mark forward, so only
        // those not dated after their arrival do.
        if event.captured_at <= received_at + skew {
            newest = newest.max(Some(event.captured_at));
        }
        set_off(tx, &event, &org, &device_id, &received)?;
        acks[slot] = Some(Ack::accepted(event.event_id));
    }
    if newest != pusher.newest_sent {
        tx.execute(
            "UPDATE devices SET newest_captured_at = ?2 WHERE id = ?1",
            params![device.id.to_string(), newest.map(ts)],
        )
        .map_err(db)?;
    }
    Ok(acks.into_iter().flatten().collect())
}

/// What a newly stored event sets off: a heartbeat updates its kiosk's health, an enrolment
/// candidate waits for review (screened at once against the other employees' faces).
fn set_off(
    tx: &Sql<'_>,
    event: &Event,
    org: &str,
    device_id: &str,
    received: &str,
) -> StoreResult<()> {
    match &event.body {
        EventBody::Heartbeat(h) => {
            tx.execute(
"UPDATE devices SET heartbeat = ?2, heartbeat_at = ?3, queue_depth = ?4, clock_offset_ms = ?5,
                        attendd_version = ?6, set_aside = ?7, set_aside_reason = ?8
                 WHERE id = ?1 AND (heartbeat_at IS NULL OR heartbeat_at <= ?3)", params![
                    device_id,
                    serde_json::to_string(h).unwrap_or_default(),
                    ts(event.captured_at),
                    // Clamped: a value past i64 would fail every later read of the device.
                    i64::try_from(h.queue_depth).unwrap_or(i64::MAX),
                    h.clock_offset_ms,
                    h.versions.attendd,
                    h.set_aside as i64,
                    h.set_aside_reason,
                ])
            .map_err(db)?;
        }
        EventBody::EnrolmentCandidate(c) => {
            tx.execute(
"INSERT INTO enrolment_candidates (event_id, org_id, employee_id, device_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)", params![event.event_id.to_string(), org, c.employee_id.to_string(), device_id, received])
            .map_err(db)?;
            // Four eyes: a face like another employee's is shown to reviewers at once.
            screen_candidate(tx, event.event_id)?;
        }
        EventBody::Punch(_) | EventBody::Equipment(_) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::insert_chunks;

    #[test]
    fn a_batch_is_cut_into_the_few_statement_sizes_only() {
        assert_eq!(insert_chunks(0), Vec::<usize>::new());
        assert_eq!(insert_chunks(1000), [500, 500]);
        assert_eq!(insert_chunks(573), [500, 64, 8, 1]);
        for n in 0..=1000 {
            let sizes = insert_chunks(n);
            assert_eq!(sizes.iter().sum::<usize>(), n);
            assert!(sizes.iter().all(|s| [500, 64, 8, 1].contains(s)));
        }
    }
}
