//! Prescriptions: [`PrescriptionStore`] over `prescriptions`, updated only by
//! compare-and-set on `version`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::audit::AuditEvent;
use medsync_core::ids::{PatientId, PrescriptionId, UserId};
use medsync_core::prescriptions::{Medication, Prescription, PrescriptionStatus};
use medsync_core::store::PrescriptionStore;
use medsync_core::{Error, Result};
use uuid::Uuid;

use crate::convert::{from_json, parse_wire, to_i64, to_json, to_u32, to_u64, u32_to_i64, wire};
use crate::errors::{map, violated_constraint, DbResultExt};
use crate::users::cas_miss;
use crate::{audit, PostgresStore};

/// The columns of a [`PrescriptionRow`], in order.
const COLUMNS: &str = "id, patient_id, prescriber, medication_name, medication_rxnorm, dose, \
     route, frequency, duration_days, quantity, refills, instructions, status, interactions, \
     override_reason, created_at, updated_at, version";

/// A `prescriptions` row.
#[derive(sqlx::FromRow)]
struct PrescriptionRow {
    id: Uuid,
    patient_id: Uuid,
    prescriber: Uuid,
    medication_name: String,
    medication_rxnorm: Option<String>,
    dose: String,
    route: String,
    frequency: String,
    duration_days: Option<i64>,
    quantity: i64,
    refills: i64,
    instructions: Option<String>,
    status: String,
    interactions: serde_json::Value,
    override_reason: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

impl PrescriptionRow {
    fn into_prescription(self) -> Result<Prescription> {
        Ok(Prescription {
            id: PrescriptionId(self.id),
            patient_id: PatientId(self.patient_id),
            prescriber: UserId(self.prescriber),
            medication: Medication {
                name: self.medication_name,
                rxnorm: self.medication_rxnorm,
            },
            dose: self.dose,
            route: self.route,
            frequency: self.frequency,
            duration_days: self
                .duration_days
                .map(|d| to_u32(d, "prescription duration"))
                .transpose()?,
            quantity: to_u32(self.quantity, "prescription quantity")?,
            refills: to_u32(self.refills, "prescription refills")?,
            instructions: self.instructions,
            status: parse_wire(&self.status, "prescription status")?,
            interactions: from_json(self.interactions, "interaction findings")?,
            override_reason: self.override_reason,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: to_u64(self.version, "prescription version")?,
        })
    }
}

#[async_trait]
impl PrescriptionStore for PostgresStore {
    async fn create_prescription(&self, p: &Prescription, audit: &AuditEvent) -> Result<()> {
        const WHAT: &str = "create the prescription";
        let mut tx = self.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO prescriptions ({COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 1)"
        ))
        .bind(p.id.0)
        .bind(p.patient_id.0)
        .bind(p.prescriber.0)
        .bind(&p.medication.name)
        .bind(&p.medication.rxnorm)
        .bind(&p.dose)
        .bind(&p.route)
        .bind(&p.frequency)
        .bind(p.duration_days.map(u32_to_i64))
        .bind(u32_to_i64(p.quantity))
        .bind(u32_to_i64(p.refills))
        .bind(&p.instructions)
        .bind(wire(&p.status)?)
        .bind(to_json(&p.interactions)?)
        .bind(&p.override_reason)
        .bind(p.created_at)
        .bind(p.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| match violated_constraint(&e) {
            Some("prescriptions_patient_id_fkey") => Error::not_found("patient", p.patient_id),
            _ => map(e, WHAT),
        })?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)
    }

    async fn prescription(&self, id: PrescriptionId) -> Result<Option<Prescription>> {
        let row: Option<PrescriptionRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM prescriptions WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .db("read a prescription")?;
        row.map(PrescriptionRow::into_prescription).transpose()
    }

    async fn prescriptions_for_patient(
        &self,
        patient_id: PatientId,
        status: Option<PrescriptionStatus>,
    ) -> Result<Vec<Prescription>> {
        let status = status.map(|s| wire(&s)).transpose()?;
        let rows: Vec<PrescriptionRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM prescriptions \
             WHERE patient_id = $1 AND ($2::text IS NULL OR status = $2) \
             ORDER BY created_at DESC, id DESC"
        ))
        .bind(patient_id.0)
        .bind(status)
        .fetch_all(&self.pool)
        .await
        .db("list the chart's prescriptions")?;
        rows.into_iter()
            .map(PrescriptionRow::into_prescription)
            .collect()
    }

    async fn update_prescription(
        &self,
        p: &Prescription,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()> {
        const WHAT: &str = "update the prescription";
        let expected = to_i64(expected_version, "version")?;
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE prescriptions SET patient_id = $2, prescriber = $3, medication_name = $4, \
             medication_rxnorm = $5, dose = $6, route = $7, frequency = $8, duration_days = $9, \
             quantity = $10, refills = $11, instructions = $12, status = $13, \
             interactions = $14, override_reason = $15, created_at = $16, updated_at = $17, \
             version = $18 + 1 \
             WHERE id = $1 AND version = $18",
        )
        .bind(p.id.0)
        .bind(p.patient_id.0)
        .bind(p.prescriber.0)
        .bind(&p.medication.name)
        .bind(&p.medication.rxnorm)
        .bind(&p.dose)
        .bind(&p.route)
        .bind(&p.frequency)
        .bind(p.duration_days.map(u32_to_i64))
        .bind(u32_to_i64(p.quantity))
        .bind(u32_to_i64(p.refills))
        .bind(&p.instructions)
        .bind(wire(&p.status)?)
        .bind(to_json(&p.interactions)?)
        .bind(&p.override_reason)
        .bind(p.created_at)
        .bind(p.updated_at)
        .bind(expected)
        .execute(&mut *tx)
        .await
        .db(WHAT)?;
        if done.rows_affected() == 0 {
            return Err(cas_miss(
                &mut tx,
                "prescriptions",
                "prescription",
                p.id.0,
                expected_version,
            )
            .await);
        }
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)
    }
}
