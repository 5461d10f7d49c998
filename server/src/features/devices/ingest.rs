//! What happens to each pushed event, and why. A pure rule: the store asks it about each event
//! inside its ingest transaction, answering its questions (who is this employee to the device's
//! organisation, is this machine the organisation's, when was the kiosk provisioned and what has
//! it sent before) from its own tables.
//!
//! - **Refused** (acknowledged as rejected with the reason, so the kiosk stops resending it, and
//!   nothing is kept): it breaks the protocol's own checks (`check_event`), names an employee or
//!   a machine of another organisation, or is an enrolment capture of someone who has not
//!   granted biometric consent (a face is never kept without it), or an enrolment capture from
//!   a kiosk no administrator has confirmed (a face from an unvouched device is not kept either).
//! - **Held for review** (stored and acknowledged, but not counted until a reviewer releases
//!   it): a punch or machine event of an employee who was deleted, is still pending, or may not
//!   punch at the kiosk's site, and any punch or machine event from a kiosk not confirmed yet
//!   ([`UNCONFIRMED_KIOSK`]; confirming the kiosk releases those held for that reason alone).
//!   These may be real hours captured offline, so they are never dropped.
//! - Otherwise **stored** and counted; **flagged** with the reason when it is dated in the
//!   future, before the kiosk was provisioned, or more than [`BACKDATE_TOLERANCE`] before events
//!   the kiosk already sent (its clock, or the event, is suspect: reviewers see the flag), or is
//!   a face punch whose liveness check failed and that the site's rules took anyway. A flagged
//!   punch also waits in the review queue ([`super::flagged`]) until a manager confirms or
//!   rejects it (the store's insert sets that; this rule only gives the reason).

use attend_protocol::events::{Event, EventBody};
use attend_protocol::ids::{EmployeeId, EquipmentId, SiteId};
use attend_protocol::roster::ConsentState;
use attend_protocol::validate::check_event;
use jiff::{SignedDuration, Timestamp};

use crate::db::StoreResult;

/// How far before the newest event a kiosk already sent a new one may be dated before it is
/// held (a kiosk's outbox sends in capture order, so older ones mean a clock step or a forgery).
pub const BACKDATE_TOLERANCE: SignedDuration = SignedDuration::from_hours(24);

/// The hold reason of a punch or machine event from a kiosk no administrator has confirmed.
/// Confirmation releases the events held with exactly this reason; one held for another reason
/// as well carries both (`"{this}; {other}"`) and waits for a reviewer.
pub const UNCONFIRMED_KIOSK: &str = "the kiosk is not confirmed yet";

/// An employee of the device's organisation, as the rule needs them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmployeeFacts {
    pub deleted: bool,
    pub pending: bool,
    pub consent: ConsentState,
    pub home_site: Option<SiteId>,
    /// The sites they may punch at; empty: their home site only.
    pub punch_sites: Vec<SiteId>,
}

impl EmployeeFacts {
    /// Whether they may punch at `site`. With neither a list nor a home site, nothing says
    /// where they work, so any of the organisation's sites will do.
    pub fn may_punch_at(&self, site: SiteId) -> bool {
        if !self.punch_sites.is_empty() {
            return self.punch_sites.contains(&site);
        }
        self.home_site.is_none_or(|home| home == site)
    }
}

/// What the rule asks the store about the pushing device's organisation.
pub trait Membership {
    /// The employee, if they belong to the organisation (deleted ones included).
    fn employee(&mut self, id: EmployeeId) -> StoreResult<Option<EmployeeFacts>>;
    fn has_equipment(&mut self, id: EquipmentId) -> StoreResult<bool>;
}

/// The pushing kiosk, as the rule needs it.
#[derive(Clone, Copy, Debug)]
pub struct Pusher {
    pub site: SiteId,
    /// An administrator confirmed the kiosk since it provisioned.
    pub confirmed: bool,
    pub provisioned_at: Option<Timestamp>,
    /// The newest capture time among the events it sent before.
    pub newest_sent: Option<Timestamp>,
    pub received_at: Timestamp,
    /// The tolerated clock difference (`sync.skew_window_s`).
    pub skew: SignedDuration,
}

/// The rule's answer for one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Store and count it, flagged with the reason if its date or its liveness is suspect.
    Store(Option<String>),
    /// Store it uncounted until a reviewer decides, with the reason, and flagged as `Store`
    /// would be (so a release keeps the flag).
    Hold(String, Option<String>),
    Reject(String),
}

