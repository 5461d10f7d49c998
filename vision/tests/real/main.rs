//! Integration tests on the real models and the labelled photos. They need
//! `bash scripts/setup-ort.sh`, `bash scripts/setup-models.sh`, `../shared/faces` and (for the
//! liveness models, read from there) `../shared/models`; each fails with a message saying which
//! is missing.

mod accuracy;
mod cli;
mod detect_scale;
mod liveness;
mod pipeline;
mod support;
mod thresholds;
