//! End-to-end tests of a real `attend-server` with a real `attendd`.
//!
//! Skeleton only: these land once the kiosk daemon exists.
