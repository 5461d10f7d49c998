//! attend-device: the `attendd` kiosk daemon.
//!
//! Skeleton only: the daemon lands with the kiosk-daemon issue. It already depends on
//! `attend-protocol`, the wire format it will speak.
