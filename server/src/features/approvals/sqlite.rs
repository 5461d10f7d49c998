//! Recording a decision on SQLite: one guarded update, so a decision taken on a state that
//! changed meanwhile (two reviewers at once) writes nothing.

use rusqlite::{Transaction, params};

use super::Recorded;
use crate::db::sqlite::{db, ts};
use crate::db::{AuditCtx, StoreError, StoreResult};

/// Where a kind of request keeps its decision.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DecisionColumns {
    /// What the refusal calls it: "leave request", "correction".
    pub(crate) what: &'static str,
    pub(crate) table: &'static str,
    pub(crate) key: &'static str,
    /// The reviewer level it needs, when the kind has levels.
    pub(crate) level: Option<&'static str>,
    pub(crate) reason: &'static str,
}

/// Records `step` on its request: the new stage and level, the reason (kept when none is
/// given), and who decided and when once it leaves `pending`. Refused when the stored state is
/// not the one the step was decided on.
pub(crate) fn record_decision<Id: std::fmt::Display>(
    tx: &Transaction<'_>,
    columns: DecisionColumns,
    step: &Recorded<Id>,
    ctx: &AuditCtx,
) -> StoreResult<()> {
    let DecisionColumns { what, table, key, level, reason } = columns;
    let (set_level, same_level) = match level {
        Some(col) => (format!(", {col} = ?4"), format!(" AND {col} = ?8")),
        // ?4 and ?8 go unused; SQLite numbers parameters by their largest index.
        None => (String::new(), String::new()),
    };
    let changed = tx
        .execute(
            &format!(
                "UPDATE {table} SET status = ?3{set_level}, {reason} = COALESCE(?5, {reason}),
                        decided_at = CASE WHEN ?6 THEN ?7 ELSE decided_at END,
                        decided_by = CASE WHEN ?6 THEN ?9 ELSE decided_by END
                 WHERE {key} = ?1 AND status = ?2{same_level}"
            ),
            params![
                step.id.to_string(),
                step.before.stage.as_str(),
                step.after.stage.as_str(),
                step.after.level,
                step.reason,
                step.decided(),
                ts(jiff::Timestamp::now()),
                step.before.level,
                ctx.actor.id()
            ],
        )
        .map_err(db)?;
    if changed == 0 {
        return Err(StoreError::State(format!(
            "the {what} changed meanwhile; reload and try again"
        )));
    }
    Ok(())
}
