//! Blocked clients: the rate limiter's blocks (`platform::rate_limit::blocks`) as super admins
//! see them, listed and lifted. The limiter writes them; this feature keeps them in SQLite
//! (`sql.rs`) and serves them (`service.rs`, `api.rs`).
//!
//! Only super admins: a block's key is an address or an account of any organisation, so no
//! tenant's admin may see the list.

pub mod api;
pub mod service;
pub mod sql;

pub use service::BlockService;
