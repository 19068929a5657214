//! Audit events and chained entries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::identity::Role;
use crate::ids::{AuditId, PatientId, UserId};

/// How an audited call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The policy allowed it and it succeeded.
    Allowed,
    /// The policy (or authentication) refused it.
    Denied,
    /// It was allowed but failed (conflict, invalid state, backend error).
    Failed,
}

/// What happened, before it is chained into the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Id.
    pub id: AuditId,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (absent for anonymous calls such as a failed login for an unknown email).
    pub actor: Option<UserId>,
    /// The actor's role.
    pub actor_role: Option<Role>,
    /// Dotted action name, e.g. `"appointment.book"`, `"auth.login"`.
    pub action: String,
    /// Kind of resource, e.g. `"appointment"`.
    pub resource_kind: String,
    /// The resource's id, when there is one.
    pub resource_id: Option<String>,
    /// The chart concerned, when there is one.
    pub patient_id: Option<PatientId>,
    /// How it ended.
    pub outcome: Outcome,
    /// Free text without secrets: the deciding rule, the error, a break-glass reason.
    pub detail: Option<String>,
}

/// An event as stored: numbered and hash-chained to its predecessor in its chain.
///
/// A backend may spread entries over several independent chains (so that unrelated writes
/// never wait on one global lock); the memory backend uses the single chain 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Which chain the entry belongs to.
    pub chain: u32,
    /// Position in its chain, 1-based, gap-free.
    pub seq: u64,
    /// The event.
    pub event: AuditEvent,
    /// `hash` of the entry at `seq - 1` of the same chain (64 zeros for the first entry).
    pub prev_hash: String,
    /// `sha256(prev_hash, chain, seq, canonical event)` as lower-case hex; see [`super::chain`].
    pub hash: String,
}
