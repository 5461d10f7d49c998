//! The real outputs: relays, status LED and an active buzzer on rppal output pins.
//!
//! - Each pin starts at its safe level (set before the pin becomes an output, so a relay
//!   never clicks on at start) and keeps its last level after the process exits, rather than
//!   floating back to an input: a relay board's idle level is then always ours.
//! - Drop drives everything to the safe state, so a panic that unwinds still opens relays.
//! - The LED blinks with rppal's software PWM; the buzzer plays patterns on its own thread,
//!   so `beep` never blocks the caller.

use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::Duration;

use rppal::gpio::{Gpio, OutputPin};

use super::{
    BeepPattern, GpioOutputsConfig, HwError, LedState, OutputPinConfig, Outputs, SafeState,
};

/// An output pin switched by meaning (on/off) rather than by level.
#[derive(Debug)]
struct Line {
    pin: OutputPin,
    active_low: bool,
}

impl Line {
    fn open(gpio: &Gpio, what: &str, config: OutputPinConfig, on: bool) -> Result<Self, HwError> {
        let pin = gpio
            .get(config.pin)
            .map_err(|e| HwError::gpio(format!("{what} (BCM {})", config.pin), &e))?;
        let mut pin = if on == config.active_low {
            pin.into_output_low()
        } else {
            pin.into_output_high()
        };
        pin.set_reset_on_drop(false);
        Ok(Line {
            pin,
            active_low: config.active_low,
        })
    }

    fn set(&mut self, on: bool) {
        if on == self.active_low {
            self.pin.set_low();
        } else {
            self.pin.set_high();
        }
    }
}

#[derive(Debug)]
struct Relay {
    line: Line,
    safe: SafeState,
    on: bool,
}

/// Plays beep patterns on a thread that owns the buzzer pin.
#[derive(Debug)]
struct Buzzer {
    patterns: Option<SyncSender<BeepPattern>>,
    thread: Option<JoinHandle<()>>,
}

impl Buzzer {
    fn start(mut line: Line) -> Result<Self, HwError> {
        // One pattern may wait while another plays; more are dropped rather than queued up.
        let (patterns, rx) = mpsc::sync_channel::<BeepPattern>(1);
        let thread = std::thread::Builder::new()
            .name("buzzer".into())
            .spawn(move || {
                for pattern in rx {
                    for &(on, ms) in pattern.steps() {
                        line.set(on);
                        std::thread::sleep(Duration::from_millis(ms));
                    }
                }
                line.set(false);
            })
            .map_err(|e| HwError::Gpio {
                what: "the buzzer".into(),
                reason: format!("cannot start its thread: {e}"),
            })?;
        Ok(Buzzer {
            patterns: Some(patterns),
            thread: Some(thread),
        })
    }
}

