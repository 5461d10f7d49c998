//! Failed PIN tries in the state database (the rule that reads them is
//! [`crate::kiosk::pin`]): one row for the kiosk, one per typed number.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::store::{Outbox, OutboxError};
use crate::kiosk::pin::{Counts, Failures};

const KIOSK: &str = "kiosk";

fn number_scope(number: &str) -> String {
    format!("number:{number}")
}

impl Outbox {
    /// The counts for a try at `number`: its own and the kiosk's (zero when none are stored).
    pub fn pin_failures(&self, number: &str) -> Result<Counts, OutboxError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT failures, last_failure_ms FROM pin_failures WHERE scope = ?1",
        )?;
        let mut read = |scope: &str| -> Result<Failures, OutboxError> {
            Ok(stmt
                .query_row([scope], |r| {
                    Ok(Failures {
                        count: r.get(0)?,
                        last_ms: r.get(1)?,
                    })
                })
                .optional()?
                .unwrap_or_default())
        };
        Ok(Counts {
            number: read(&number_scope(number))?,
            kiosk: read(KIOSK)?,
        })
    }

    /// Stores the counts after a try at `number`, in one transaction. A zero count deletes the
    /// number's row, and rows of other numbers last failed before `forget_before_ms` go too,
    /// so numbers typed once do not pile up.
    pub fn save_pin_failures(
        &mut self,
        number: &str,
        counts: Counts,
        forget_before_ms: i64,
    ) -> Result<(), OutboxError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let upsert =
            "INSERT INTO pin_failures (scope, failures, last_failure_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (scope) DO UPDATE SET failures = ?2, last_failure_ms = ?3";
        let scope = number_scope(number);
        if counts.number.count == 0 {
            tx.execute("DELETE FROM pin_failures WHERE scope = ?1", [&scope])?;
        } else {
            tx.execute(
                upsert,
                params![scope, counts.number.count, counts.number.last_ms],
            )?;
        }
        tx.execute(
            upsert,
            params![KIOSK, counts.kiosk.count, counts.kiosk.last_ms],
        )?;
        tx.execute(
            "DELETE FROM pin_failures WHERE scope <> ?1 AND last_failure_ms < ?2",
            params![KIOSK, forget_before_ms],
        )?;
        tx.commit()?;
        Ok(())
    }
}
