//! The hash-chained audit log: appending inside a caller's transaction, and reading chains.
//!
//! The log is split into [`AUDIT_CHAINS`] independent chains, each with a head row in
//! `audit_heads`. An append is one statement that bumps its chain's head (which row-locks it),
//! computes the link hash and inserts the entry; callers run it as the last statement before
//! `COMMIT`, so the lock is held for one round trip and writers on other chains never wait.
//! Chart events spread over chains 1–15 by chart; events about no chart share chain 0
//! ([`chain_for`]).

use async_trait::async_trait;
use medsync_core::audit::{chain, AuditEntry, AuditEvent};
use medsync_core::store::{AuditFilter, AuditStore, Page};
use medsync_core::{Error, Result};
use sqlx::{PgConnection, QueryBuilder};

use crate::convert::{from_json, limit_offset, to_json, to_u32, to_u64};
use crate::errors::DbResultExt;
use crate::PostgresStore;

/// How many independent hash chains the log has (the rows seeded into `audit_heads`).
pub const AUDIT_CHAINS: u32 = 16;

/// The chain an event joins: chart events spread over chains `1..AUDIT_CHAINS` by chart, so
/// writes about unrelated charts never wait for one another and each chart's entries stay in
/// commit order in one chain; events about no chart (accounts, logins, audit and analytics
/// reads) share the system chain 0.
pub(crate) fn chain_for(event: &AuditEvent) -> u32 {
    let Some(patient) = event.patient_id else {
        return 0;
    };
    // SplitMix64 finaliser over both halves: hand-made ids (1, 2, 3 …) spread too.
    let v = patient.0.as_u128();
    let mut z = (v as u64) ^ ((v >> 64) as u64);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    1 + (z % u64::from(AUDIT_CHAINS - 1)) as u32
}

/// One append, in one statement: bump the chain's head (row-locking it until `COMMIT`),
/// link the entry to the head's previous hash with the exact bytes of
/// [`chain::link`] — `sha256("medsync-audit-v1" ‖ prev_hash ‖ chain (4 bytes, big-endian) ‖
/// seq (8 bytes, big-endian) ‖ canonical JSON of the event)` — and insert it.
const APPEND: &str = "WITH head AS ( \
         UPDATE audit_heads SET seq = seq + 1, prev_hash = hash, \
             hash = encode(sha256('medsync-audit-v1'::bytea || convert_to(hash, 'UTF8') \
                                  || int4send(chain) || int8send(seq + 1) || $2::bytea), 'hex') \
         WHERE chain = $1 \
         RETURNING seq, prev_hash, hash) \
     INSERT INTO audit_log (chain, seq, event, at, prev_hash, hash) \
     SELECT $1, seq, $3, ($3 ->> 'at')::timestamptz, prev_hash, hash FROM head \
     RETURNING seq, prev_hash, hash";

/// Appends `event` inside the caller's transaction. Call it last, right before `COMMIT`: the
/// chain's head stays locked until then.
pub(crate) async fn append(conn: &mut PgConnection, event: &AuditEvent) -> Result<AuditEntry> {
    const WHAT: &str = "append to the audit log";
    let chain = chain_for(event);
    let chain_db = i32::try_from(chain).map_err(|_| Error::invalid("chain", "out of range"))?;
    // The canonical bytes `chain::link` hashes, and the same event as jsonb for reading back.
    let canonical =
        serde_json::to_vec(event).map_err(|e| Error::backend("could not serialise an event", e))?;
    let stored: Option<(i64, String, String)> = sqlx::query_as(APPEND)
        .bind(chain_db)
        .bind(canonical)
        .bind(to_json(event)?)
        .fetch_optional(&mut *conn)
        .await
        .db(WHAT)?;
    let (seq, prev_hash, hash) = stored.ok_or_else(|| Error::Backend {
        message: format!("audit chain {chain} has no head row (are the migrations applied?)"),
        source: None,
    })?;
    let seq = to_u64(seq, "audit seq")?;
    // The database computed the link; make sure it is the one verification will recompute
    // (the transaction rolls back otherwise).
    if chain::link(&prev_hash, chain, seq, event) != hash {
        return Err(Error::Backend {
            message: "the database computed an audit hash that does not verify".into(),
            source: None,
        });
    }
    Ok(AuditEntry {
        chain,
        seq,
        event: event.clone(),
        prev_hash,
        hash,
    })
}

