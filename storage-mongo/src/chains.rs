//! Leasing audit chains to transactions.
//!
//! Each transaction appends to one chain head, and two transactions writing one head
//! write-conflict. A store handle therefore leases each running audited transaction the
//! lowest chain none of its other running transactions holds: concurrent transactions through
//! one handle never contend for a head, and a quiet store keeps its entries densely on chain
//! 0. When every chain is leased, a transaction waits for one to be released: queueing in the
//! process is cheaper than a write conflict, which aborts the transaction's work and retries
//! it after a backoff. Handles in other processes lease independently; a collision there is
//! only a retried write conflict, never a broken chain.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::schema::AUDIT_CHAINS;

/// The chains held by one handle's running transactions, as a bit set, and the head of each
/// chain as this handle last wrote it.
#[derive(Debug)]
pub(crate) struct ChainLeases {
    held: AtomicU32,
    /// One permit per chain: holding one guarantees a free bit in `held`.
    free: Semaphore,
    overflow: AtomicU32,
    /// Per chain, `(seq, hash)` of the head this handle last wrote (committed or not): a
    /// hint that saves an append the read of the head. Appends check it against the stored
    /// head in their filter, so a stale hint (an aborted transaction, another process's
    /// append) only costs that read again.
    heads: [Mutex<Option<(u64, String)>>; AUDIT_CHAINS as usize],
}

impl Default for ChainLeases {
    fn default() -> Self {
        Self {
            held: AtomicU32::new(0),
            free: Semaphore::new(AUDIT_CHAINS as usize),
            overflow: AtomicU32::new(0),
            heads: Default::default(),
        }
    }
}

/// One transaction's chain; released when dropped.
#[derive(Debug)]
pub(crate) struct Lease<'a> {
    leases: &'a ChainLeases,
    chain: u32,
    /// Whether `chain` is this lease's alone (false only if the semaphore was closed, which
    /// never happens).
    exclusive: bool,
    /// Returned to the semaphore after `chain`'s bit is cleared (fields drop after `drop`).
    _permit: Option<SemaphorePermit<'a>>,
}

// Leases are bits of one `u32`.
const _: () = assert!(AUDIT_CHAINS >= 1 && AUDIT_CHAINS <= 32);

/// The bits of every chain.
const ALL: u32 = if AUDIT_CHAINS == 32 {
    u32::MAX
} else {
    (1 << AUDIT_CHAINS) - 1
};

impl ChainLeases {
    /// Leases the lowest free chain, waiting for one to be released when all are leased.
    pub(crate) async fn acquire(&self) -> Lease<'_> {
        let Ok(permit) = self.free.acquire().await else {
            // Unreachable (the semaphore is never closed): share a chain round-robin.
            let chain = self.overflow.fetch_add(1, Ordering::Relaxed) % AUDIT_CHAINS;
            return Lease {
                leases: self,
                chain,
                exclusive: false,
                _permit: None,
            };
        };
        let mut held = self.held.load(Ordering::Acquire);
        loop {
            // The permit guarantees a free bit.
            let chain = (!held & ALL).trailing_zeros().min(AUDIT_CHAINS - 1);
            let bit = 1 << chain;
            match self.held.compare_exchange_weak(
                held,
                held | bit,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    return Lease {
                        leases: self,
                        chain,
                        exclusive: true,
                        _permit: Some(permit),
                    }
                }
                Err(now) => held = now,
            }
        }
    }
}

impl ChainLeases {
    /// The head of `chain` as this handle last wrote it, if known.
    pub(crate) fn head_hint(&self, chain: u32) -> Option<(u64, String)> {
        let slot = self.heads.get(chain as usize)?;
        slot.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Records the head this handle just wrote to `chain`.
    pub(crate) fn set_head_hint(&self, chain: u32, seq: u64, hash: &str) {
        if let Some(slot) = self.heads.get(chain as usize) {
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some((seq, hash.to_owned()));
        }
    }
}

impl Lease<'_> {
    /// The leased chain.
    pub(crate) fn chain(&self) -> u32 {
        self.chain
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if self.exclusive {
            self.leases
                .held
                .fetch_and(!(1 << self.chain), Ordering::AcqRel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lowest_free_chain_then_wait_for_one() {
        use futures::FutureExt;

        let l = ChainLeases::default();
        let a = l.acquire().await;
        let b = l.acquire().await;
        assert_eq!((a.chain(), b.chain()), (0, 1));
        drop(a);
        assert_eq!(
            l.acquire().await.chain(),
            0,
            "a released chain is reused first"
        );
        let mut all = Vec::new();
        for _ in 0..AUDIT_CHAINS - 1 {
            all.push(l.acquire().await);
        }
        assert_eq!(all.last().map(Lease::chain), Some(AUDIT_CHAINS - 1));
        assert!(all.iter().all(|lease| lease.exclusive));
        // Every chain is leased: the next transaction waits instead of sharing one.
        let mut waiting = Box::pin(l.acquire());
        assert!((&mut waiting).now_or_never().is_none());
        let released = all[3].chain();
        all.remove(3);
        let next = waiting.await;
        assert_eq!(next.chain(), released);
        drop(next);
        drop(all);
        drop(b);
        assert_eq!(l.held.load(Ordering::Acquire), 0);
    }
}