/// What to do with `event` pushed by `pusher`.
pub fn verdict(event: &Event, pusher: &Pusher, org: &mut dyn Membership) -> StoreResult<Verdict> {
    if let Err(reason) = check_event(event) {
        return Ok(Verdict::Reject(reason));
    }
    if let EventBody::Equipment(e) = &event.body
        && !org.has_equipment(e.equipment_id)?
    {
        return Ok(Verdict::Reject(format!(
            "body.equipment_id: {} is not equipment of this organisation",
            e.equipment_id
        )));
    }
    let flag = joined(date_flag(event.captured_at, pusher), liveness_flag(event));
    let Some(employee) = event.body.employee_id() else {
        return Ok(Verdict::Store(flag));
    };
    let Some(facts) = org.employee(employee)? else {
        return Ok(Verdict::Reject(format!(
            "body.employee_id: {employee} is not an employee of this organisation"
        )));
    };
    match &event.body {
        EventBody::EnrolmentCandidate(_)
            if facts.consent != ConsentState::Granted || facts.deleted =>
        {
            Ok(Verdict::Reject(format!(
                "body.employee_id: {employee} has not granted biometric consent, so no face data is kept"
            )))
        }
        EventBody::EnrolmentCandidate(_) if !pusher.confirmed => Ok(Verdict::Reject(format!(
            "{UNCONFIRMED_KIOSK}, so no face data is kept: enrol again once an administrator confirms it"
        ))),
        EventBody::Punch(_) | EventBody::Equipment(_) => Ok(match hold_reason(&facts, pusher) {
            Some(reason) => Verdict::Hold(reason, flag),
            None => Verdict::Store(flag),
        }),
        _ => Ok(Verdict::Store(flag)),
    }
}

fn hold_reason(facts: &EmployeeFacts, pusher: &Pusher) -> Option<String> {
    let employee = employee_hold_reason(facts, pusher);
    match (pusher.confirmed, employee) {
        (true, employee) => employee,
        (false, None) => Some(UNCONFIRMED_KIOSK.into()),
        (false, Some(other)) => Some(format!("{UNCONFIRMED_KIOSK}; {other}")),
    }
}

fn employee_hold_reason(facts: &EmployeeFacts, pusher: &Pusher) -> Option<String> {
    if facts.deleted {
        return Some("the employee had been deleted when this arrived".into());
    }
    if facts.pending {
        return Some("the employee is still waiting for approval".into());
    }
    if !facts.may_punch_at(pusher.site) {
        return Some("the employee may not punch at this kiosk's site".into());
    }
    None
}

/// A face punch whose liveness check failed, taken because the site's rules flag instead of
/// refusing: a manager reviews it.
fn liveness_flag(event: &Event) -> Option<String> {
    let EventBody::Punch(punch) = &event.body else {
        return None;
    };
    let evidence = punch.liveness.as_ref().filter(|e| !e.live)?;
    Some(match &evidence.reason {
        Some(reason) => format!("liveness check failed: {reason}"),
        None => "liveness check failed".into(),
    })
}

/// The event as stored: `raw` as the kiosk sent it, less a face punch's evidence picture unless
/// `keep_picture` (the caller's judgement: a flagged punch, a site that keeps pictures, a person
/// who consents). Without a picture to remove it is `raw` itself; with one, the same JSON
/// re-serialised without it.
pub fn stored_payload(event: &Event, raw: String, keep_picture: bool) -> String {
    let EventBody::Punch(punch) = &event.body else {
        return raw;
    };
    let has_picture = punch
        .liveness
        .as_ref()
        .is_some_and(|l| l.picture_jpeg_base64.is_some());
    if keep_picture || !has_picture {
        return raw;
    }
    if let Ok(mut payload) = serde_json::from_str::<serde_json::Value>(&raw) {
        if let Some(liveness) = payload
            .pointer_mut("/body/liveness")
            .and_then(|l| l.as_object_mut())
        {
            liveness.remove("picture_jpeg_base64");
        }
        return payload.to_string();
    }
    // It parsed as the event, so this cannot happen; if it did, the event as parsed goes
    // without its picture (only fields this version does not know are lost).
    let mut event = event.clone();
    if let EventBody::Punch(p) = &mut event.body
        && let Some(l) = &mut p.liveness
    {
        l.picture_jpeg_base64 = None;
    }
    serde_json::to_string(&event).unwrap_or_default()
}

fn joined(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    }
}

fn date_flag(at: Timestamp, pusher: &Pusher) -> Option<String> {
    if at > pusher.received_at + pusher.skew {
        return Some(format!("captured at {at}, after it was received"));
    }
    if pusher.provisioned_at.is_some_and(|p| at < p - pusher.skew) {
        return Some(format!(
            "captured at {at}, before the kiosk was provisioned"
        ));
    }
    if pusher
        .newest_sent
        .is_some_and(|newest| at < newest - BACKDATE_TOLERANCE)
    {
        return Some(format!(
            "captured at {at}, more than a day before events this kiosk had already sent"
        ));
    }
    None
}

#[cfg(test)]
mod tests;
