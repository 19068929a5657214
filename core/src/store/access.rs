use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::access::{BreakGlass, Grant};
use crate::audit::AuditEvent;
use crate::error::Result;
use crate::ids::{GrantId, PatientId, UserId};
use crate::policy::Relationships;

/// Care teams, delegation grants and break-glass sessions.
#[async_trait]
pub trait AccessStore: Send + Sync {
    /// Assigns `member` (a doctor or nurse) to the chart's care team, appending `audit`.
    /// Idempotent.
    async fn assign_care_team(
        &self,
        patient_id: PatientId,
        member: UserId,
        audit: &AuditEvent,
    ) -> Result<()>;

    /// Removes an assignment (appointments still count), appending `audit`. Idempotent.
    async fn unassign_care_team(
        &self,
        patient_id: PatientId,
        member: UserId,
        audit: &AuditEvent,
    ) -> Result<()>;

    /// Stores a grant with `audit`.
    async fn create_grant(&self, grant: &Grant, audit: &AuditEvent) -> Result<()>;

    /// Sets `revoked_at = now` on the grant unless already revoked, appending `audit`; returns
    /// the grant as stored. `NotFound` if absent.
    async fn revoke_grant(
        &self,
        id: GrantId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Grant>;

    /// The grant with this id.
    async fn grant(&self, id: GrantId) -> Result<Option<Grant>>;

    /// Every grant of the chart (any state), oldest first.
    async fn grants_for_patient(&self, patient_id: PatientId) -> Result<Vec<Grant>>;

    /// Stores a break-glass session with `audit`.
    async fn start_break_glass(&self, session: &BreakGlass, audit: &AuditEvent) -> Result<()>;

    /// The actor's relationships to the chart at `now`, in one consistent read:
    /// - `owner`: the chart's `user_id` is `actor`;
    /// - `care_team`: `actor` is assigned to the chart, or is the doctor of one of its
    ///   appointments that is confirmed, completed, no-show, or pending with a live hold;
    /// - `granted`: union of the actions of the grants to `actor` active at `now`;
    /// - `break_glass`: `actor` has a session on the chart with `expires_at > now`.
    async fn relationships(
        &self,
        actor: UserId,
        patient_id: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Relationships>;

    /// Charts `actor` has any relationship to at `now` (owner, care team, active grant, active
    /// break-glass), for listing.
    async fn related_patients(&self, actor: UserId, now: DateTime<Utc>) -> Result<Vec<PatientId>>;
}
