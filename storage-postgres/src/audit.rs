//! The hash-chained audit log: appending inside a caller's transaction, and reading chains.
//!
//! The log is split into [`AUDIT_CHAINS`] independent chains, each with a head row in
//! `audit_heads`. An append bumps its chain's head (which row-locks it), computes the link
//! hash and inserts the entry, all in one statement ([`append_ctes`]); callers run it as the
//! last statement before `COMMIT` — alone, or as CTEs of the statement making the audited
//! change — so the lock is held for one round trip and writers on other chains never wait.
//! Chart events spread over chains 1–15 by chart; events about no chart share chain 0
//! ([`chain_for`]).

use std::sync::LazyLock;

use async_trait::async_trait;
use medsync_core::audit::{chain, AuditEntry, AuditEvent};
use medsync_core::store::{AuditFilter, AuditStore, Page};
use medsync_core::{Error, Result};
use sqlx::postgres::PgArguments;
use sqlx::query::QueryAs;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::convert::{from_json, limit_offset, to_u32, to_u64};
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

/// The CTEs of an append: `audit_event` parses the event once, `audit_head` bumps the chain's
/// head (row-locking it until `COMMIT`) and links the entry to the head's previous hash with
/// the exact bytes of [`chain::link`] — `sha256("medsync-audit-v1" ‖ prev_hash ‖ chain (4
/// bytes, big-endian) ‖ seq (8 bytes, big-endian) ‖ canonical JSON of the event)`;
/// `audit_entry` inserts it.
///
/// `$<first>` is the chain, `$<first + 1>` the event's canonical JSON bytes
/// ([`chain::canonical`], bound by [`Pending::bind`]), hashed as they are and stored as
/// `jsonb`. With `guard`, the append happens only if the CTE of that name yields a row (e.g.
/// the booking that was inserted). The statement's result may read `audit_head`'s `seq,
/// prev_hash, hash` for [`Pending::entry`].
pub(crate) fn append_ctes(first: usize, guard: Option<&str>) -> String {
    let (chain, canonical) = (first, first + 1);
    let guard = guard.map_or_else(String::new, |g| format!(" AND EXISTS (SELECT 1 FROM {g})"));
    format!(
        "audit_event AS (SELECT convert_from(${canonical}::bytea, 'UTF8')::jsonb AS event), \
         audit_head AS ( \
           UPDATE audit_heads SET seq = seq + 1, prev_hash = hash, \
               hash = encode(sha256('medsync-audit-v1'::bytea || convert_to(hash, 'UTF8') \
                                    || int4send(chain) || int8send(seq + 1) \
                                    || ${canonical}::bytea), 'hex') \
           WHERE chain = ${chain}{guard} \
           RETURNING seq, prev_hash, hash), \
         audit_entry AS ( \
           INSERT INTO audit_log (chain, seq, event, at, prev_hash, hash) \
           SELECT ${chain}, seq, event, (event ->> 'at')::timestamptz, prev_hash, hash \
           FROM audit_head, audit_event)"
    )
}

/// One append, in one statement (see [`append_ctes`]).
static APPEND: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH {} SELECT seq, prev_hash, hash FROM audit_head",
        append_ctes(1, None)
    )
});

/// An event about to be appended: its chain and the values [`append_ctes`] binds.
pub(crate) struct Pending<'e> {
    event: &'e AuditEvent,
    chain: u32,
    chain_db: i32,
    /// The canonical bytes `chain::link` hashes, also what is stored.
    canonical: Vec<u8>,
}

impl<'e> Pending<'e> {
    /// Prepares `event` for its chain ([`chain_for`]).
    pub(crate) fn new(event: &'e AuditEvent) -> Result<Self> {
        let chain = chain_for(event);
        let chain_db = i32::try_from(chain).map_err(|_| Error::invalid("chain", "out of range"))?;
        Ok(Self {
            event,
            chain,
            chain_db,
            canonical: chain::canonical(event),
        })
    }

    /// Binds the chain and the canonical bytes, in [`append_ctes`]' order.
    pub(crate) fn bind<'q, O>(
        &'q self,
        q: QueryAs<'q, Postgres, O, PgArguments>,
    ) -> QueryAs<'q, Postgres, O, PgArguments> {
        q.bind(self.chain_db).bind(self.canonical.as_slice())
    }

    /// The stored entry, from `audit_head`'s `seq, prev_hash, hash` (all `None`: the chain
    /// has no head row). Fails — and the caller's transaction must roll back — unless the
    /// hash the database computed is the one verification will recompute.
    pub(crate) fn entry(
        &self,
        seq: Option<i64>,
        prev_hash: Option<String>,
        hash: Option<String>,
    ) -> Result<AuditEntry> {
        let (Some(seq), Some(prev_hash), Some(hash)) = (seq, prev_hash, hash) else {
            return Err(Error::Backend {
                message: format!(
                    "audit chain {} has no head row (are the migrations applied?)",
                    self.chain
                ),
                source: None,
            });
        };
        let seq = to_u64(seq, "audit seq")?;
        if chain::link_canonical(&prev_hash, self.chain, seq, &self.canonical) != hash {
            return Err(Error::Backend {
                message: "the database computed an audit hash that does not verify".into(),
                source: None,
            });
        }
        Ok(AuditEntry {
            chain: self.chain,
            seq,
            event: self.event.clone(),
            prev_hash,
            hash,
        })
    }
}

/// Appends `event` inside the caller's transaction. Call it last, right before `COMMIT`: the
/// chain's head stays locked until then.
pub(crate) async fn append(conn: &mut PgConnection, event: &AuditEvent) -> Result<AuditEntry> {
    let pending = Pending::new(event)?;
    let stored: Option<(i64, String, String)> = pending
        .bind(sqlx::query_as(&APPEND))
        .fetch_optional(&mut *conn)
        .await
        .db("append to the audit log")?;
    match stored {
        Some((seq, prev_hash, hash)) => pending.entry(Some(seq), Some(prev_hash), Some(hash)),
        None => pending.entry(None, None, None),
    }
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
