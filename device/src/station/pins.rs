//! PIN punches: the typed number and PIN go through the pure slowdown ([`crate::kiosk::pin`])
//! with the counts stored in `state.db`, which are written back before the answer is shown,
//! so pulling the plug right after a wrong PIN does not forget it.

use attend_protocol::events::PunchMethod;

use super::{Message, MessageKind, Station, lock, msg};
use crate::hw::BeepPattern;
use crate::kiosk::keys::Choice;
use crate::kiosk::pin::{self, PinCheck};

/// A wait is shown in seconds up to this, in minutes beyond.
const SHOW_MINUTES_FROM_S: u64 = 120;

fn wait_text(seconds: u64) -> String {
    if seconds < SHOW_MINUTES_FROM_S {
        format!("{seconds} s")
    } else {
        format!("{} min", seconds.div_ceil(60))
    }
}

impl Station {
    pub(super) fn pin_entry(
        &mut self,
        number: &str,
        pin: &str,
        choice: Option<Choice>,
        now_ms: u64,
    ) -> Message {
        let employee = lock(&self.roster).employee_by_number(number).ok().flatten();
        let now = (self.wall_clock)();
        let counts = match lock(&self.outbox).pin_failures(number) {
            Ok(counts) => counts,
            Err(error) => {
                // Without its counts the kiosk still checks the PIN (one argon2 verification):
                // refusing every PIN punch would be worse, and the punch itself needs the same
                // database, so this does not last unnoticed.
                tracing::error!(%error, "could not read the PIN failure counts");
                pin::Counts::default()
            }
        };
        let (answer, next) = pin::check(
            &self.pin_rules,
            counts,
            employee.as_ref(),
            pin,
            now,
            self.pin_verifier.as_ref(),
        );
        if next != counts {
            let forget = i64::try_from(self.pin_rules.per_number.forget_ms).unwrap_or(i64::MAX);
            let saved =
                lock(&self.outbox).save_pin_failures(number, next, now.saturating_sub(forget));
            if let Err(error) = saved {
                tracing::error!(%error, "could not store the PIN failure counts");
            }
        }
        match (answer, employee) {
            (PinCheck::Accepted, Some(e)) => self.punch(&e, PunchMethod::Pin, None, choice, now_ms),
            (PinCheck::Accepted, None) | (PinCheck::Wrong { wait_s: 0 }, _) => {
                self.beep(BeepPattern::Long);
                msg(MessageKind::Refused, "Wrong number or PIN")
            }
            (PinCheck::Wrong { wait_s }, _) => {
                self.beep(BeepPattern::Long);
                msg(
                    MessageKind::Refused,
                    format!(
                        "Wrong number or PIN: wait {} before the next try",
                        wait_text(wait_s)
                    ),
                )
            }
            (PinCheck::Wait { seconds }, _) => {
                self.beep(BeepPattern::Long);
                msg(
                    MessageKind::Refused,
                    format!("Too many wrong PINs: try again in {}", wait_text(seconds)),
                )
            }
        }
    }
}
