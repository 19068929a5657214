//! Leasing audit chains to transactions.
//!
//! Each transaction appends to one chain head, and two transactions writing one head
//! write-conflict. A store handle therefore leases each running transaction the lowest chain
//! none of its other running transactions holds: concurrent transactions through one handle
//! never contend for a head, and a quiet store keeps its entries densely on chain 0. When
//! every chain is leased, transactions share chains round-robin (and may retry on a
//! conflict). Handles in other processes lease independently; a collision there is only a
//! retried write conflict, never a broken chain.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::schema::AUDIT_CHAINS;

/// The chains held by one handle's running transactions, as a bit set.
#[derive(Debug, Default)]
pub(crate) struct ChainLeases {
    held: AtomicU32,
    overflow: AtomicU32,
}

/// One transaction's chain; released when dropped.
#[derive(Debug)]
pub(crate) struct Lease<'a> {
    leases: &'a ChainLeases,
    chain: u32,
    /// Whether `chain` is this lease's alone (false when every chain was taken).
    exclusive: bool,
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
    /// Leases the lowest free chain, or shares one round-robin when none is free.
    pub(crate) fn acquire(&self) -> Lease<'_> {
        let mut held = self.held.load(Ordering::Acquire);
        loop {
            let free = !held & ALL;
            if free == 0 {
                let chain = self.overflow.fetch_add(1, Ordering::Relaxed) % AUDIT_CHAINS;
                return Lease {
                    leases: self,
                    chain,
                    exclusive: false,
                };
            }
            let chain = free.trailing_zeros();
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
                    }
                }
                Err(now) => held = now,
            }
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

    #[test]
    fn lowest_free_chain_then_round_robin() {
        let l = ChainLeases::default();
        let a = l.acquire();
        let b = l.acquire();
        assert_eq!((a.chain(), b.chain()), (0, 1));
        drop(a);
        assert_eq!(l.acquire().chain(), 0, "a released chain is reused first");
        let all: Vec<_> = (0..AUDIT_CHAINS - 1).map(|_| l.acquire()).collect();
        assert_eq!(all.last().map(Lease::chain), Some(AUDIT_CHAINS - 1));
        let shared = l.acquire();
        assert!(!shared.exclusive && shared.chain() < AUDIT_CHAINS);
        drop(shared);
        drop(all);
        drop(b);
        assert_eq!(l.held.load(Ordering::Acquire), 0);
    }
}
