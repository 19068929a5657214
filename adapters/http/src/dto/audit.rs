//! The audit trail.

use chrono::{DateTime, Utc};
use medsync_core::audit::{AuditEntry, ChainReport, Outcome, VerifyReport};
use medsync_core::ids::{PatientId, UserId};
use medsync_core::store::AuditFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::users::RoleDto;

/// How an audited call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeDto {
    /// Allowed and succeeded.
    Allowed,
    /// Refused.
    Denied,
    /// Allowed but failed.
    Failed,
}

impl From<Outcome> for OutcomeDto {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Allowed => Self::Allowed,
            Outcome::Denied => Self::Denied,
            Outcome::Failed => Self::Failed,
        }
    }
}

/// One entry of the hash-chained audit log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryDto {
    /// The chain.
    pub chain: u32,
    /// Position in the chain.
    pub seq: u64,
    /// Event id.
    pub id: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (absent for anonymous calls).
    pub actor: Option<Uuid>,
    /// The actor's role.
    pub actor_role: Option<RoleDto>,
    /// Dotted action name, e.g. `appointment.book`.
    pub action: String,
    /// Kind of resource.
    pub resource_kind: String,
    /// The resource's id.
    pub resource_id: Option<String>,
    /// The chart concerned.
    pub patient_id: Option<Uuid>,
    /// How it ended.
    pub outcome: OutcomeDto,
    /// Detail (never secrets).
    pub detail: Option<String>,
    /// Hash of the previous entry of the chain.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

impl From<AuditEntry> for AuditEntryDto {
    fn from(e: AuditEntry) -> Self {
        let ev = e.event;
        Self {
            chain: e.chain,
            seq: e.seq,
            id: ev.id.0,
            at: ev.at,
            actor: ev.actor.map(|a| a.0),
            actor_role: ev.actor_role.map(Into::into),
            action: ev.action,
            resource_kind: ev.resource_kind,
            resource_id: ev.resource_id,
            patient_id: ev.patient_id.map(|p| p.0),
            outcome: ev.outcome.into(),
            detail: ev.detail,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// Filters of the audit log.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this actor's entries.
    pub actor: Option<Uuid>,
    /// Only entries about this chart.
    pub patient_id: Option<Uuid>,
    /// Only actions starting with this prefix (`appointment.`).
    pub action: Option<String>,
    /// Only entries at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only entries before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Rows to skip (default 0).
    pub offset: Option<u64>,
    /// Page size (default 50); larger values are treated as 500, and 0 as 1.
    pub limit: Option<u32>,
}

impl AuditQuery {
    /// The store's filter.
    pub fn filter(&self) -> AuditFilter {
        AuditFilter {
            actor: self.actor.map(UserId),
            patient_id: self.patient_id.map(PatientId),
            action_prefix: self.action.clone(),
            from: self.from,
            to: self.to,
        }
    }
}

/// The result of verifying one chain.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChainReportDto {
    /// The chain.
    pub chain: u32,
    /// Whether every entry checked out.
    pub ok: bool,
    /// Entries checked.
    pub entries_checked: u64,
    /// Hash of the last entry (anchor it elsewhere to detect truncation).
    pub head_hash: String,
    /// The first bad entry.
    pub first_bad_seq: Option<u64>,
    /// What is wrong with it.
    pub problem: Option<String>,
}

/// The result of verifying the whole audit log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VerifyReportDto {
    /// Whether every chain checked out.
    pub ok: bool,
    /// Entries checked in all.
    pub entries_checked: u64,
    /// Per chain.
    pub chains: Vec<ChainReportDto>,
}

impl From<VerifyReport> for VerifyReportDto {
    fn from(r: VerifyReport) -> Self {
        Self {
            ok: r.ok,
            entries_checked: r.entries_checked,
            chains: r.chains.into_iter().map(ChainReportDto::from).collect(),
        }
    }
}

impl From<ChainReport> for ChainReportDto {
    fn from(c: ChainReport) -> Self {
        Self {
            chain: c.chain,
            ok: c.ok,
            entries_checked: c.entries_checked,
            head_hash: c.head_hash,
            first_bad_seq: c.first_bad_seq,
            problem: c.problem,
        }
    }
}
