//! Camera sources as one config string. The syntax:
//!
//! ```text
//! v4l:<device>[@<option>[:<option>…]]   options in any order, each at most once:
//!                                        <W>x<H> (default 640x480), <fps> (default 15),
//!                                        mjpeg (default) | yuyv
//!     v4l:/dev/video0@1280x720:15:mjpeg   v4l:0@yuyv   v4l:/dev/v4l/by-id/usb-Foo-video-index0
//! dir:<folder>[?fps=<n>&loop=<true|false>] JPEG/PNG files in name order; fps 2, loop true
//!     dir:/srv/demo-faces?fps=2&loop=false
//! fake[?size=<W>x<H>&fps=<n>]             synthetic grey frames; 320x240 at 5 fps
//! ```
//!
//! `<device>` is a `/dev/videoN` path, a symlink to one (`/dev/v4l/by-id/…`, whose names may
//! contain `:`), or a bare index `N`. The options go after the *last* `@`.

use std::fmt;
use std::path::PathBuf;

use super::HwError;

/// Which encoded stream a V4L2 camera should send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PixelFormat {
    /// Motion JPEG: small frames, the usual choice for USB webcams above 640x480.
    #[default]
    Mjpeg,
    /// Uncompressed YUYV 4:2:2: no JPEG artefacts, but USB 2 limits its frame rate.
    Yuyv,
}

/// A V4L2 camera: device, resolution, frame rate and stream format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V4lSpec {
    /// As written: a path or a bare index.
    pub device: String,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub format: PixelFormat,
}

/// A folder of images replayed in name order.
#[derive(Debug, Clone, PartialEq)]
pub struct DirSpec {
    pub path: PathBuf,
    pub fps: f64,
    /// Start again after the last image; otherwise the camera reports that it has ended.
    pub looping: bool,
}

/// Synthetic frames.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeSpec {
    pub width: u32,
    pub height: u32,
    pub fps: f64,
}

/// A parsed camera source string (see the module docs for the syntax).
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(try_from = "String", into = "String")]
pub enum CameraSpec {
    V4l(V4lSpec),
    Dir(DirSpec),
    Fake(FakeSpec),
}

impl std::str::FromStr for CameraSpec {
    type Err = HwError;

    fn from_str(spec: &str) -> Result<Self, HwError> {
        let bad = |part: &str, reason: String| HwError::CameraSpec {
            spec: spec.to_owned(),
            part: format!("`{part}`"),
            reason,
        };
        let spec_trimmed = spec.trim();
        if let Some(rest) = spec_trimmed.strip_prefix("v4l:") {
            parse_v4l(rest)
                .map(CameraSpec::V4l)
                .map_err(|(p, r)| bad(&p, r))
        } else if let Some(rest) = spec_trimmed.strip_prefix("dir:") {
            parse_dir(rest)
                .map(CameraSpec::Dir)
                .map_err(|(p, r)| bad(&p, r))
        } else if spec_trimmed == "fake" || spec_trimmed.starts_with("fake?") {
            parse_fake(spec_trimmed.trim_start_matches("fake"))
                .map(CameraSpec::Fake)
                .map_err(|(p, r)| bad(&p, r))
        } else {
            let kind = spec_trimmed.split([':', '?']).next().unwrap_or_default();
            Err(bad(
                kind,
                "unknown camera kind: write `v4l:<device>…`, `dir:<folder>…` or `fake`".into(),
            ))
        }
    }
}

/// A parse failure: the offending part of the string and why.
type PartError = (String, String);

fn parse_v4l(rest: &str) -> Result<V4lSpec, PartError> {
    let (device, options) = match rest.rsplit_once('@') {
        Some((device, options)) => (device, Some(options)),
        None => (rest, None),
    };
    if device.is_empty() {
        return Err((
            "v4l:".into(),
            "no device: write e.g. `v4l:/dev/video0`".into(),
        ));
    }
    let mut spec = V4lSpec {
        device: device.to_owned(),
        width: 640,
        height: 480,
        fps: 15,
        format: PixelFormat::Mjpeg,
    };
    let (mut seen_size, mut seen_fps, mut seen_format) = (false, false, false);
    for option in options.into_iter().flat_map(|o| o.split(':')) {
        let twice = || (option.to_owned(), "given twice".to_owned());
        if let Some(format) = parse_format(option) {
            if std::mem::replace(&mut seen_format, true) {
                return Err(twice());
            }
            spec.format = format;
        } else if option.contains(['x', 'X']) {
            if std::mem::replace(&mut seen_size, true) {
                return Err(twice());
            }
            (spec.width, spec.height) = parse_size(option)?;
        } else if let Ok(fps) = option.parse::<u32>() {
            if std::mem::replace(&mut seen_fps, true) {
                return Err(twice());
            }
            if !(1..=240).contains(&fps) {
                return Err((option.into(), "frame rate must be 1 to 240".into()));
            }
            spec.fps = fps;
        } else {
            return Err((
                option.into(),
                "expected a size like 1280x720, a frame rate like 15, or mjpeg/yuyv".into(),
            ));
        }
    }
    Ok(spec)
}

