//! The tamper-evident audit log: appending to a chain inside the caller's transaction, and
//! the [`AuditStore`] reads.
//!
//! There are [`AUDIT_CHAINS`] independent chains, each with a head document
//! `{_id: chain, seq, hash}`. An append bumps the head's `seq` (a write, so two transactions
//! appending to one chain write-conflict and one retries), links the event to the previous
//! hash with [`chain::link`], stores the new hash in the head and inserts the entry — all in
//! the transaction of the change being recorded. A handle remembers the head it last wrote
//! per chain; while the stored head still matches it (checked in the update's filter), the
//! head moves on in one write without being read first. Each transaction runs with a chain leased
//! from its store handle (the lowest chain no other transaction of the handle holds), so
//! concurrent, unrelated writes through one handle never meet on one head, and a quiet store
//! keeps its entries densely on chain 0.

use bson::{doc, Document};
use futures::FutureExt;
use medsync_core::audit::chain::{self, GENESIS};
use medsync_core::audit::{AuditEntry, AuditEvent};
use medsync_core::store::{AuditFilter, AuditStore, Page};
use medsync_core::Result;
use mongodb::options::ReturnDocument;
use mongodb::ClientSession;

use crate::convert::{all, bdate, bid, i64_of, literal_prefix, page_bounds, u64_of};
use crate::error;
use crate::model::audit::{AuditEntryDoc, AuditHeadDoc};
use crate::schema::{AUDIT_HEADS, AUDIT_LOG};
use crate::store::MongoStore;
use crate::txn::Attempt;

impl MongoStore {
    /// Appends `event` to audit chain `chain` inside the session's transaction (the chain
    /// the transaction runner leased for it).
    pub(crate) async fn append_in(
        &self,
        session: &mut ClientSession,
        chain: u32,
        event: &AuditEvent,
    ) -> Attempt<AuditEntry> {
        let id = i64::from(chain);
        let heads = self.coll::<AuditHeadDoc>(AUDIT_HEADS);
        // The head as this handle last wrote it, if it still is: one write moves it on.
        let mut linked = None;
        if let Some((prev_seq, prev_hash)) = self.chains().head_hint(chain) {
            let seq = prev_seq + 1;
            let hash = chain::link(&prev_hash, chain, seq, event);
            let moved = heads
                .update_one(
                    doc! {"_id": id, "seq": i64_of(prev_seq), "hash": &prev_hash},
                    doc! {"$set": {"seq": i64_of(seq), "hash": &hash}},
                )
                .session(&mut *session)
                .await?;
            if moved.matched_count == 1 {
                linked = Some((seq, prev_hash, hash));
            }
        }
        let (seq, prev_hash, hash) = match linked {
            Some(l) => l,
            None => {
                let before = heads
                    .find_one_and_update(doc! {"_id": id}, doc! {"$inc": {"seq": 1_i64}})
                    .upsert(true)
                    .return_document(ReturnDocument::Before)
                    .session(&mut *session)
                    .await?;
                let (prev_seq, prev_hash) = before
                    .map(|h| (u64_of(h.seq), h.hash))
                    .unwrap_or((0, GENESIS.to_owned()));
                let seq = prev_seq + 1;
                let hash = chain::link(&prev_hash, chain, seq, event);
                heads
                    .update_one(doc! {"_id": id}, doc! {"$set": {"hash": &hash}})
                    .session(&mut *session)
                    .await?;
                (seq, prev_hash, hash)
            }
        };
        self.chains().set_head_hint(chain, seq, &hash);
        let entry = AuditEntry {
            chain,
            seq,
            event: event.clone(),
            prev_hash,
            hash,
        };
        self.coll::<AuditEntryDoc>(AUDIT_LOG)
            .insert_one(AuditEntryDoc::from(&entry))
            .session(session)
            .await?;
        Ok(entry)
    }
}

/// The filter of an audit query, built from typed values only.
fn audit_filter(f: &AuditFilter) -> Document {
    let mut q = Document::new();
    if let Some(actor) = f.actor {
        q.insert("actor", bid(actor.0));
    }
    if let Some(p) = f.patient_id {
        q.insert("patient_id", bid(p.0));
    }
    if let Some(prefix) = &f.action_prefix {
        q.insert("action", literal_prefix(prefix));
    }
    let mut at = Document::new();
    if let Some(from) = f.from {
        at.insert("$gte", bdate(from));
    }
    if let Some(to) = f.to {
        at.insert("$lt", bdate(to));
    }
    if !at.is_empty() {
        q.insert("at", at);
    }
    q
}

