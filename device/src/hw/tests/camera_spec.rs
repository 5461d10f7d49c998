use super::*;

fn parse(spec: &str) -> CameraSpec {
    match spec.parse() {
        Ok(parsed) => parsed,
        Err(error) => panic!("{spec} should parse: {error}"),
    }
}

fn error(spec: &str) -> String {
    match spec.parse::<CameraSpec>() {
        Ok(parsed) => panic!("{spec} should not parse, got {parsed:?}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn full_v4l_spec_parses_every_part() {
    assert_eq!(
        parse("v4l:/dev/video0@1280x720:15:mjpeg"),
        CameraSpec::V4l(V4lSpec {
            device: "/dev/video0".into(),
            width: 1280,
            height: 720,
            fps: 15,
            format: PixelFormat::Mjpeg,
        })
    );
}

#[test]
fn v4l_options_come_in_any_order_and_default_the_rest() {
    let CameraSpec::V4l(spec) = parse("v4l:2@YUYV:30") else {
        panic!("not v4l")
    };
    assert_eq!(
        (spec.device.as_str(), spec.width, spec.height),
        ("2", 640, 480)
    );
    assert_eq!((spec.fps, spec.format), (30, PixelFormat::Yuyv));
}

#[test]
fn v4l_device_may_contain_colons_like_by_path_names() {
    let name = "/dev/v4l/by-path/platform-xhci-hcd.0-usb-0:1:1.0-video-index0";
    let CameraSpec::V4l(spec) = parse(&format!("v4l:{name}@800x600")) else {
        panic!("not v4l")
    };
    assert_eq!(spec.device, name);
    assert_eq!((spec.width, spec.height), (800, 600));
}

#[test]
fn v4l_errors_name_the_bad_part() {
    let message = error("v4l:/dev/video0@1280x720:15fps");
    assert!(message.contains("`15fps`"), "{message}");
    let message = error("v4l:/dev/video0@1280by720");
    assert!(message.contains("`1280by720`"), "{message}");
    let message = error("v4l:/dev/video0@640x480:800x600");
    assert!(message.contains("`800x600`: given twice"), "{message}");
    let message = error("v4l:0@999");
    assert!(
        message.contains("`999`: frame rate must be 1 to 240"),
        "{message}"
    );
    let message = error("v4l:@640x480");
    assert!(message.contains("no device"), "{message}");
}

#[test]
fn dir_spec_parses_fps_and_loop() {
    assert_eq!(
        parse("dir:/srv/faces?fps=0.5&loop=false"),
        CameraSpec::Dir(DirSpec {
            path: "/srv/faces".into(),
            fps: 0.5,
            looping: false,
        })
    );
    let CameraSpec::Dir(spec) = parse("dir:frames") else {
        panic!("not dir")
    };
    assert_eq!((spec.fps, spec.looping), (2.0, true));
}

#[test]
fn dir_errors_name_the_bad_option() {
    let message = error("dir:/srv/faces?speed=2");
    assert!(message.contains("`speed`: unknown option"), "{message}");
    let message = error("dir:/srv/faces?fps=0");
    assert!(message.contains("`fps=0`"), "{message}");
    let message = error("dir:/srv/faces?loop=yes");
    assert!(message.contains("`loop=yes`"), "{message}");
    let message = error("dir:/srv/faces?fps");
    assert!(message.contains("`fps`: expected key=value"), "{message}");
}

#[test]
fn fake_spec_has_defaults_and_options() {
    assert_eq!(
        parse("fake"),
        CameraSpec::Fake(FakeSpec {
            width: 320,
            height: 240,
            fps: 5.0
        })
    );
    let CameraSpec::Fake(spec) = parse("fake?size=64x48&fps=30") else {
        panic!("not fake")
    };
    assert_eq!((spec.width, spec.height, spec.fps), (64, 48, 30.0));
}

#[test]
fn unknown_kind_is_named() {
    let message = error("usb:/dev/video0");
    assert!(message.contains("`usb`: unknown camera kind"), "{message}");
}

#[test]
fn display_parses_back_to_the_same_spec() {
    for spec in [
        "v4l:/dev/video0@1280x720:15:mjpeg",
        "v4l:1@yuyv",
        "dir:/srv/faces?fps=0.5&loop=false",
        "dir:frames",
        "fake?size=64x48&fps=2",
    ] {
        let parsed = parse(spec);
        assert_eq!(parse(&parsed.to_string()), parsed, "{spec}");
    }
}
