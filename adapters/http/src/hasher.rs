//! Password hashing off the async runtime, on a small pool of dedicated threads.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use medsync_core::auth::{Argon2Hasher, PasswordHasher};
use medsync_core::identity::PasswordHash;
use medsync_core::{Error, Result};
use tokio::sync::oneshot;

/// A unit of hashing work for a pool thread.
type Job = Box<dyn FnOnce(&Argon2Hasher) + Send>;

/// A [`PasswordHasher`] that runs [`Argon2Hasher`]'s (deliberately slow) synchronous work
/// (`hash_sync`, `verify_sync`, `verify_dummy_sync`) on a fixed pool of dedicated threads
/// (`medsync-argon2-N`), queueing the rest, so argon2 never stalls the async workers and a
/// login flood cannot take more than the pool's cores.
///
/// A fixed pool rather than Tokio's blocking pool also bounds memory: [`Argon2Hasher`] keeps
/// one working buffer of its memory cost (19 MiB with the OWASP parameters) per thread that
/// hashes, reused for every later hash on that thread, so this pool holds exactly `threads`
/// buffers however many logins arrive. The pool's threads stop, freeing their buffers, when
/// the last clone of the hasher is dropped.
#[derive(Clone)]
pub struct BlockingHasher {
    jobs: Sender<Job>,
    threads: usize,
}

impl std::fmt::Debug for BlockingHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingHasher")
            .field("threads", &self.threads)
            .finish_non_exhaustive()
    }
}

/// Half of `cpus`, at least one.
fn default_threads(cpus: usize) -> usize {
    (cpus / 2).max(1)
}

impl BlockingHasher {
    /// Wraps `inner` with half as many threads as there are CPUs (at least one), so that a
    /// login flood can never take every core from the other endpoints: with every CPU
    /// allowed, listing and booking p99 under saturated logins was 2.3–3× its idle value on a
    /// 2-core machine (1.0–1.8× with half). Use [`BlockingHasher::with_threads`] to choose.
    pub fn new(inner: Argon2Hasher) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::with_threads(inner, default_threads(cpus))
    }

    /// Wraps `inner` with a pool of `threads` (at least 1) hashing threads.
    ///
    /// # Panics
    /// If the operating system refuses to start a thread.
    pub fn with_threads(inner: Argon2Hasher, threads: usize) -> Self {
        let threads = threads.max(1);
        let inner = Arc::new(inner);
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let (inner, queue) = (Arc::clone(&inner), Arc::clone(&queue));
            std::thread::Builder::new()
                .name(format!("medsync-argon2-{n}"))
                .spawn(move || {
                    lower_priority();
                    work_loop(&inner, &queue)
                })
                .expect("the OS starts a password hashing thread");
        }
        Self { jobs, threads }
    }

    /// Runs `work` with the inner hasher on a pool thread and waits for its result.
    async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Argon2Hasher) -> T + Send + 'static,
    {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move |h| {
            // The caller may have gone away (request cancelled): nothing to tell then.
            let _ = done.send(work(h));
        });
        if self.jobs.send(job).is_err() {
            return Err(Error::Backend {
                message: "password hashing threads have stopped".into(),
                source: None,
            });
        }
        result
            .await
            .map_err(|e| Error::backend("password hashing task failed", e))
    }
}

/// The hashing threads' priority on `thread-priority`'s 0–99 scale: on Linux niceness 10
/// (scheduler weight 110 against 1 024 for the request threads at niceness 0).
const HASHING_PRIORITY: u8 = 22;

/// Lowers the calling thread's scheduling priority to [`HASHING_PRIORITY`], so that when the
/// CPU is contended the request threads run first and logins wait: a login is slow by design,
/// a listing or a booking must not become slow because of logins. With its own threads at
/// the same priority as the request threads, saturated logins raised the other endpoints' p99
/// to 2.1–3.3× their idle value on 2 cores. Best effort: a platform that refuses keeps the
/// normal priority (logged).
fn lower_priority() {
    use thread_priority::{set_current_thread_priority, ThreadPriority, ThreadPriorityValue};
    let lowered = ThreadPriorityValue::try_from(HASHING_PRIORITY)
        .map_err(|e| format!("{e:?}"))
        .and_then(|p| {
            set_current_thread_priority(ThreadPriority::Crossplatform(p))
                .map_err(|e| format!("{e:?}"))
        });
    if let Err(e) = lowered {
        tracing::warn!(error = %e, "could not lower the password hashing thread's priority");
    }
}