#[async_trait::async_trait]
impl AuditStore for MongoStore {
    async fn append_audit(&self, event: &AuditEvent) -> Result<AuditEntry> {
        self.transaction(
            "audit append",
            &(self, event),
            |s, chain, &(store, event)| store.append_in(s, chain, event).boxed(),
        )
        .await
    }

    async fn audit_chains(&self) -> Result<Vec<u32>> {
        let cursor = self
            .coll::<AuditHeadDoc>(AUDIT_HEADS)
            .find(doc! {"seq": {"$gt": 0_i64}})
            .sort(doc! {"_id": 1})
            .await
            .map_err(|e| error::map(e, "reading audit chains"))?;
        Ok(all(cursor)
            .await?
            .into_iter()
            .filter_map(|h| u32::try_from(h.chain).ok())
            .collect())
    }

    async fn audit_chain(&self, chain: u32, after_seq: u64, limit: u32) -> Result<Vec<AuditEntry>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let after = i64::try_from(after_seq).unwrap_or(i64::MAX);
        let cursor = self
            .coll::<AuditEntryDoc>(AUDIT_LOG)
            .find(doc! {"chain": i64::from(chain), "seq": {"$gt": after}})
            .sort(doc! {"seq": 1})
            .limit(i64::from(limit))
            .await
            .map_err(|e| error::map(e, "reading an audit chain"))?;
        Ok(all(cursor)
            .await?
            .into_iter()
            .map(AuditEntry::from)
            .collect())
    }

    async fn query_audit(&self, filter: &AuditFilter, page: Page) -> Result<Vec<AuditEntry>> {
        let (skip, limit) = page_bounds(page);
        let cursor = self
            .coll::<AuditEntryDoc>(AUDIT_LOG)
            .find(audit_filter(filter))
            .sort(doc! {"at": -1, "at_nanos": -1, "event_id": -1})
            .skip(skip)
            .limit(limit)
            .await
            .map_err(|e| error::map(e, "querying the audit log"))?;
        Ok(all(cursor)
            .await?
            .into_iter()
            .map(AuditEntry::from)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use medsync_core::audit::{chain, AuditEvent, Outcome};
    use medsync_core::ids::AuditId;
    use medsync_core::store::AuditStore;
    use uuid::Uuid;

    use crate::testing::fresh_mongo_store;
    use crate::MongoStore;

    fn event(n: i64) -> AuditEvent {
        AuditEvent {
            id: AuditId(Uuid::now_v7()),
            at: chrono::DateTime::UNIX_EPOCH + chrono::Duration::seconds(n),
            actor: None,
            actor_role: None,
            action: "test.append".into(),
            resource_kind: "test".into(),
            resource_id: Some(n.to_string()),
            patient_id: None,
            outcome: Outcome::Allowed,
            detail: None,
        }
    }

    /// Stale head hints — another handle appended, or the hinted write never committed — cost
    /// a read, never a broken or forked chain.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn stale_head_hints_never_break_the_chain() {
        let Some(a) = fresh_mongo_store().await else {
            eprintln!("skipped: MONGODB_URL is not set");
            return;
        };
        // A second handle on the same database: its own leases and hints (like another
        // process); a quiet handle appends to chain 0.
        let b = MongoStore::from_client(a.client().clone(), a.database().name())
            .await
            .unwrap();
        for (n, handle) in [&a, &a, &b, &a, &b, &b, &a].into_iter().enumerate() {
            handle.append_audit(&event(n as i64)).await.unwrap();
        }
        // A hint that never committed.
        a.chains().set_head_hint(0, 8, &"f".repeat(64));
        let last = a.append_audit(&event(7)).await.unwrap();
        assert_eq!((last.chain, last.seq), (0, 8));
        let entries = a.audit_chain(0, 0, 100).await.unwrap();
        let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=8).collect::<Vec<_>>());
        let report = chain::verify(&entries);
        assert!(report.ok, "{report:?}");
        // And the hint now saves the read: the next append moves the head in one write.
        assert_eq!(a.chains().head_hint(0).map(|(seq, _)| seq), Some(8));
        assert_eq!(a.append_audit(&event(8)).await.unwrap().seq, 9);
    }
}
