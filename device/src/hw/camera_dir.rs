//! A camera that replays a folder of JPEG and PNG files, for the demo and for tests.
//!
//! Files are listed once, at open, sorted by file name; other files are skipped. Each frame is
//! read from disk when it is due, so a large folder costs no memory. The format comes from the
//! file's magic bytes, not its extension, so a mislabelled file fails here, by name, rather
//! than deep in the vision pipeline.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Camera, Clock, DirSpec, Frame, FrameFormat, HwError, Pacer};

/// Replays [`DirSpec::path`] at [`DirSpec::fps`].
#[derive(Debug)]
pub struct DirCamera {
    dir: PathBuf,
    files: Vec<PathBuf>,
    next: usize,
    looping: bool,
    fps: f64,
    pacer: Pacer,
    clock: Arc<dyn Clock>,
}

impl DirCamera {
    pub fn open(spec: &DirSpec, clock: Arc<dyn Clock>) -> Result<Self, HwError> {
        let dir_error = |reason: String| HwError::ImageDir {
            dir: spec.path.display().to_string(),
            reason,
        };
        let entries = std::fs::read_dir(&spec.path).map_err(|e| {
            dir_error(format!(
                "cannot list it ({e}): check the path in the camera source"
            ))
        })?;
        let mut files = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(|e| dir_error(format!("cannot list it ({e})")))?
                .path();
            if path.is_file() && has_image_extension(&path) {
                files.push(path);
            }
        }
        if files.is_empty() {
            return Err(dir_error(
                "has no .jpg, .jpeg or .png files: put the frames to replay there".into(),
            ));
        }
        files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        Ok(DirCamera {
            dir: spec.path.clone(),
            files,
            next: 0,
            looping: spec.looping,
            fps: spec.fps,
            pacer: Pacer::new(spec.fps),
            clock,
        })
    }

    /// The files in replay order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }
}

fn has_image_extension(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["jpg", "jpeg", "png"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

/// The image format from the first bytes of the file.
fn sniff(bytes: &[u8]) -> Option<FrameFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FrameFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FrameFormat::Png)
    } else {
        None
    }
}

impl Camera for DirCamera {
    fn next_frame(&mut self) -> Result<Frame, HwError> {
        if self.next == self.files.len() {
            if !self.looping {
                return Err(HwError::CameraEnded {
                    name: format!("dir:{}", self.dir.display()),
                });
            }
            self.next = 0;
        }
        let path = &self.files[self.next];
        let file_error = |reason: String| HwError::ImageDir {
            dir: self.dir.display().to_string(),
            reason: format!("{}: {reason}", path.display()),
        };
        let bytes = std::fs::read(path)
            .map_err(|e| file_error(format!("cannot read it ({e}): was it removed?")))?;
        let format = sniff(&bytes)
            .ok_or_else(|| file_error("is not a JPEG or PNG file: remove or convert it".into()))?;
        self.next += 1;
        let captured_at = self.pacer.wait(self.clock.as_ref());
        Ok(Frame {
            format,
            bytes,
            captured_at,
        })
    }

    fn describe(&self) -> String {
        format!(
            "dir {} ({} images at {} fps, {})",
            self.dir.display(),
            self.files.len(),
            self.fps,
            if self.looping { "looping" } else { "once" }
        )
    }
}

#[cfg(test)]
#[path = "tests/camera_dir.rs"]
mod tests;
