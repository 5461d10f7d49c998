//! Machines: a typed code starts or stops a machine after the activation checks; timers stop
//! idle or overlong sessions; shutdown stops everything. Effects are applied in the safe order:
//! record the start, then power on; power off, then record the stop.

use argon2::password_hash::{PasswordHash, PasswordVerifier as _};
use attend_protocol::events::{EquipmentAction, EquipmentEvent, EventBody};
use attend_protocol::ids::{EmployeeId, SessionId};
use jiff::Timestamp;

use super::{Message, MessageKind, Station, lock, msg};
use crate::hw::BeepPattern;
use crate::kiosk::equipment::Effect;
use crate::kiosk::punch::Presence;

impl Station {
    pub(super) fn equipment_code(
        &mut self,
        worker: EmployeeId,
        code: &str,
        now_ms: u64,
    ) -> Message {
        let (machines, employee) = {
            let roster = lock(&self.roster);
            (
                roster.equipment().unwrap_or_default(),
                roster.employee(worker).ok().flatten(),
            )
        };
        let Some(employee) = employee else {
            return msg(MessageKind::Refused, "Unknown worker");
        };
        let machine = machines.into_iter().find(|m| {
            PasswordHash::new(&m.activation_code_hash).is_ok_and(|h| {
                argon2::Argon2::default()
                    .verify_password(code.as_bytes(), &h)
                    .is_ok()
            })
        });
        let Some(machine) = machine else {
            self.beep(BeepPattern::Long);
            return msg(MessageKind::Refused, "Unknown machine code");
        };
        let clocked_in = self.punches.presence(worker) == Presence::In;
        let today = Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::system())
            .date();
        let session = SessionId(uuid::Uuid::now_v7());
        match self
            .sessions
            .code_typed(&machine, &employee, clocked_in, today, session, now_ms)
        {
            Ok(effects) => {
                let started = effects.iter().any(|e| matches!(e, Effect::Started { .. }));
                self.apply(effects);
                msg(
                    MessageKind::Success,
                    if started {
                        format!("{} started", machine.name)
                    } else {
                        format!("{} stopped", machine.name)
                    },
                )
            }
            Err(refusal) => {
                self.beep(BeepPattern::Long);
                msg(MessageKind::Refused, refusal.to_string())
            }
        }
    }

    /// Time passed: equipment idle and maximum times, and holds a roster pull brought in.
    pub fn tick(&mut self, now_ms: u64) -> Vec<Message> {
        let mut effects = self.sessions.tick(now_ms);
        let mut notices = Vec::new();
        if self.sessions.active_count() > 0 {
            let held: Vec<_> = lock(&self.roster)
                .equipment()
                .unwrap_or_default()
                .into_iter()
                .filter(|m| m.locked_out)
                .map(|m| m.id)
                .collect();
            let stopped = self.sessions.held(&held);
            if !stopped.is_empty() {
                self.beep(BeepPattern::Long);
                notices.push(msg(
                    MessageKind::Warning,
                    "Machine stopped: a manager put it on hold",
                ));
            }
            effects.extend(stopped);
        }
        let warnings: Vec<Message> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Warn { seconds_left, .. } => Some(msg(
                    MessageKind::Warning,
                    format!("Machine stops in {seconds_left} s unless used"),
                )),
                _ => None,
            })
            .collect();
        self.apply(effects);
        notices.extend(warnings);
        notices
    }

    /// Stops every machine (reason `shutdown`) and leaves the outputs safe.
    pub fn shutdown(&mut self) {
        let effects = self.sessions.shutdown();
        self.apply(effects);
        if let Err(e) = self.outputs.safe_state() {
            tracing::error!(error = %e, "could not drive the outputs to their safe state");
        }
    }

    /// Carries out session effects in the safe order (see the module docs).
    pub(super) fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Started {
                    session,
                    equipment,
                    employee,
                    relay,
                } => {
                    let body = EventBody::Equipment(EquipmentEvent {
                        session_id: session,
                        equipment_id: equipment,
                        employee_id: employee,
                        action: EquipmentAction::Start,
                        stop_reason: None,
                    });
                    let row = [
                        session.to_string(),
                        equipment.to_string(),
                        employee.to_string(),
                        relay.to_string(),
                    ];
                    let recorded = self.commit_with(body, |tx| {
                        tx.execute("INSERT INTO open_sessions (session_id, equipment_id, employee_id, relay) VALUES (?1, ?2, ?3, ?4)", row.clone()).map(|_| ())
                    });
                    match recorded {
                        Ok(()) => {
                            if let Err(e) = self.outputs.set_relay(relay, true) {
                                tracing::error!(error = %e, relay, "relay did not switch on");
                            }
                        }
                        Err(error) => {
                            tracing::error!(%error, "equipment start not recorded; machine stays off");
                        }
                    }
                }
                Effect::Stopped {
                    session,
                    equipment,
                    employee,
                    relay,
                    reason,
                } => {
                    if let Err(e) = self.outputs.set_relay(relay, false) {
                        tracing::error!(error = %e, relay, "relay did not switch off");
                    }
                    let body = EventBody::Equipment(EquipmentEvent {
                        session_id: session,
                        equipment_id: equipment,
                        employee_id: employee,
                        action: EquipmentAction::Stop,
                        stop_reason: Some(reason),
                    });
                    let id = session.to_string();
                    let recorded = self.commit_with(body, |tx| {
                        tx.execute("DELETE FROM open_sessions WHERE session_id = ?1", [&id])
                            .map(|_| ())
                    });
                    if let Err(error) = recorded {
                        tracing::error!(%error, "equipment stop not recorded");
                    }
                }
                Effect::Warn { .. } => self.beep(BeepPattern::Double),
            }
        }
    }
}
