//! Bounded polling. A test waits for a condition, never for a fixed time: the bound only turns a
//! hang into a failure that names what never happened.

use std::time::Duration;

/// How long [`eventually`] waits: generous for a loaded CI machine, yet a hang still fails the
/// test rather than the whole job.
pub const PATIENCE: Duration = Duration::from_secs(30);
const EVERY: Duration = Duration::from_millis(50);

/// Waits until `check` holds, looking every 50 ms for up to [`PATIENCE`]; panics naming `what`.
pub async fn eventually<F: AsyncFnMut() -> bool>(what: &str, check: F) {
    poll_until(what, EVERY, PATIENCE, check).await;
}

/// [`eventually`] with its own pace and bound, for a wait that must notice a change quickly (a
/// process killed mid-work) or that may take long (a large backlog draining).
pub async fn poll_until<F: AsyncFnMut() -> bool>(
    what: &str,
    every: Duration,
    within: Duration,
    mut check: F,
) {
    // Counted tries rather than a deadline, so a paused tokio clock paces it too.
    for _ in 0..tries(every, within) {
        if check().await {
            return;
        }
        tokio::time::sleep(every).await;
    }
    panic!("timed out after {within:?} waiting until {what}");
}

/// The blocking form of [`poll_until`], for tests outside an async runtime.
pub fn wait_until(what: &str, every: Duration, within: Duration, mut check: impl FnMut() -> bool) {
    for _ in 0..tries(every, within) {
        if check() {
            return;
        }
        std::thread::sleep(every);
    }
    panic!("timed out after {within:?} waiting until {what}");
}

fn tries(every: Duration, within: Duration) -> u128 {
    (within.as_millis() / every.as_millis().max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn eventually_returns_once_the_check_holds() {
        let mut calls = 0;
        eventually("the third look", async || {
            calls += 1;
            calls == 3
        })
        .await;
        assert_eq!(calls, 3);
    }

    #[tokio::test]
    #[should_panic(expected = "timed out after 50ms waiting until pigs fly")]
    async fn a_condition_that_never_holds_fails_naming_it() {
        poll_until(
            "pigs fly",
            Duration::from_millis(10),
            Duration::from_millis(50),
            async || false,
        )
        .await;
    }

    #[test]
    fn the_blocking_wait_looks_as_often_as_its_bound_allows() {
        let mut calls = 0;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            wait_until(
                "never",
                Duration::from_millis(1),
                Duration::from_millis(5),
                || {
                    calls += 1;
                    false
                },
            );
        }));
        assert!(outcome.is_err(), "it gave up with a panic");
        assert_eq!(calls, 5);
    }
}