fn parse_format(option: &str) -> Option<PixelFormat> {
    match option.to_ascii_lowercase().as_str() {
        "mjpeg" | "mjpg" => Some(PixelFormat::Mjpeg),
        "yuyv" => Some(PixelFormat::Yuyv),
        _ => None,
    }
}

fn parse_size(size: &str) -> Result<(u32, u32), PartError> {
    let bad = || {
        (
            size.to_owned(),
            "expected <width>x<height>, e.g. 1280x720".to_owned(),
        )
    };
    let (w, h) = size.split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h) = (
        w.parse::<u32>().map_err(|_| bad())?,
        h.parse::<u32>().map_err(|_| bad())?,
    );
    if !(16..=8192).contains(&w) || !(16..=8192).contains(&h) {
        return Err((size.into(), "width and height must be 16 to 8192".into()));
    }
    Ok((w, h))
}

fn parse_fps(value: &str) -> Result<f64, PartError> {
    match value.parse::<f64>() {
        Ok(fps) if fps > 0.0 && fps <= 120.0 => Ok(fps),
        _ => Err((
            format!("fps={value}"),
            "frame rate must be a number above 0 and at most 120".into(),
        )),
    }
}

/// Splits `a=1&b=2` into pairs; a pair without `=` is an error naming it.
fn query_pairs(query: &str) -> Result<Vec<(&str, &str)>, PartError> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            pair.split_once('=')
                .ok_or_else(|| (pair.to_owned(), "expected key=value".to_owned()))
        })
        .collect()
}

fn parse_dir(rest: &str) -> Result<DirSpec, PartError> {
    let (path, query) = rest.rsplit_once('?').unwrap_or((rest, ""));
    if path.is_empty() {
        return Err((
            "dir:".into(),
            "no folder: write e.g. `dir:/srv/frames`".into(),
        ));
    }
    let mut spec = DirSpec {
        path: PathBuf::from(path),
        fps: 2.0,
        looping: true,
    };
    for (key, value) in query_pairs(query)? {
        match key {
            "fps" => spec.fps = parse_fps(value)?,
            "loop" => {
                spec.looping = value.parse().map_err(|_| {
                    (
                        format!("loop={value}"),
                        "expected loop=true or loop=false".to_owned(),
                    )
                })?;
            }
            _ => return Err((key.into(), "unknown option: use fps or loop".into())),
        }
    }
    Ok(spec)
}

fn parse_fake(rest: &str) -> Result<FakeSpec, PartError> {
    let mut spec = FakeSpec {
        width: 320,
        height: 240,
        fps: 5.0,
    };
    for (key, value) in query_pairs(rest.trim_start_matches('?'))? {
        match key {
            "fps" => spec.fps = parse_fps(value)?,
            "size" => (spec.width, spec.height) = parse_size(value)?,
            _ => return Err((key.into(), "unknown option: use size or fps".into())),
        }
    }
    Ok(spec)
}

impl fmt::Display for CameraSpec {
    /// The canonical form, which parses back to the same spec.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CameraSpec::V4l(v) => {
                let format = match v.format {
                    PixelFormat::Mjpeg => "mjpeg",
                    PixelFormat::Yuyv => "yuyv",
                };
                write!(
                    f,
                    "v4l:{}@{}x{}:{}:{format}",
                    v.device, v.width, v.height, v.fps
                )
            }
            CameraSpec::Dir(d) => {
                write!(
                    f,
                    "dir:{}?fps={}&loop={}",
                    d.path.display(),
                    d.fps,
                    d.looping
                )
            }
            CameraSpec::Fake(s) => write!(f, "fake?size={}x{}&fps={}", s.width, s.height, s.fps),
        }
    }
}

impl TryFrom<String> for CameraSpec {
    type Error = HwError;
    fn try_from(spec: String) -> Result<Self, HwError> {
        spec.parse()
    }
}

impl From<CameraSpec> for String {
    fn from(spec: CameraSpec) -> String {
        spec.to_string()
    }
}

#[cfg(test)]
#[path = "tests/camera_spec.rs"]
mod tests;