impl Drop for Buzzer {
    fn drop(&mut self) {
        drop(self.patterns.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Relays, LED and buzzer on GPIO.
#[derive(Debug)]
pub struct GpioOutputs {
    relays: Vec<Relay>,
    led: Option<Line>,
    buzzer: Option<Buzzer>,
    description: String,
}

impl GpioOutputs {
    /// Claims the pins, every one at its safe level.
    pub fn open(config: &GpioOutputsConfig) -> Result<Self, HwError> {
        let gpio = Gpio::new().map_err(|e| HwError::gpio("the relays, LED and buzzer", &e))?;
        let mut relays = Vec::new();
        for (channel, relay) in config.relays.iter().enumerate() {
            let pin = OutputPinConfig {
                pin: relay.pin,
                active_low: relay.active_low,
            };
            let on = relay.safe.is_on();
            relays.push(Relay {
                line: Line::open(&gpio, &format!("relay {channel}"), pin, on)?,
                safe: relay.safe,
                on,
            });
        }
        let led = config
            .led
            .map(|pin| Line::open(&gpio, "the LED", pin, false))
            .transpose()?;
        let buzzer = config
            .buzzer
            .map(|pin| Line::open(&gpio, "the buzzer", pin, false).and_then(Buzzer::start))
            .transpose()?;
        let pins: Vec<String> = config
            .relays
            .iter()
            .map(|r| format!("{}{}", r.pin, if r.active_low { " active-low" } else { "" }))
            .collect();
        let description = format!(
            "gpio outputs: relays on BCM [{}], LED {}, buzzer {}",
            pins.join(", "),
            config
                .led
                .map_or("none".into(), |l| format!("BCM {}", l.pin)),
            config
                .buzzer
                .map_or("none".into(), |b| format!("BCM {}", b.pin)),
        );
        Ok(GpioOutputs {
            relays,
            led,
            buzzer,
            description,
        })
    }
}

impl Outputs for GpioOutputs {
    fn set_relay(&mut self, channel: u8, on: bool) -> Result<(), HwError> {
        let count = self.relays.len();
        let relay = self
            .relays
            .get_mut(usize::from(channel))
            .ok_or(HwError::NoSuchRelay { channel, count })?;
        relay.line.set(on);
        relay.on = on;
        Ok(())
    }

    fn relay(&self, channel: u8) -> bool {
        self.relays.get(usize::from(channel)).is_some_and(|r| r.on)
    }

    fn relay_count(&self) -> usize {
        self.relays.len()
    }

    fn set_led(&mut self, state: LedState) -> Result<(), HwError> {
        let Some(led) = &mut self.led else {
            return Ok(());
        };
        let pwm_error = |e: rppal::gpio::Error| HwError::gpio("the LED", &e);
        led.pin.clear_pwm().map_err(pwm_error)?;
        if let Some(hz) = state.blink_hz() {
            return led.pin.set_pwm_frequency(hz, 0.5).map_err(pwm_error);
        }
        led.set(state == LedState::On);
        Ok(())
    }

    fn beep(&mut self, pattern: BeepPattern) -> Result<(), HwError> {
        let Some(patterns) = self.buzzer.as_ref().and_then(|b| b.patterns.as_ref()) else {
            return Ok(());
        };
        match patterns.try_send(pattern) {
            Ok(()) | Err(TrySendError::Full(_)) => Ok(()),
            Err(TrySendError::Disconnected(_)) => Err(HwError::Gpio {
                what: "the buzzer".into(),
                reason: "its thread has stopped: restart attendd".into(),
            }),
        }
    }

    fn safe_state(&mut self) -> Result<(), HwError> {
        for relay in &mut self.relays {
            relay.on = relay.safe.is_on();
            relay.line.set(relay.on);
        }
        self.set_led(LedState::Off)
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}

impl Drop for GpioOutputs {
    fn drop(&mut self) {
        // Relays go first and cannot fail; an LED error must not keep them energised.
        let _ = self.safe_state();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hw::RelayConfig;
    use crate::hw::config::running_on_a_pi;

    fn config() -> GpioOutputsConfig {
        GpioOutputsConfig {
            relays: vec![RelayConfig {
                pin: 17,
                active_low: true,
                safe: SafeState::Off,
            }],
            led: Some(OutputPinConfig {
                pin: 23,
                active_low: false,
            }),
            buzzer: None,
        }
    }

    #[test]
    fn off_a_pi_gpio_outputs_fail_with_a_clear_error() {
        if running_on_a_pi() {
            eprintln!("skipped: this is a Raspberry Pi, so GPIO would open");
            return;
        }
        let error = GpioOutputs::open(&config()).expect_err("no GPIO here");
        assert!(matches!(error, HwError::Gpio { .. }), "{error}");
        assert!(error.to_string().contains("not a Raspberry Pi"), "{error}");
    }

    #[test]
    #[ignore = "needs a Raspberry Pi; switches BCM 17 and 23, so nothing may be wired to them"]
    fn on_a_pi_relays_switch_and_return_to_safe() {
        let mut outputs = GpioOutputs::open(&config()).expect("GPIO opens");
        outputs.set_relay(0, true).expect("relay 0");
        assert!(outputs.relay(0));
        assert!(
            outputs.set_relay(1, true).is_err(),
            "only one relay configured"
        );
        outputs.set_led(LedState::BlinkFast).expect("led");
        outputs.safe_state().expect("safe");
        assert!(!outputs.relay(0));
    }
}
