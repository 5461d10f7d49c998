//! TRANSITIONAL: the JSON handlers and the bearer/signed extractors, while features move into
//! `features/`.

pub mod routes;
pub mod session;

pub use crate::app::AppState;
