//! TRANSITIONAL: the old SQLite stores, while features move into `features/`.


pub(crate) use crate::db::sqlite::{
    Audit, SqliteDb as SqliteStore, db, get_enum, get_id, get_json, get_opt_id, get_opt_ts, get_ts,
    new_id, opt_org, page_params, paged, query_rows, roster_changed, ts,
};
pub use crate::db::sqlite::{Synchronous, migrate, schema_versions};
