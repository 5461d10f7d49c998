//! The real backends on real hardware: a V4L2 camera, GPIO relays and the matrix keypad's
//! pins, and an evdev keypad. They only make sense on a kiosk (a Raspberry Pi with its parts
//! wired as in the README), so each test first looks for its hardware and, when it is absent
//! (CI, qemu, a laptop), says so and skips. On a Pi: `cargo test -p attend-device --test hardware`.

use std::path::Path;
use std::sync::Arc;

use attend_device::hw::{
    GpioOutputs, GpioOutputsConfig, Outputs as _, PixelFormat, RelayConfig, SafeState, SystemClock,
    V4lSpec, open_camera,
};

/// True when `what` exists; otherwise prints why the test is skipped.
fn present(what: &str, why: &str) -> bool {
    if Path::new(what).exists() {
        return true;
    }
    eprintln!("SKIPPED (real hardware only): {what} is absent; {why}");
    false
}

#[test]
fn a_real_v4l2_camera_delivers_decodable_frames() {
    if !present("/dev/video0", "a USB or CSI (libcamerify) camera is needed") {
        return;
    }
    let spec = V4lSpec {
        device: "/dev/video0".into(),
        width: 640,
        height: 480,
        fps: 15,
        format: PixelFormat::Mjpeg,
    };
    let mut camera = open_camera(
        &attend_device::hw::CameraSpec::V4l(spec),
        Arc::new(SystemClock),
    )
    .expect("the camera opens");
    for _ in 0..3 {
        let frame = camera.next_frame().expect("a frame");
        let image = attend_vision::image::decode(
            &frame.bytes,
            attend_device::recognize::vision_format(frame.format),
        )
        .expect("the frame decodes");
        assert!(
            image.width >= 320 && image.height >= 240,
            "{}",
            camera.describe()
        );
    }
}

#[test]
fn real_gpio_relays_switch_and_return_to_their_safe_state() {
    if !present(
        "/dev/gpiomem",
        "a Raspberry Pi's GPIO is needed (relays on BCM 17 and 27)",
    ) {
        return;
    }
    let config = GpioOutputsConfig {
        relays: vec![
            RelayConfig {
                pin: 17,
                active_low: true,
                safe: SafeState::Off,
            },
            RelayConfig {
                pin: 27,
                active_low: true,
                safe: SafeState::Off,
            },
        ],
        led: None,
        buzzer: None,
    };
    let mut outputs = GpioOutputs::open(&config).expect("the GPIO pins open (is attendd stopped?)");
    assert_eq!(outputs.relay_count(), 2);
    outputs.set_relay(0, true).expect("relay 0 on");
    assert!(outputs.relay(0) && !outputs.relay(1));
    outputs.safe_state().expect("safe state");
    assert!(
        !outputs.relay(0) && !outputs.relay(1),
        "every relay back off"
    );
}

#[test]
fn a_real_evdev_keypad_opens_when_one_is_named() {
    let Some(device) = std::env::var_os("ATTEND_TEST_KEYPAD") else {
        eprintln!(
            "SKIPPED (real hardware only): set ATTEND_TEST_KEYPAD=/dev/input/by-id/…-event-kbd to test a USB keypad"
        );
        return;
    };
    let keypad =
        attend_device::hw::EvdevKeypad::open(Path::new(&device)).expect("the keypad opens");
    assert!(format!("{keypad:?}").contains("Evdev"), "{keypad:?}");
}
