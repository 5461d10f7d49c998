//! Equipment sessions. A worker, once identified, types a machine's code; the machine starts
//! only if the worker is clocked in, holds a valid required qualification, and the machine is
//! neither locked out nor in use. A session stops on the code typed again, the stop key, an
//! idle or maximum time (with a countdown warning first), clocking out, or shutdown; after a
//! crash an open session is closed with reason `recovered` and its relay stays off.
//!
//! Pure: the caller turns [`Effect`]s into relay switches and outbox events, in that order for
//! starts (commit, then power) and the reverse for stops (power off, then commit).

use std::collections::HashMap;

use attend_protocol::events::StopReason;
use attend_protocol::ids::{EmployeeId, EquipmentId, SessionId};
use attend_protocol::roster::{RosterEmployee, RosterEquipment};
use jiff::civil::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub idle_ms: u64,
    pub max_ms: u64,
    /// How long before an idle or maximum stop the countdown warning starts.
    pub warn_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("clock in before using {0}")]
    NotClockedIn(String),
    #[error("{machine} needs a qualification you do not hold")]
    NotQualified { machine: String },
    #[error("your qualification for {machine} expired on {expired}")]
    QualificationExpired { machine: String, expired: Date },
    #[error("{0} is locked out")]
    LockedOut(String),
    #[error("{0} is in use by someone else")]
    InUse(String),
}

