//! Finding a camera's `/dev/videoN` node, and turning V4L2 failures (which nokhwa reports
//! only as strings) into errors that say what to do.

use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::path::Path;

use nokhwa::NokhwaError;

use super::HwError;

/// Turns `N`, `/dev/videoN` or a symlink to it into (`/dev/videoN`, N).
pub(super) fn resolve_device(device: &str) -> Result<(String, u32), HwError> {
    if let Ok(index) = device.parse::<u32>() {
        return Ok((format!("/dev/video{index}"), index));
    }
    let real = std::fs::canonicalize(device).map_err(|e| match e.kind() {
        ErrorKind::NotFound => HwError::CameraNotFound {
            device: device.to_owned(),
        },
        _ => HwError::Camera {
            device: device.to_owned(),
            reason: e.to_string(),
        },
    })?;
    let index = real
        .file_name()
        .and_then(|name| name.to_str())
        .and_then(|name| name.strip_prefix("video"))
        .and_then(|n| n.parse::<u32>().ok())
        .ok_or_else(|| HwError::CameraSpec {
            spec: format!("v4l:{device}"),
            part: format!("`{device}`"),
            reason: format!(
                "{} is not a /dev/videoN device: list cameras with `v4l2-ctl --list-devices`",
                real.display()
            ),
        })?;
    Ok((real.display().to_string(), index))
}

/// Opens and closes the node so a missing device or a permission problem gets its own error.
pub(super) fn check_access(device: &str) -> Result<(), HwError> {
    match OpenOptions::new()
        .read(true)
        .write(true)
        .open(Path::new(device))
    {
        Ok(_) => Ok(()),
        Err(e) => Err(match e.kind() {
            ErrorKind::NotFound => HwError::CameraNotFound {
                device: device.to_owned(),
            },
            ErrorKind::PermissionDenied => HwError::CameraPermission {
                device: device.to_owned(),
            },
            _ => classify(device, &e.to_string()).unwrap_or_else(|| HwError::Camera {
                device: device.to_owned(),
                reason: e.to_string(),
            }),
        }),
    }
}

/// Recognises the errno behind nokhwa's string-only errors.
fn classify(device: &str, message: &str) -> Option<HwError> {
    let device = device.to_owned();
    let has = |needles: &[&str]| needles.iter().any(|n| message.contains(n));
    if has(&["busy", "Busy", "os error 16"]) {
        Some(HwError::CameraBusy { device })
    } else if has(&["Permission denied", "os error 13"]) {
        Some(HwError::CameraPermission { device })
    } else if has(&[
        "No such file",
        "No such device",
        "os error 2)",
        "os error 19",
    ]) {
        Some(HwError::CameraNotFound { device })
    } else {
        None
    }
}

pub(super) fn map_error(device: &str, wanted: &str, error: NokhwaError) -> HwError {
    let message = error.to_string();
    if let Some(error) = classify(device, &message) {
        return error;
    }
    match error {
        NokhwaError::GetPropertyError { .. } | NokhwaError::SetPropertyError { .. } => {
            HwError::CameraFormat {
                device: device.to_owned(),
                wanted: wanted.to_owned(),
                reason: message,
            }
        }
        _ => HwError::Camera {
            device: device.to_owned(),
            reason: message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_indexes_name_their_dev_video_node() {
        let (device, index) = resolve_device("3").expect("an index needs no lookup");
        assert_eq!((device.as_str(), index), ("/dev/video3", 3));
    }

    #[test]
    fn a_missing_node_is_not_found() {
        let error = resolve_device("/dev/video99").expect_err("no such node");
        assert!(matches!(error, HwError::CameraNotFound { .. }), "{error}");
        let error = check_access("/dev/video99").expect_err("no such node");
        assert!(matches!(error, HwError::CameraNotFound { .. }), "{error}");
    }

    #[test]
    fn a_node_that_is_not_a_camera_is_refused_by_name() {
        let error = resolve_device("/dev/null").expect_err("not a camera");
        let message = error.to_string();
        assert!(
            message.contains("/dev/null is not a /dev/videoN device"),
            "{message}"
        );
    }

    #[test]
    fn errno_text_from_nokhwa_is_classified() {
        let busy = classify(
            "/dev/video0",
            "V4L2 Error: Device or resource busy (os error 16)",
        );
        assert!(matches!(busy, Some(HwError::CameraBusy { .. })));
        let gone = classify(
            "/dev/video0",
            "Could not capture frame: No such device (os error 19)",
        );
        assert!(matches!(gone, Some(HwError::CameraNotFound { .. })));
        let denied = classify("/dev/video0", "V4L2 Error: Permission denied (os error 13)");
        assert!(matches!(denied, Some(HwError::CameraPermission { .. })));
        assert!(classify("/dev/video0", "Failed to Fufill").is_none());
    }

    #[test]
    fn an_unfulfillable_mode_becomes_a_format_error_with_advice() {
        let error = NokhwaError::GetPropertyError {
            property: "CameraFormat".into(),
            error: "Failed to Fufill".into(),
        };
        let error = map_error("/dev/video0", "1280x720 YUYV at 60 fps", error);
        assert!(matches!(error, HwError::CameraFormat { .. }), "{error}");
        assert!(error.to_string().contains("--list-formats-ext"), "{error}");
    }
}
