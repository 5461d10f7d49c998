use super::*;
use crate::hw::PixelFormat;

const KIOSK: &str = r#"
[camera]
source = "v4l:/dev/video0@1280x720:15:mjpeg"

[keypad]
kind = "matrix"
rows = [5, 6, 13, 19]
cols = [12, 16, 20, 21]
debounce_ms = 30

[outputs]
kind = "gpio"
led = { pin = 23 }
buzzer = { pin = 24 }
relays = [{ pin = 17, active_low = true }, { pin = 27, safe = "on" }]
"#;

fn parse(text: &str) -> Result<HwConfig, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

#[test]
fn a_full_kiosk_config_parses_with_defaults_filled_in() {
    let config = parse(KIOSK).expect("parses");
    let CameraSpec::V4l(camera) = &config.camera.source else {
        panic!("not v4l")
    };
    assert_eq!(
        (camera.width, camera.fps, camera.format),
        (1280, 15, PixelFormat::Mjpeg)
    );
    let KeypadConfig::Matrix(matrix) = &config.keypad else {
        panic!("not matrix")
    };
    assert_eq!((matrix.debounce_ms, matrix.scan_interval_ms), (30, 5));
    let OutputsConfig::Gpio(outputs) = &config.outputs else {
        panic!("not gpio")
    };
    assert_eq!(outputs.relays.len(), 2);
    assert!(outputs.relays[0].active_low && outputs.relays[0].safe == SafeState::Off);
    assert!(!outputs.relays[1].active_low && outputs.relays[1].safe.is_on());
    assert_eq!(outputs.buzzer.map(|b| b.pin), Some(24));
    config.validate().expect("valid");
}

#[test]
fn demo_config_with_fakes_parses() {
    let config = parse(
        r#"
        camera = { source = "dir:/srv/demo?fps=1" }
        keypad = { kind = "socket", path = "/run/attendd/keypad.sock" }
        outputs = { kind = "fake", relays = 2 }
        "#,
    )
    .expect("parses");
    assert_eq!(
        config.keypad,
        KeypadConfig::Socket {
            path: "/run/attendd/keypad.sock".into()
        }
    );
    assert_eq!(config.outputs, OutputsConfig::Fake { relays: 2 });
}

#[test]
fn a_bad_camera_source_is_reported_with_its_bad_part() {
    let error = parse(&KIOSK.replace("15:mjpeg", "15:h264")).expect_err("h264 is not supported");
    assert!(error.contains("`h264`"), "{error}");
}

#[test]
fn unknown_keys_and_kinds_are_refused() {
    let error = parse(&KIOSK.replace("debounce_ms", "debounce")).expect_err("misspelt key");
    assert!(error.contains("debounce"), "{error}");
    let error = parse(&KIOSK.replace("kind = \"gpio\"", "kind = \"i2c\"")).expect_err("kind");
    assert!(error.contains("i2c"), "{error}");
    let error = parse(&KIOSK.replace("safe = \"on\"", "safe = \"maybe\"")).expect_err("safe");
    assert!(error.contains("maybe"), "{error}");
}

#[test]
fn a_pin_with_two_jobs_is_refused_naming_both() {
    let config = parse(&KIOSK.replace("{ pin = 23 }", "{ pin = 17 }")).expect("parses");
    let error = config.validate().expect_err("17 twice");
    assert!(
        error
            .to_string()
            .contains("BCM pin 17 is used by both relay 0 and the LED"),
        "{error}"
    );
    let config = parse(&KIOSK.replace("rows = [5,", "rows = [12,")).expect("parses");
    let error = config.validate().expect_err("12 twice");
    assert!(
        error
            .to_string()
            .contains("keypad row 0 and keypad column 0"),
        "{error}"
    );
}

#[test]
fn a_pin_beyond_the_header_is_refused() {
    let config = parse(&KIOSK.replace("{ pin = 24 }", "{ pin = 40 }")).expect("parses");
    let error = config
        .validate()
        .expect_err("40 is a header pin number, not BCM");
    assert!(
        error.to_string().contains("the buzzer is on BCM pin 40"),
        "{error}"
    );
}

#[test]
fn a_keypad_with_three_rows_needs_a_layout() {
    let config =
        parse(&KIOSK.replace("rows = [5, 6, 13, 19]", "rows = [5, 6, 13]")).expect("parses");
    let error = config.validate().expect_err("standard layout has 4 rows");
    assert!(
        error.to_string().contains("layout is 4x4 but 3 row"),
        "{error}"
    );
}

#[test]
fn config_round_trips_through_toml() {
    let config = parse(KIOSK).expect("parses");
    let text = toml::to_string(&config).expect("serialises");
    assert_eq!(parse(&text).expect("parses back"), config);
}

/// attendd layers defaults, a file and `ATTENDD_*` variables with figment; a file that picks
/// other kinds than the defaults must not inherit the defaults' fields.
#[test]
fn a_file_layered_over_the_defaults_replaces_each_section_cleanly() {
    use figment::Figment;
    use figment::providers::{Format, Serialized, Toml};
    let merged: HwConfig = Figment::from(Serialized::defaults(HwConfig::default()))
        .merge(Toml::string(KIOSK))
        .extract()
        .expect("file over defaults");
    assert_eq!(merged, parse(KIOSK).expect("parses"));
    let defaults: HwConfig = Figment::from(Serialized::defaults(HwConfig::default()))
        .extract()
        .expect("defaults alone");
    assert_eq!(defaults, HwConfig::default());
    defaults.validate().expect("defaults are valid");
}

#[test]
#[expect(
    clippy::result_large_err,
    reason = "figment::Jail's closure returns figment::Error"
)]
fn environment_variables_can_switch_the_keypad_kind() {
    use figment::Figment;
    use figment::providers::{Env, Serialized};
    figment::Jail::expect_with(|jail| {
        jail.set_env("ATTENDD_KEYPAD__KIND", "socket");
        jail.set_env("ATTENDD_KEYPAD__PATH", "/run/attendd/keypad.sock");
        let config: HwConfig = Figment::from(Serialized::defaults(HwConfig::default()))
            .merge(Env::prefixed("ATTENDD_").split("__"))
            .extract()?;
        assert_eq!(
            config.keypad,
            KeypadConfig::Socket {
                path: "/run/attendd/keypad.sock".into()
            }
        );
        Ok(())
    });
}