/// A pool thread: takes jobs until every sender is gone. A panicking job is contained (its
/// caller sees an error) and the thread carries on.
fn work_loop(inner: &Argon2Hasher, queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = {
            let queue = queue.lock().unwrap_or_else(PoisonError::into_inner);
            queue.recv()
        };
        let Ok(job) = job else { return };
        if catch_unwind(AssertUnwindSafe(|| job(inner))).is_err() {
            tracing::error!("a password hashing job panicked");
        }
    }
}

#[async_trait]
impl PasswordHasher for BlockingHasher {
    async fn hash(&self, password: &str) -> Result<PasswordHash> {
        let password = password.to_owned();
        self.run(move |h| h.hash_sync(&password)).await?
    }

    async fn verify(&self, password: &str, hash: &PasswordHash) -> Result<bool> {
        let (password, hash) = (password.to_owned(), hash.clone());
        self.run(move |h| h.verify_sync(&password, &hash)).await?
    }

    async fn verify_dummy(&self, password: &str) {
        let password = password.to_owned();
        if let Err(e) = self.run(move |h| h.verify_dummy_sync(&password)).await {
            tracing::warn!(error = %e, "dummy password verification failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Argon2Hasher {
        Argon2Hasher::with_params(1024, 1, 1).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hashes_and_verifies_on_the_pool() {
        let h = BlockingHasher::with_threads(cheap(), 1);
        let hash = h.hash("a long enough password").await.unwrap();
        assert!(hash.0.starts_with("$argon2id$"));
        assert!(h.verify("a long enough password", &hash).await.unwrap());
        assert!(!h.verify("another password here", &hash).await.unwrap());
        h.verify_dummy("whatever").await;
    }

    #[test]
    fn by_default_hashing_leaves_half_the_cores_to_other_requests() {
        assert_eq!(default_threads(1), 1);
        assert_eq!(default_threads(2), 1);
        assert_eq!(default_threads(3), 1);
        assert_eq!(default_threads(16), 8);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_hashes_queue_on_the_fixed_threads() {
        let h = BlockingHasher::with_threads(cheap(), 2);
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let h = h.clone();
                tokio::spawn(async move {
                    let hash = h.hash(&format!("password number {i}")).await?;
                    let thread = h
                        .run(|_| std::thread::current().name().map(str::to_owned))
                        .await?;
                    Ok::<_, Error>((hash, thread))
                })
            })
            .collect();
        let mut threads = std::collections::BTreeSet::new();
        for t in tasks {
            let (hash, thread) = t.await.unwrap().unwrap();
            assert!(hash.0.starts_with("$argon2id$"));
            threads.insert(thread.expect("pool threads are named"));
        }
        assert!(threads.len() <= 2, "{threads:?}");
        assert!(threads.iter().all(|t| t.starts_with("medsync-argon2-")));
    }

    /// The niceness of the calling thread (field 19 of `/proc/thread-self/stat`).
    #[cfg(target_os = "linux")]
    fn niceness() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        // Fields after the command name, which is in parentheses and may contain spaces.
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        rest.split(' ').nth(16).unwrap().parse().unwrap()
    }

    #[cfg(target_os = "linux")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hashing_threads_run_at_a_lower_priority_than_requests() {
        let h = BlockingHasher::with_threads(cheap(), 1);
        let pool = h.run(|_| niceness()).await.unwrap();
        let request = niceness();
        // Niceness 10, absolute; a process started nicer than that keeps its own.
        let expected = if request >= 10 { request } else { 10 };
        assert_eq!(pool, expected, "pool {pool}, request thread {request}");
        assert!(pool > request || request >= 10);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_job_is_an_error_and_the_pool_survives() {
        let h = BlockingHasher::with_threads(cheap(), 1);
        let r: Result<()> = h.run(|_| panic!("boom")).await;
        assert!(matches!(r, Err(Error::Backend { .. })), "{r:?}");
        assert!(h.hash("a long enough password").await.is_ok());
    }
}
