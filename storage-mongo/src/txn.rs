//! Running a body of work as one multi-document transaction, retried on transient errors.
//!
//! MongoDB aborts the second of two transactions writing one document (a write conflict,
//! labelled `TransientTransactionError`) instead of making it wait. The runner then retries
//! the whole body with a small, jittered, exponential backoff; a commit whose outcome is
//! unknown (`UnknownTransactionCommitResult`) is committed again. Retries are bounded in
//! number and time; running out of them is a `Conflict`.

use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use medsync_core::{Error, Result};
use mongodb::options::{ReadConcern, WriteConcern};
use mongodb::ClientSession;
use rand::Rng;

use crate::error;
use crate::store::MongoStore;

/// Why one attempt of a transaction body stopped.
#[derive(Debug)]
pub(crate) enum Fail {
    /// A domain outcome (not found, precondition failed, conflict …): abort and return it.
    Domain(Error),
    /// A driver error: retried when transient, mapped otherwise.
    Driver(mongodb::error::Error),
    /// The body saw a race it can resolve by running again from scratch.
    Retry,
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Self::Domain(e)
    }
}

impl From<mongodb::error::Error> for Fail {
    fn from(e: mongodb::error::Error) -> Self {
        Self::Driver(e)
    }
}

/// The result of one attempt of a transaction body.
pub(crate) type Attempt<T> = std::result::Result<T, Fail>;

/// Most attempts of one transaction.
const MAX_ATTEMPTS: u32 = 120;
/// Longest time spent retrying one transaction.
const MAX_RETRY_TIME: Duration = Duration::from_secs(30);
/// Most commits of one attempt whose outcome stays unknown.
const MAX_COMMITS: u32 = 5;

/// Bounded exponential backoff with full jitter.
struct Backoff {
    attempt: u32,
    started: Instant,
}

impl Backoff {
    fn new() -> Self {
        Self {
            attempt: 0,
            started: Instant::now(),
        }
    }

    /// Sleeps before the next attempt; `false` when the budget is spent.
    async fn wait(&mut self) -> bool {
        self.attempt += 1;
        if self.attempt >= MAX_ATTEMPTS || self.started.elapsed() > MAX_RETRY_TIME {
            return false;
        }
        let cap_ms = (2_u64 << self.attempt.min(6)).min(100);
        let ms = rand::thread_rng().gen_range(1..=cap_ms);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        true
    }
}

/// The error returned when a transaction kept conflicting until the retry budget ran out.
fn exhausted(what: &str) -> Error {
    Error::conflict(
        format!("{what}: too much concurrent activity, try again"),
        None,
    )
}

impl MongoStore {
    /// Runs `body` in a transaction (snapshot reads, majority writes) and commits it,
    /// retrying the whole body on transient errors. `ctx` carries everything the body
    /// borrows; the body also gets the audit chain leased for this transaction (for
    /// [`MongoStore::append_in`]; waiting for one while every chain is leased). A
    /// `Fail::Domain` aborts and is returned as is; a non-transient driver error aborts and
    /// is mapped (duplicate key → `Conflict`).
    pub(crate) async fn transaction<C, T, F>(
        &self,
        what: &'static str,
        ctx: &C,
        body: F,
    ) -> Result<T>
    where
        C: ?Sized + Sync,
        T: Send,
        F: for<'a> FnMut(&'a mut ClientSession, u32, &'a C) -> BoxFuture<'a, Attempt<T>>,
    {
        let lease = self.lease_chain().await;
        self.run_transaction(what, ctx, lease.chain(), body).await
    }

    /// [`MongoStore::transaction`] for a body that appends no audit entry (reads that need
    /// one snapshot, unaudited writes): it leases no chain, so it never waits for one. The
    /// chain its body gets must not be appended to.
    pub(crate) async fn unaudited_transaction<C, T, F>(
        &self,
        what: &'static str,
        ctx: &C,
        body: F,
    ) -> Result<T>
    where
        C: ?Sized + Sync,
        T: Send,
        F: for<'a> FnMut(&'a mut ClientSession, u32, &'a C) -> BoxFuture<'a, Attempt<T>>,
    {
        self.run_transaction(what, ctx, 0, body).await
    }

    async fn run_transaction<C, T, F>(
        &self,
        what: &'static str,
        ctx: &C,
        chain: u32,
        mut body: F,
    ) -> Result<T>
    where
        C: ?Sized + Sync,
        T: Send,
        F: for<'a> FnMut(&'a mut ClientSession, u32, &'a C) -> BoxFuture<'a, Attempt<T>>,
    {
        let mut session = self
            .client()
            .start_session()
            .await
            .map_err(|e| error::backend(&e, "starting a session"))?;
        let mut backoff = Backoff::new();
        loop {
            session
                .start_transaction()
                .read_concern(ReadConcern::snapshot())
                .write_concern(WriteConcern::majority())
                .await
                .map_err(|e| error::backend(&e, "starting a transaction"))?;
            let outcome = body(&mut session, chain, ctx).await;
            // Every arm either returns or falls through to a retry.
            match outcome {
                Ok(value) => match commit(&mut session).await {
                    Ok(()) => return Ok(value),
                    Err(e) if error::is_transient(&e) => {}
                    Err(e) => return Err(error::map(e, what)),
                },
                Err(fail) => {
                    // Best effort: the server may have aborted the transaction already.
                    let _ = session.abort_transaction().await;
                    match fail {
                        Fail::Domain(e) => return Err(e),
                        Fail::Retry => {}
                        Fail::Driver(e) if error::is_transient(&e) => {}
                        Fail::Driver(e) => return Err(error::map(e, what)),
                    }
                }
            }
            if !backoff.wait().await {
                tracing::warn!(what, "transaction retries exhausted");
                return Err(exhausted(what));
            }
        }
    }
}

/// Commits, retrying while the outcome is unknown.
async fn commit(session: &mut ClientSession) -> std::result::Result<(), mongodb::error::Error> {
    let mut commits = 0;
    loop {
        match session.commit_transaction().await {
            Ok(()) => return Ok(()),
            Err(e) if error::is_unknown_commit(&e) && commits < MAX_COMMITS => {
                commits += 1;
                tokio::time::sleep(Duration::from_millis(5 << commits)).await;
            }
            Err(e) => return Err(e),
        }
    }
}
