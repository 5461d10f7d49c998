//! attend-vision: the kiosk's face pipeline (detect, align, embed, match).
//!
//! Skeleton only: the pipeline lands with the face-pipeline issue. Nothing here is used yet.
