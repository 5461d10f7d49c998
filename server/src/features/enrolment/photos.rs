//! Enrolment from photos a manager uploads on the dashboard. The server runs the kiosks' own
//! face pipeline (attend-vision: detect, quality gates, align, embed) over each photo and
//! builds a candidate from the templates of the photos that pass; the service stores it as a
//! pending candidate, the same review then approves it, and the next roster pull takes it to
//! every kiosk.
//!
//! Invariants: a photo counts only when every quality gate passes (one face, big enough,
//! sharp, frontal), and each refused photo is reported with its reasons; fewer than
//! [`MIN_ACCEPTED`] good photos build nothing; the models load once, on first use, and run
//! off the async runtime, one upload at a time.

use std::sync::{Arc, Mutex};

use attend_protocol::events::EnrolmentCandidate;
use attend_protocol::ids::EmployeeId;
use attend_vision::enrol::Enrolment;
use attend_vision::image::{FrameFormat, decode};
use attend_vision::quality::QualityLimits;
use attend_vision::{FacePipeline, PipelineConfig};
use serde::Serialize;
use tokio::sync::OnceCell;

use crate::config::VisionSettings;

/// Photos needed so that one odd picture does not define a person's face.
pub const MIN_ACCEPTED: usize = 2;
pub const MAX_PHOTOS: usize = 10;
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;

/// What happened to one uploaded photo.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PhotoVerdict {
    pub name: String,
    pub accepted: bool,
    /// Empty when accepted; otherwise why not, one sentence each.
    pub problems: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error(
        "photo enrolment is not set up on this server: set [vision] models_dir in its configuration"
    )]
    NotConfigured,
    #[error("the face models could not be loaded: {0}")]
    Models(String),
    #[error("choose between 1 and {MAX_PHOTOS} photos")]
    Count,
    #[error(
        "only {accepted} photo(s) passed the quality checks; at least {MIN_ACCEPTED} are needed"
    )]
    TooFew { accepted: usize },
}

type Shared = Arc<Mutex<FacePipeline>>;

/// The server's face pipeline, loaded on first use when configured.
#[derive(Debug)]
pub struct Faces {
    settings: Option<VisionSettings>,
    pipeline: OnceCell<Shared>,
}

impl Faces {
    pub fn new(settings: Option<VisionSettings>) -> Self {
        Self {
            settings,
            pipeline: OnceCell::new(),
        }
    }

    pub fn configured(&self) -> bool {
        self.settings.is_some()
    }

    /// The loaded pipeline. A failed load is not remembered: once the operator puts the models
    /// in place, the next upload loads them without a restart.
    async fn pipeline(&self) -> Result<Shared, PhotoError> {
        let settings = self.settings.clone().ok_or(PhotoError::NotConfigured)?;
        self.pipeline
            .get_or_try_init(|| async move {
                tokio::task::spawn_blocking(move || {
                    let mut config = PipelineConfig::new(&settings.models_dir);
                    config.ort_library = settings.ort_library;
                    config.embedder = settings.embedder;
                    FacePipeline::load(&config)
                        .map(|p| Arc::new(Mutex::new(p)))
                        .map_err(|e| PhotoError::Models(e.to_string()))
                })
                .await
                .map_err(|e| PhotoError::Models(e.to_string()))?
            })
            .await
            .cloned()
    }

    /// Judges each photo and, when enough pass, builds the candidate for `employee`.
    pub async fn enrol(
        &self,
        employee: EmployeeId,
        photos: Vec<(String, Vec<u8>)>,
    ) -> Result<(Vec<PhotoVerdict>, Result<EnrolmentCandidate, PhotoError>), PhotoError> {
        if photos.is_empty() || photos.len() > MAX_PHOTOS {
            return Err(PhotoError::Count);
        }
        let pipeline = self.pipeline().await?;
        tokio::task::spawn_blocking(move || {
            let pipeline = pipeline
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Ok(judge(&pipeline, employee, photos))
        })
        .await
        .map_err(|e| PhotoError::Models(e.to_string()))?
    }
}

/// One line for the person who uploaded: each photo's name and whether it passed, or why not.
pub fn report(verdicts: &[PhotoVerdict]) -> String {
    verdicts
        .iter()
        .map(|v| {
            if v.accepted {
                format!("{}: passed", v.name)
            } else {
                format!("{}: {}", v.name, v.problems.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn format_of(bytes: &[u8]) -> Option<FrameFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(FrameFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(FrameFormat::Png)
    } else {
        None
    }
}

fn judge(
    pipeline: &FacePipeline,
    employee: EmployeeId,
    photos: Vec<(String, Vec<u8>)>,
) -> (Vec<PhotoVerdict>, Result<EnrolmentCandidate, PhotoError>) {
    let mut enrolment = Enrolment::new(pipeline, QualityLimits::default());
    let verdicts = photos
        .into_iter()
        .map(|(name, bytes)| {
            let problems = if bytes.len() > MAX_PHOTO_BYTES {
                vec![format!(
                    "larger than {} MiB",
                    MAX_PHOTO_BYTES / (1024 * 1024)
                )]
            } else {
                match format_of(&bytes).map(|f| decode(&bytes, f)) {
                    None => vec!["not a JPEG or PNG image".to_owned()],
                    Some(Err(e)) => vec![e.to_string()],
                    Some(Ok(image)) => match enrolment.add(&image) {
                        Ok(report) => report.problems,
                        Err(e) => vec![e.to_string()],
                    },
                }
            };
            PhotoVerdict {
                name,
                accepted: problems.is_empty(),
                problems,
            }
        })
        .collect();
    let accepted = enrolment.accepted();
    if accepted < MIN_ACCEPTED {
        return (verdicts, Err(PhotoError::TooFew { accepted }));
    }
    let enrolled = enrolment.finish();
    let candidate = EnrolmentCandidate::new(
        employee,
        enrolled.model_id,
        enrolled
            .templates
            .into_iter()
            .map(|t| (t.vector, t.quality)),
        enrolled.thumbnail_jpeg.as_deref(),
    );
    (verdicts, Ok(candidate))
}

#[cfg(test)]
mod tests {
    use super::{PhotoVerdict, report};

    #[test]
    fn the_report_names_each_photo_and_why_it_was_refused() {
        let verdicts = [
            PhotoVerdict {
                name: "a.jpg".into(),
                accepted: true,
                problems: Vec::new(),
            },
            PhotoVerdict {
                name: "b.png".into(),
                accepted: false,
                problems: vec!["no face".into(), "too dark".into()],
            },
        ];
        assert_eq!(report(&verdicts), "a.jpg: passed; b.png: no face, too dark");
    }
}
