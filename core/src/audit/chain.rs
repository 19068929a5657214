//! Hash chaining of audit entries.
//!
//! `hash(n) = sha256("medsync-audit-v1" ‖ prev_hash ‖ chain as 4 big-endian bytes ‖ seq as 8
//! big-endian bytes ‖ canonical JSON of the event)`. Modifying an entry changes its hash;
//! deleting or reordering entries breaks `seq` continuity or the `prev_hash` links; moving an
//! entry to another chain changes its hash. Truncating a chain's tail is detectable only
//! against a head hash kept elsewhere: [`ChainReport::head_hash`] is what to anchor.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::model::{AuditEntry, AuditEvent};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash linking `event` at position `seq` of `chain` to the entry whose hash is
/// `prev_hash`.
pub fn link(prev_hash: &str, chain: u32, seq: u64, event: &AuditEvent) -> String {
    link_canonical(prev_hash, chain, seq, &canonical(event))
}

/// The canonical JSON of `event`: the bytes [`link`] hashes (a backend that also stores or
/// sends the event as JSON can serialise it once, with this).
pub fn canonical(event: &AuditEvent) -> Vec<u8> {
    // Serialising a plain struct of strings, ids and timestamps cannot fail.
    serde_json::to_vec(event).unwrap_or_default()
}

/// [`link`] over an event already in its [`canonical`] form.
pub fn link_canonical(prev_hash: &str, chain: u32, seq: u64, canonical: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"medsync-audit-v1");
    h.update(prev_hash.as_bytes());
    h.update(chain.to_be_bytes());
    h.update(seq.to_be_bytes());
    h.update(canonical);
    to_hex(&h.finalize())
}

/// Builds the stored entry for `event` following `prev` in `chain` (or the chain's genesis
/// when `prev` is None). `prev`, when given, must belong to `chain`.
pub fn next_entry(prev: Option<&AuditEntry>, chain: u32, event: &AuditEvent) -> AuditEntry {
    let (seq, prev_hash) = match prev {
        Some(p) => (p.seq + 1, p.hash.clone()),
        None => (1, GENESIS.to_owned()),
    };
    let hash = link(&prev_hash, chain, seq, event);
    AuditEntry {
        chain,
        seq,
        event: event.clone(),
        prev_hash,
        hash,
    }
}

/// Lower-case hex of bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// The result of verifying the whole log: every chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Whether every entry of every chain checked out.
    pub ok: bool,
    /// How many entries were checked in all.
    pub entries_checked: u64,
    /// One report per chain, by chain id.
    pub chains: Vec<ChainReport>,
}

impl VerifyReport {
    /// Aggregates per-chain reports.
    pub fn from_chains(mut chains: Vec<ChainReport>) -> Self {
        chains.sort_by_key(|c| c.chain);
        Self {
            ok: chains.iter().all(|c| c.ok),
            entries_checked: chains.iter().map(|c| c.entries_checked).sum(),
            chains,
        }
    }
}

/// The result of verifying one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    /// The chain.
    pub chain: u32,
    /// Whether every entry checked out.
    pub ok: bool,
    /// How many entries were checked.
    pub entries_checked: u64,
    /// Hash of the last entry checked (anchor it elsewhere to detect truncation).
    pub head_hash: String,
    /// The `seq` of the first bad entry, if any.
    pub first_bad_seq: Option<u64>,
    /// What is wrong with it.
    pub problem: Option<String>,
}

/// Incremental verifier of one chain: feed its entries in `seq` order, then
/// [`Verifier::finish`].
#[derive(Debug, Clone)]
pub struct Verifier {
    chain: u32,
    expected_seq: u64,
    prev_hash: String,
    checked: u64,
    bad: Option<(u64, String)>,
}

impl Verifier {
    /// A verifier of `chain`, expecting it to start at `seq` 1.
    pub fn new(chain: u32) -> Self {
        Self {
            chain,
            expected_seq: 1,
            prev_hash: GENESIS.to_owned(),
            checked: 0,
            bad: None,
        }
    }

