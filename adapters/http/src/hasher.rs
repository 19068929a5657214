//! Password hashing off the async runtime.

use std::sync::Arc;

use async_trait::async_trait;
use medsync_core::auth::{Argon2Hasher, PasswordHasher};
use medsync_core::identity::PasswordHash;
use medsync_core::{Error, Result};
use tokio::sync::Semaphore;

/// A [`PasswordHasher`] that runs [`Argon2Hasher`]'s (deliberately slow) synchronous work
/// (`hash_sync`, `verify_sync`, `verify_dummy_sync`) on Tokio's blocking pool, at most
/// `permits` at a time, so argon2 never stalls the async workers and a login flood cannot
/// occupy every blocking thread. Must be used inside a Tokio runtime.
#[derive(Clone)]
pub struct BlockingHasher {
    inner: Arc<Argon2Hasher>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for BlockingHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingHasher")
            .field("inner", &self.inner)
            .field("available_permits", &self.permits.available_permits())
            .finish()
    }
}

/// Half of `cpus`, at least one.
fn default_permits(cpus: usize) -> usize {
    (cpus / 2).max(1)
}

impl BlockingHasher {
    /// Wraps `inner`, allowing half as many concurrent hashes as there are CPUs (at least
    /// one), so that a login flood can never take every core from the other endpoints: with
    /// all CPUs allowed, listing and booking latency under saturated logins was 2.3–3× its
    /// idle value on a 2-core machine. Use [`BlockingHasher::with_permits`] to choose.
    pub fn new(inner: Argon2Hasher) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::with_permits(inner, default_permits(cpus))
    }

    /// Wraps `inner`, allowing at most `permits` (at least 1) concurrent hashes.
    pub fn with_permits(inner: Argon2Hasher, permits: usize) -> Self {
        Self {
            inner: Arc::new(inner),
            permits: Arc::new(Semaphore::new(permits.max(1))),
        }
    }

    /// Runs `work` with the inner hasher on the blocking pool, behind a permit.
    async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Argon2Hasher) -> T + Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| Error::backend("password hasher is shut down", e))?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || work(&inner))
            .await
            .map_err(|e| Error::backend("password hashing task failed", e))
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hashes_and_verifies_on_the_blocking_pool() {
        let h = BlockingHasher::with_permits(Argon2Hasher::with_params(1024, 1, 1).unwrap(), 1);
        let hash = h.hash("a long enough password").await.unwrap();
        assert!(hash.0.starts_with("$argon2id$"));
        assert!(h.verify("a long enough password", &hash).await.unwrap());
        assert!(!h.verify("another password here", &hash).await.unwrap());
        h.verify_dummy("whatever").await;
        assert_eq!(h.permits.available_permits(), 1);
    }

    #[test]
    fn by_default_hashing_leaves_half_the_cores_to_other_requests() {
        assert_eq!(default_permits(1), 1);
        assert_eq!(default_permits(2), 1);
        assert_eq!(default_permits(3), 1);
        assert_eq!(default_permits(16), 8);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_hashes_share_bounded_permits() {
        let h = BlockingHasher::with_permits(Argon2Hasher::with_params(1024, 1, 1).unwrap(), 2);
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let h = h.clone();
                tokio::spawn(async move { h.hash(&format!("password number {i}")).await })
            })
            .collect();
        for t in tasks {
            assert!(t.await.unwrap().is_ok());
        }
        assert_eq!(h.permits.available_permits(), 2);
    }
}
