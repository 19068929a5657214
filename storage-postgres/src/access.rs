//! Care teams (`care_team_assignments`), caregiver grants (`access_grants`) and break-glass
//! sessions (`break_glass_sessions`), and the relationship read the policy engine decides on.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::access::{BreakGlass, Grant};
use medsync_core::audit::AuditEvent;
use medsync_core::ids::{GrantId, PatientId, UserId};
use medsync_core::policy::{Action, Relationships};
use medsync_core::store::AccessStore;
use medsync_core::{Error, Result};
use uuid::Uuid;

use crate::convert::{parse_wire, wire};
use crate::errors::DbResultExt;
use crate::{audit, PostgresStore};

/// The columns of a [`GrantRow`], in order.
const GRANT_COLUMNS: &str =
    "id, patient_id, grantee, actions, granted_by, created_at, expires_at, revoked_at";

/// An `access_grants` row.
#[derive(sqlx::FromRow)]
struct GrantRow {
    id: Uuid,
    patient_id: Uuid,
    grantee: Uuid,
    actions: Vec<String>,
    granted_by: Uuid,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

/// The select-list computing the relationships of actor `$<actor>` to chart `$<patient>` at
/// `$<now>` as the columns of [`RelationshipsRow`].
pub(crate) fn relationship_columns(actor: usize, patient: usize, now: usize) -> String {
    let (treats, active_grant) = (treats(&format!("${now}")), active_grant(&format!("${now}")));
    format!(
        "EXISTS (SELECT 1 FROM patients WHERE id = ${patient} AND user_id = ${actor}) AS owner, \
         EXISTS (SELECT 1 FROM care_team_assignments \
                 WHERE patient_id = ${patient} AND member_id = ${actor}) \
         OR EXISTS (SELECT 1 FROM appointments \
                    WHERE patient_id = ${patient} AND doctor_id = ${actor} AND {treats}) \
           AS care_team, \
         ARRAY(SELECT DISTINCT a FROM access_grants g, unnest(g.actions) AS a \
               WHERE g.patient_id = ${patient} AND g.grantee = ${actor} AND {active_grant} \
               ORDER BY a) AS granted, \
         EXISTS (SELECT 1 FROM break_glass_sessions \
                 WHERE actor = ${actor} AND patient_id = ${patient} AND expires_at > ${now}) \
           AS break_glass"
    )
}

/// The columns of [`relationship_columns`].
#[derive(sqlx::FromRow)]
pub(crate) struct RelationshipsRow {
    owner: bool,
    care_team: bool,
    granted: Vec<String>,
    break_glass: bool,
}

impl RelationshipsRow {
    pub(crate) fn into_relationships(self) -> Result<Relationships> {
        Ok(Relationships {
            owner: self.owner,
            care_team: self.care_team,
            granted: actions(&self.granted)?,
            break_glass: self.break_glass,
        })
    }
}

fn actions(names: &[String]) -> Result<BTreeSet<Action>> {
    names
        .iter()
        .map(|a| parse_wire(a, "granted action"))
        .collect()
}

impl GrantRow {
    fn into_grant(self) -> Result<Grant> {
        Ok(Grant {
            id: GrantId(self.id),
            patient_id: PatientId(self.patient_id),
            grantee: UserId(self.grantee),
            actions: actions(&self.actions)?,
            granted_by: UserId(self.granted_by),
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

/// "The actor is the doctor of an appointment that makes them part of the care team":
/// confirmed, completed, no-show, or pending with a hold live at `now` (a placeholder).
fn treats(now: &str) -> String {
    format!(
        "(status IN ('confirmed', 'completed', 'no_show') \
          OR (status = 'pending' AND hold_expires_at > {now}))"
    )
}

/// A grant active at `now` (a placeholder).
fn active_grant(now: &str) -> String {
    format!("revoked_at IS NULL AND (expires_at IS NULL OR expires_at > {now})")
}

#[async_trait]
impl AccessStore for PostgresStore {
    async fn assign_care_team(
        &self,
        patient_id: PatientId,
        member: UserId,
        audit: &AuditEvent,
    ) -> Result<()> {
        const WHAT: &str = "assign the care team";
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO care_team_assignments (patient_id, member_id, assigned_at) \
             VALUES ($1, $2, $3) ON CONFLICT ON CONSTRAINT care_team_assignments_pkey DO NOTHING",
        )
        .bind(patient_id.0)
        .bind(member.0)
        .bind(audit.at)
        .execute(&mut *tx)
        .await
        .db(WHAT)?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)
    }

    async fn unassign_care_team(
        &self,
        patient_id: PatientId,
        member: UserId,
        audit: &AuditEvent,
    ) -> Result<()> {
        const WHAT: &str = "unassign the care team";
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM care_team_assignments WHERE patient_id = $1 AND member_id = $2")
            .bind(patient_id.0)
            .bind(member.0)
            .execute(&mut *tx)
            .await
            .db(WHAT)?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)
    }

    async fn create_grant(&self, grant: &Grant, audit: &AuditEvent) -> Result<()> {
        const WHAT: &str = "create the grant";
        let names = grant.actions.iter().map(wire).collect::<Result<Vec<_>>>()?;
        let mut tx = self.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO access_grants ({GRANT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(grant.id.0)
        .bind(grant.patient_id.0)
        .bind(grant.grantee.0)
        .bind(names)
        .bind(grant.granted_by.0)
        .bind(grant.created_at)
        .bind(grant.expires_at)
        .bind(grant.revoked_at)
        .execute(&mut *tx)
        .await
        .db(WHAT)?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)
    }

    async fn revoke_grant(
        &self,
        id: GrantId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Grant> {
        const WHAT: &str = "revoke the grant";
        let mut tx = self.begin().await?;
        let row: Option<GrantRow> = sqlx::query_as(&format!(
            "UPDATE access_grants SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 \
             RETURNING {GRANT_COLUMNS}"
        ))
        .bind(id.0)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .db(WHAT)?;
        let grant = row
            .ok_or_else(|| Error::not_found("grant", id))?
            .into_grant()?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)?;
        Ok(grant)
    }

    async fn grant(&self, id: GrantId) -> Result<Option<Grant>> {
        let row: Option<GrantRow> = sqlx::query_as(&format!(
            "SELECT {GRANT_COLUMNS} FROM access_grants WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .db("read a grant")?;
        row.map(GrantRow::into_grant).transpose()
    }

    async fn grants_for_patient(&self, patient_id: PatientId) -> Result<Vec<Grant>> {
        let rows: Vec<GrantRow> = sqlx::query_as(&format!(
            "SELECT {GRANT_COLUMNS} FROM access_grants WHERE patient_id = $1 \
             ORDER BY created_at, id"
        ))
        .bind(patient_id.0)
        .fetch_all(&self.pool)
        .await
        .db("list grants")?;
        rows.into_iter().map(GrantRow::into_grant).collect()
    }

    async fn start_break_glass(&self, session: &BreakGlass, audit: &AuditEvent) -> Result<()> {
        const WHAT: &str = "start break-glass access";
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO break_glass_sessions \
             (id, actor, patient_id, reason, started_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(session.id.0)
        .bind(session.actor.0)
        .bind(session.patient_id.0)
        .bind(&session.reason)
        .bind(session.started_at)
        .bind(session.expires_at)
        .execute(&mut *tx)
        .await
        .db(WHAT)?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)
    }

    async fn relationships(
        &self,
        actor: UserId,
        patient_id: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Relationships> {
        // One statement, hence one snapshot.
        static RELATIONSHIPS: LazyLock<String> =
            LazyLock::new(|| format!("SELECT {}", relationship_columns(1, 2, 3)));
        let row: RelationshipsRow = sqlx::query_as(&RELATIONSHIPS)
            .bind(actor.0)
            .bind(patient_id.0)
            .bind(now)
            .fetch_one(&self.pool)
            .await
            .db("read the actor's relationships")?;
        row.into_relationships()
    }

    async fn related_patients(&self, actor: UserId, now: DateTime<Utc>) -> Result<Vec<PatientId>> {
        let (treats, active_grant) = (treats("$2"), active_grant("$2"));
        let ids: Vec<Uuid> = sqlx::query_scalar(&format!(
            "SELECT id FROM patients WHERE user_id = $1 \
             UNION SELECT patient_id FROM care_team_assignments WHERE member_id = $1 \
             UNION SELECT patient_id FROM appointments WHERE doctor_id = $1 AND {treats} \
             UNION SELECT patient_id FROM access_grants WHERE grantee = $1 AND {active_grant} \
             UNION SELECT patient_id FROM break_glass_sessions \
                   WHERE actor = $1 AND expires_at > $2 \
             ORDER BY 1"
        ))
        .bind(actor.0)
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .db("list related charts")?;
        Ok(ids.into_iter().map(PatientId).collect())
    }
}
