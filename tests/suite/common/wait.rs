//! The suite's one "wait until, with a deadline": poll a condition, never sleep as a way to
//! synchronise, and fail with what was awaited when the deadline passes.

use std::time::Duration;

use tokio::time::Instant;

/// How often a condition is asked again.
const POLL: Duration = Duration::from_millis(50);

/// Poll `check` until it returns Some, or panic with `what` after `limit`.
pub async fn until<T>(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(POLL).await;
    }
}
