use std::time::Duration;

use super::*;
use crate::hw::ManualClock;

fn outputs(safe: &[SafeState]) -> (FakeOutputs, OutputLog, ManualClock) {
    let clock = ManualClock::new();
    let outputs = FakeOutputs::new(safe.to_vec(), Arc::new(clock.clone()));
    let log = outputs.log();
    (outputs, log, clock)
}

#[test]
fn relay_changes_are_recorded_in_order_with_their_times() {
    let (mut outputs, log, clock) = outputs(&[SafeState::Off; 3]);
    let start = clock.now();
    outputs.set_relay(2, true).expect("relay 2 exists");
    clock.advance(Duration::from_secs(90));
    outputs.set_relay(2, false).expect("relay 2 exists");
    assert_eq!(log.relay_history(2), [true, false]);
    assert!(log.relay_history(1).is_empty());
    let events = log.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].at - events[0].at, Duration::from_secs(90));
    assert_eq!(events[0].at, start);
}

#[test]
fn relay_reports_the_last_state_set() {
    let (mut outputs, _, _) = outputs(&[SafeState::Off, SafeState::Off]);
    assert!(!outputs.relay(1));
    outputs.set_relay(1, true).expect("exists");
    assert!(outputs.relay(1));
    assert!(!outputs.relay(0));
    assert!(!outputs.relay(7), "an unknown channel reads as off");
}

#[test]
fn an_unknown_channel_is_refused_and_not_recorded() {
    let (mut outputs, log, _) = outputs(&[SafeState::Off; 2]);
    let error = outputs
        .set_relay(2, true)
        .expect_err("only channels 0 and 1");
    assert!(
        matches!(
            error,
            HwError::NoSuchRelay {
                channel: 2,
                count: 2
            }
        ),
        "{error}"
    );
    assert!(
        error.to_string().contains("2 relays are configured"),
        "{error}"
    );
    assert!(log.changes().is_empty());
}

#[test]
fn safe_state_drives_every_relay_to_its_configured_state_and_the_led_off() {
    let (mut outputs, log, _) = outputs(&[SafeState::Off, SafeState::On, SafeState::Off]);
    outputs.set_relay(0, true).expect("exists");
    outputs.set_relay(1, false).expect("exists");
    outputs.set_led(LedState::BlinkFast).expect("led");
    log.clear();
    outputs.safe_state().expect("safe");
    assert_eq!(
        log.changes(),
        [
            OutputChange::SafeState,
            OutputChange::Relay {
                channel: 0,
                on: false
            },
            OutputChange::Relay {
                channel: 1,
                on: true
            },
            OutputChange::Relay {
                channel: 2,
                on: false
            },
            OutputChange::Led(LedState::Off),
        ]
    );
    assert_eq!((outputs.relay(0), outputs.relay(1)), (false, true));
    assert_eq!(outputs.led(), LedState::Off);
}

#[test]
fn led_and_beeps_are_recorded() {
    let (mut outputs, log, _) = outputs(&[]);
    outputs.set_led(LedState::On).expect("led");
    outputs.beep(BeepPattern::Double).expect("beep");
    assert_eq!(
        log.changes(),
        [
            OutputChange::Led(LedState::On),
            OutputChange::Beep(BeepPattern::Double)
        ]
    );
    assert_eq!(outputs.relay_count(), 0);
}
