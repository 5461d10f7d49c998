//! Helpers that the workspace's tests share, so that each crate's tests stop carrying copies.
//! A dev-dependency only. It depends on no Attend crate, so using it never makes one crate's tests
//! build another crate (the kiosk's aarch64 tests under qemu must not build the server).
//!
//! - [`paths`]: the repository, `../shared` beside it, the converted models, the models used
//!   straight from `../shared/models` and the labelled photos; each panics with what to run or
//!   where to put the files when they are missing.
//! - [`wait`]: bounded polling ([`eventually`]) instead of sleeps.
//! - [`process`]: a [`command`] for a binary this build produced, through qemu when cross-testing.
//! - [`systemd`]: [`assert_unit_verifies`], `systemd-analyze verify` on a unit as built.
//! - [`waved`]: frames of a photo waved in front of the camera (one homography per frame), for
//!   the head-turn challenge's tests.
//! - [`postgres`]: a throwaway PostgreSQL 15 cluster in a temporary directory.
//! - `browser` (feature `browser`): a real headless Chromium over WebDriver, for page tests.

#[cfg(feature = "browser")]
pub mod browser;
pub mod paths;
pub mod postgres;
pub mod process;
pub mod systemd;
pub mod wait;
pub mod waved;

pub use paths::{
    demo_photos, face_set, faces_dir, models_dir, repo_root, shared_dir, shared_models,
};
pub use process::command;
pub use systemd::assert_unit_verifies;
pub use wait::{PATIENCE, eventually, poll_until, wait_until};