/// What the daemon must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Started {
        session: SessionId,
        equipment: EquipmentId,
        employee: EmployeeId,
        relay: u8,
    },
    Stopped {
        session: SessionId,
        equipment: EquipmentId,
        employee: EmployeeId,
        relay: u8,
        reason: StopReason,
    },
    /// Show "N s left" on the screen (sent once per session, then the countdown runs locally).
    Warn {
        equipment: EquipmentId,
        seconds_left: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Session {
    id: SessionId,
    employee: EmployeeId,
    relay: u8,
    started_ms: u64,
    last_activity_ms: u64,
    warned: bool,
}

#[derive(Clone, Debug)]
pub struct Sessions {
    limits: Limits,
    active: HashMap<EquipmentId, Session>,
}

impl Sessions {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            active: HashMap::new(),
        }
    }

    pub fn active_count(&self) -> usize {
        self.active.len()
    }

    pub fn is_running(&self, equipment: EquipmentId) -> bool {
        self.active.contains_key(&equipment)
    }

    /// The worker typed this machine's code: start it, or stop it if it is theirs and running.
    pub fn code_typed(
        &mut self,
        machine: &RosterEquipment,
        worker: &RosterEmployee,
        clocked_in: bool,
        today: Date,
        new_session: SessionId,
        now_ms: u64,
    ) -> Result<Vec<Effect>, Refusal> {
        if let Some(s) = self.active.get(&machine.id) {
            if s.employee == worker.id {
                return Ok(self
                    .stop(machine.id, StopReason::CodeRetyped)
                    .into_iter()
                    .collect());
            }
            return Err(Refusal::InUse(machine.name.clone()));
        }
        if machine.locked_out {
            return Err(Refusal::LockedOut(machine.name.clone()));
        }
        if !clocked_in {
            return Err(Refusal::NotClockedIn(machine.name.clone()));
        }
        if let Some(required) = machine.required_qualification {
            let held = worker
                .qualifications
                .iter()
                .find(|q| q.qualification_id == required);
            match held {
                None => {
                    return Err(Refusal::NotQualified {
                        machine: machine.name.clone(),
                    });
                }
                Some(q) if q.expires_on.is_some_and(|d| d < today) => {
                    return Err(Refusal::QualificationExpired {
                        machine: machine.name.clone(),
                        expired: q.expires_on.unwrap_or(today),
                    });
                }
                Some(_) => {}
            }
        }
        let session = Session {
            id: new_session,
            employee: worker.id,
            relay: machine.relay_channel,
            started_ms: now_ms,
            last_activity_ms: now_ms,
            warned: false,
        };
        self.active.insert(machine.id, session);
        Ok(vec![Effect::Started {
            session: new_session,
            equipment: machine.id,
            employee: worker.id,
            relay: machine.relay_channel,
        }])
    }

    /// Any sign of use (a key, a face in view) keeps the machine's idle timer from expiring.
    pub fn activity(&mut self, employee: EmployeeId, now_ms: u64) {
        for s in self.active.values_mut().filter(|s| s.employee == employee) {
            s.last_activity_ms = now_ms;
            s.warned = false;
        }
    }

    fn stop(&mut self, equipment: EquipmentId, reason: StopReason) -> Option<Effect> {
        self.active.remove(&equipment).map(|s| Effect::Stopped {
            session: s.id,
            equipment,
            employee: s.employee,
            relay: s.relay,
            reason,
        })
    }

    fn stop_where(&mut self, reason: StopReason, pick: impl Fn(&Session) -> bool) -> Vec<Effect> {
        let mut ids: Vec<EquipmentId> = self
            .active
            .iter()
            .filter(|(_, s)| pick(s))
            .map(|(id, _)| *id)
            .collect();
        ids.sort();
        ids.into_iter()
            .filter_map(|id| self.stop(id, reason))
            .collect()
    }

    /// The stop key: every machine this worker runs.
    pub fn stop_key(&mut self, employee: EmployeeId) -> Vec<Effect> {
        self.stop_where(StopReason::StopKey, |s| s.employee == employee)
    }

    pub fn clocked_out(&mut self, employee: EmployeeId) -> Vec<Effect> {
        self.stop_where(StopReason::ClockOut, |s| s.employee == employee)
    }

    pub fn shutdown(&mut self) -> Vec<Effect> {
        self.stop_where(StopReason::Shutdown, |_| true)
    }

    /// A manager put a hold on these machines (a roster pull said so): any of them still
    /// running stops now, with reason `locked_out`.
    pub fn held(&mut self, held: &[EquipmentId]) -> Vec<Effect> {
        let mut ids: Vec<EquipmentId> = self
            .active
            .keys()
            .filter(|id| held.contains(id))
            .copied()
            .collect();
        ids.sort();
        ids.into_iter()
            .filter_map(|id| self.stop(id, StopReason::LockedOut))
            .collect()
    }

    /// Time passed: idle and maximum stops, and countdown warnings.
    pub fn tick(&mut self, now_ms: u64) -> Vec<Effect> {
        let l = self.limits;
        let mut effects = self.stop_where(StopReason::MaxTime, |s| {
            now_ms.saturating_sub(s.started_ms) >= l.max_ms
        });
        effects.extend(self.stop_where(StopReason::IdleTimeout, |s| {
            now_ms.saturating_sub(s.last_activity_ms) >= l.idle_ms
        }));
        let mut warnings: Vec<Effect> = Vec::new();
        for (id, s) in &mut self.active {
            let left = (s.started_ms + l.max_ms)
                .min(s.last_activity_ms + l.idle_ms)
                .saturating_sub(now_ms);
            if !s.warned && left <= l.warn_ms {
                s.warned = true;
                warnings.push(Effect::Warn {
                    equipment: *id,
                    seconds_left: left.div_ceil(1000),
                });
            }
        }
        warnings.sort_by_key(|w| match w {
            Effect::Warn { equipment, .. } => *equipment,
            _ => EquipmentId(uuid::Uuid::nil()),
        });
        effects.extend(warnings);
        effects
    }
}

/// Sessions found open in the outbox history after a crash: each is closed as `recovered`.
pub fn recover(open: &[(SessionId, EquipmentId, EmployeeId, u8)]) -> Vec<Effect> {
    open.iter()
        .map(|&(session, equipment, employee, relay)| Effect::Stopped {
            session,
            equipment,
            employee,
            relay,
            reason: StopReason::Recovered,
        })
        .collect()
}