/// An `audit_log` row.
#[derive(sqlx::FromRow)]
struct EntryRow {
    chain: i32,
    seq: i64,
    event: serde_json::Value,
    prev_hash: String,
    hash: String,
}

const ENTRY_COLUMNS: &str = "chain, seq, event, prev_hash, hash";

impl EntryRow {
    fn into_entry(self) -> Result<AuditEntry> {
        Ok(AuditEntry {
            chain: to_u32(self.chain, "audit chain")?,
            seq: to_u64(self.seq, "audit seq")?,
            event: from_json(self.event, "audit event")?,
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

fn entries(rows: Vec<EntryRow>) -> Result<Vec<AuditEntry>> {
    rows.into_iter().map(EntryRow::into_entry).collect()
}

#[async_trait]
impl AuditStore for PostgresStore {
    async fn append_audit(&self, event: &AuditEvent) -> Result<AuditEntry> {
        let mut tx = self.begin().await?;
        let entry = append(&mut tx, event).await?;
        tx.commit().await.db("append to the audit log")?;
        Ok(entry)
    }

    async fn audit_chains(&self) -> Result<Vec<u32>> {
        let chains: Vec<i32> =
            sqlx::query_scalar("SELECT chain FROM audit_heads WHERE seq > 0 ORDER BY chain")
                .fetch_all(&self.pool)
                .await
                .db("list the audit chains")?;
        chains
            .into_iter()
            .map(|c| to_u32(c, "audit chain"))
            .collect()
    }

    async fn audit_chain(&self, chain: u32, after_seq: u64, limit: u32) -> Result<Vec<AuditEntry>> {
        let Ok(chain) = i32::try_from(chain) else {
            return Ok(Vec::new());
        };
        let after = i64::try_from(after_seq).unwrap_or(i64::MAX);
        let rows: Vec<EntryRow> = sqlx::query_as(&format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE chain = $1 AND seq > $2 \
             ORDER BY seq LIMIT $3"
        ))
        .bind(chain)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .db("read an audit chain")?;
        entries(rows)
    }

    async fn query_audit(&self, filter: &AuditFilter, page: Page) -> Result<Vec<AuditEntry>> {
        let mut q = QueryBuilder::new(format!("SELECT {ENTRY_COLUMNS} FROM audit_log WHERE TRUE"));
        if let Some(actor) = filter.actor {
            q.push(" AND actor = ").push_bind(actor.0);
        }
        if let Some(patient) = filter.patient_id {
            q.push(" AND patient_id = ").push_bind(patient.0);
        }
        if let Some(prefix) = &filter.action_prefix {
            q.push(" AND starts_with(action, ")
                .push_bind(prefix.clone())
                .push(")");
        }
        if let Some(from) = filter.from {
            q.push(" AND at >= ").push_bind(from);
        }
        if let Some(to) = filter.to {
            q.push(" AND at < ").push_bind(to);
        }
        let (limit, offset) = limit_offset(page);
        q.push(" ORDER BY at DESC, event_id DESC LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows: Vec<EntryRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .db("query the audit log")?;
        entries(rows)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use medsync_core::ids::{PatientId, UserId};
    use uuid::Uuid;

    use super::*;

    fn event(patient: Option<u128>, actor: Option<u128>, id: u128) -> AuditEvent {
        AuditEvent {
            id: medsync_core::ids::AuditId(Uuid::from_u128(id)),
            at: chrono::DateTime::UNIX_EPOCH,
            actor: actor.map(|a| UserId(Uuid::from_u128(a))),
            actor_role: None,
            action: "test".into(),
            resource_kind: "test".into(),
            resource_id: None,
            patient_id: patient.map(|p| PatientId(Uuid::from_u128(p))),
            outcome: medsync_core::audit::Outcome::Allowed,
            detail: None,
        }
    }

    #[test]
    fn one_chart_one_chain_and_charts_spread() {
        assert_eq!(
            chain_for(&event(Some(7), Some(1), 1)),
            chain_for(&event(Some(7), Some(2), 2))
        );
        assert_eq!(chain_for(&event(None, Some(9), 1)), 0);
        assert_eq!(chain_for(&event(None, None, 2)), 0);
        let used: BTreeSet<u32> = (0..200)
            .map(|p| chain_for(&event(Some(p), None, 0)))
            .collect();
        assert_eq!(used, (1..AUDIT_CHAINS).collect());
    }
}