    /// Checks the next entry; after the first problem further entries are ignored.
    pub fn feed(&mut self, e: &AuditEntry) {
        if self.bad.is_some() {
            return;
        }
        let problem = if e.chain != self.chain {
            Some(format!(
                "entry of chain {} found in chain {}",
                e.chain, self.chain
            ))
        } else if e.seq != self.expected_seq {
            Some(format!(
                "expected seq {}, found {} (entry deleted or reordered)",
                self.expected_seq, e.seq
            ))
        } else if e.prev_hash != self.prev_hash {
            Some(
                "prev_hash does not match the previous entry (entry deleted or reordered)"
                    .to_owned(),
            )
        } else if link(&e.prev_hash, e.chain, e.seq, &e.event) != e.hash {
            Some("hash does not match the entry's content (entry modified)".to_owned())
        } else {
            None
        };
        match problem {
            Some(p) => self.bad = Some((e.seq, p)),
            None => {
                self.checked += 1;
                self.expected_seq += 1;
                self.prev_hash = e.hash.clone();
            }
        }
    }

    /// The report.
    pub fn finish(self) -> ChainReport {
        ChainReport {
            chain: self.chain,
            ok: self.bad.is_none(),
            entries_checked: self.checked,
            head_hash: self.prev_hash,
            first_bad_seq: self.bad.as_ref().map(|b| b.0),
            problem: self.bad.map(|b| b.1),
        }
    }
}

/// Verifies a whole chain given in `seq` order (the chain is taken from the first entry;
/// chain 0 when empty).
pub fn verify<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>) -> ChainReport {
    let mut entries = entries.into_iter().peekable();
    let mut v = Verifier::new(entries.peek().map_or(0, |e| e.chain));
    entries.for_each(|e| v.feed(e));
    v.finish()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::audit::Outcome;
    use crate::ids::AuditId;

    fn event(n: u128) -> AuditEvent {
        AuditEvent {
            id: AuditId(Uuid::from_u128(n)),
            at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            actor: None,
            actor_role: None,
            action: format!("test.{n}"),
            resource_kind: "test".into(),
            resource_id: None,
            patient_id: None,
            outcome: Outcome::Allowed,
            detail: None,
        }
    }

    fn chain(n: u128) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 1..=n {
            let e = next_entry(out.last(), 0, &event(i));
            out.push(e);
        }
        out
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        let r = verify(&c);
        assert!(r.ok, "{r:?}");
        assert_eq!(r.entries_checked, 5);
        assert_eq!(r.head_hash, c[4].hash);
    }

    #[test]
    fn modified_entry_is_detected() {
        let mut c = chain(5);
        c[2].event.action = "test.forged".into();
        let r = verify(&c);
        assert!(!r.ok);
        assert_eq!(r.first_bad_seq, Some(3));
        assert!(r.problem.unwrap().contains("modified"));
    }

    #[test]
    fn deleted_entry_is_detected() {
        let mut c = chain(5);
        c.remove(1);
        let r = verify(&c);
        assert_eq!(r.first_bad_seq, Some(3));
        assert!(!r.ok);
    }

    #[test]
    fn reordered_entries_are_detected() {
        let mut c = chain(5);
        c.swap(1, 2);
        let r = verify(&c);
        assert!(!r.ok);
        assert_eq!(r.entries_checked, 1);
    }

    #[test]
    fn moving_an_entry_to_another_chain_is_detected() {
        let mut c = chain(3);
        c[1].chain = 7;
        let r = verify(&c);
        assert_eq!(r.first_bad_seq, Some(2));
        let mut v = Verifier::new(7);
        v.feed(&c[1]);
        assert!(!v.finish().ok, "its hash binds it to chain 0");
    }

    #[test]
    fn renumbered_deletion_is_detected() {
        // Delete entry 2 and renumber the rest: the prev_hash link breaks.
        let mut c = chain(4);
        c.remove(1);
        for (i, e) in c.iter_mut().enumerate() {
            e.seq = i as u64 + 1;
        }
        let r = verify(&c);
        assert!(!r.ok);
        assert_eq!(r.first_bad_seq, Some(2));
    }
}
