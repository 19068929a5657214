//! Retrying a whole transaction that PostgreSQL aborted to break a deadlock.
//!
//! Bookings lock the lapsed holds they expire in id order, which keeps deadlocks rare; a
//! cycle can still form with an exclusion-constraint wait. PostgreSQL then aborts one of the
//! transactions (SQLSTATE 40P01) — nothing of it was written, so running it again is safe.

use std::future::Future;

use medsync_core::{Error, Result};

use crate::errors::sqlstate;

/// How many times a transaction runs at most.
const ATTEMPTS: u32 = 5;

/// Whether `err` is a deadlock or serialisation failure raised by the database.
pub(crate) fn is_transient(err: &Error) -> bool {
    let Error::Backend {
        source: Some(source),
        ..
    } = err
    else {
        return false;
    };
    source
        .downcast_ref::<sqlx::Error>()
        .and_then(sqlstate)
        .is_some_and(|code| code == "40P01" || code == "40001")
}

/// Runs `op` until it succeeds, fails for a non-transient reason, or ran [`ATTEMPTS`] times.
pub(crate) async fn transient<T, F, Fut>(mut op: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut attempt = 1;
    loop {
        match op().await {
            Err(e) if attempt < ATTEMPTS && is_transient(&e) => {
                tracing::debug!(attempt, "transaction aborted by a deadlock; retrying");
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn non_transient_errors_are_not_retried() {
        let calls = AtomicU32::new(0);
        let r: Result<()> = transient(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Error::conflict("taken", None))
        })
        .await;
        assert!(matches!(r, Err(Error::Conflict { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(!is_transient(&Error::backend(
            "x",
            std::io::Error::other("y")
        )));
    }
}
