//! Outputs that switch nothing and record every command, with its time, in an [`OutputLog`]
//! that tests (or the demo's status page) hold on to.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::{BeepPattern, Clock, HwError, LedState, Outputs, SafeState};

/// One command given to the outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputChange {
    Relay {
        channel: u8,
        on: bool,
    },
    Led(LedState),
    Beep(BeepPattern),
    /// `safe_state` was called; the relay and LED changes it made follow.
    SafeState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputEvent {
    pub at: Instant,
    pub change: OutputChange,
}

/// A shared, append-only record of output commands. Clones share the record.
#[derive(Debug, Clone, Default)]
pub struct OutputLog {
    events: Arc<Mutex<Vec<OutputEvent>>>,
}

impl OutputLog {
    fn push(&self, at: Instant, change: OutputChange) {
        self.lock().push(OutputEvent { at, change });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<OutputEvent>> {
        // A test that panicked mid-push leaves a usable Vec; the panic is reported anyway.
        self.events.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn events(&self) -> Vec<OutputEvent> {
        self.lock().clone()
    }

    pub fn changes(&self) -> Vec<OutputChange> {
        self.lock().iter().map(|e| e.change).collect()
    }

    /// Every state commanded on `channel`, oldest first.
    pub fn relay_history(&self, channel: u8) -> Vec<bool> {
        self.lock()
            .iter()
            .filter_map(|e| match e.change {
                OutputChange::Relay { channel: c, on } if c == channel => Some(on),
                _ => None,
            })
            .collect()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}

/// Recording outputs with `safe.len()` relay channels.
#[derive(Debug)]
pub struct FakeOutputs {
    safe: Vec<SafeState>,
    relays: Vec<bool>,
    led: LedState,
    log: OutputLog,
    clock: Arc<dyn Clock>,
}

impl FakeOutputs {
    /// Relays start in their safe state; nothing is logged until the first command.
    pub fn new(safe: Vec<SafeState>, clock: Arc<dyn Clock>) -> Self {
        FakeOutputs {
            relays: safe.iter().map(|s| s.is_on()).collect(),
            safe,
            led: LedState::Off,
            log: OutputLog::default(),
            clock,
        }
    }

    pub fn log(&self) -> OutputLog {
        self.log.clone()
    }

    pub fn led(&self) -> LedState {
        self.led
    }

    fn record(&self, change: OutputChange) {
        self.log.push(self.clock.now(), change);
    }
}

impl Outputs for FakeOutputs {
    fn set_relay(&mut self, channel: u8, on: bool) -> Result<(), HwError> {
        let count = self.relays.len();
        let state = self
            .relays
            .get_mut(usize::from(channel))
            .ok_or(HwError::NoSuchRelay { channel, count })?;
        *state = on;
        self.record(OutputChange::Relay { channel, on });
        Ok(())
    }

    fn relay(&self, channel: u8) -> bool {
        self.relays
            .get(usize::from(channel))
            .copied()
            .unwrap_or(false)
    }

    fn relay_count(&self) -> usize {
        self.relays.len()
    }

    fn set_led(&mut self, state: LedState) -> Result<(), HwError> {
        self.led = state;
        self.record(OutputChange::Led(state));
        Ok(())
    }

    fn beep(&mut self, pattern: BeepPattern) -> Result<(), HwError> {
        self.record(OutputChange::Beep(pattern));
        Ok(())
    }

    fn safe_state(&mut self) -> Result<(), HwError> {
        self.record(OutputChange::SafeState);
        for (channel, safe) in self.safe.clone().into_iter().enumerate() {
            self.set_relay(channel as u8, safe.is_on())?;
        }
        self.set_led(LedState::Off)
    }

    fn describe(&self) -> String {
        format!("fake outputs ({} relays, recorded)", self.relays.len())
    }
}

#[cfg(test)]
#[path = "tests/outputs_fake.rs"]
mod tests;
