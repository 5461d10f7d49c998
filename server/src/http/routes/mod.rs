//! Handlers, one module per area. They parse, authorise, call the store, and shape answers;
//! no SQL and no business state lives here.

pub mod attachments;
pub mod attendance;
pub mod equipment;
pub mod health;
pub mod qualifications;
pub mod records;
pub mod reports;
pub mod timesheets;
