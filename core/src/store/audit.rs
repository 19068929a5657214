use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Page;
use crate::audit::{AuditEntry, AuditEvent};
use crate::error::Result;
use crate::ids::{PatientId, UserId};

/// Which audit entries to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this actor's.
    pub actor: Option<UserId>,
    /// Only entries about this chart.
    pub patient_id: Option<PatientId>,
    /// Only actions starting with this prefix (`"appointment."`).
    pub action_prefix: Option<String>,
    /// Only entries at or after.
    pub from: Option<DateTime<Utc>>,
    /// Only entries before.
    pub to: Option<DateTime<Utc>>,
}

/// The tamper-evident audit log.
///
/// Entries form hash chains: the store picks a chain for each entry (one chain, or several so
/// that unrelated writes never queue on one lock), assigns the next `seq` of that chain
/// (1, 2, 3 … without gaps) and links the entry to its predecessor with
/// [`crate::audit::chain::next_entry`], atomically with the append. Appends through the other
/// traits' `audit` parameters join the chains the same way.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends one event (for reads and refused or failed calls, which change nothing else).
    async fn append_audit(&self, event: &AuditEvent) -> Result<AuditEntry>;

    /// The ids of every chain that holds at least one entry, ascending.
    async fn audit_chains(&self) -> Result<Vec<u32>>;

    /// Up to `limit` entries of `chain` with `seq > after_seq`, in `seq` order (for
    /// verification).
    async fn audit_chain(&self, chain: u32, after_seq: u64, limit: u32) -> Result<Vec<AuditEntry>>;

    /// Entries matching `filter`, newest first (by event time, then event id).
    async fn query_audit(&self, filter: &AuditFilter, page: Page) -> Result<Vec<AuditEntry>>;
}
