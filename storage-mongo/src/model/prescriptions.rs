//! Prescriptions.

use medsync_core::ids::{PatientId, PrescriptionId, UserId};
use medsync_core::prescriptions::{
    InteractionFinding, Medication, Prescription, PrescriptionStatus,
};
use serde::{Deserialize, Serialize};

use crate::convert::{bdate, bid, cdate, i64_of, u64_of, uid};

/// A prescription in `prescriptions`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PrescriptionDoc {
    #[serde(rename = "_id")]
    pub(crate) id: bson::Uuid,
    pub(crate) patient_id: bson::Uuid,
    pub(crate) prescriber: bson::Uuid,
    pub(crate) medication: Medication,
    pub(crate) dose: String,
    pub(crate) route: String,
    pub(crate) frequency: String,
    pub(crate) duration_days: Option<i64>,
    pub(crate) quantity: i64,
    pub(crate) refills: i64,
    pub(crate) instructions: Option<String>,
    pub(crate) status: PrescriptionStatus,
    /// Findings of the interaction check (strings and enums only).
    pub(crate) interactions: Vec<InteractionFinding>,
    pub(crate) override_reason: Option<String>,
    pub(crate) created_at: bson::DateTime,
    pub(crate) updated_at: bson::DateTime,
    pub(crate) version: i64,
}

/// A stored count back as `u32` (out-of-range values saturate).
fn count(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

impl From<&Prescription> for PrescriptionDoc {
    fn from(p: &Prescription) -> Self {
        Self {
            id: bid(p.id.0),
            patient_id: bid(p.patient_id.0),
            prescriber: bid(p.prescriber.0),
            medication: p.medication.clone(),
            dose: p.dose.clone(),
            route: p.route.clone(),
            frequency: p.frequency.clone(),
            duration_days: p.duration_days.map(i64::from),
            quantity: i64::from(p.quantity),
            refills: i64::from(p.refills),
            instructions: p.instructions.clone(),
            status: p.status,
            interactions: p.interactions.clone(),
            override_reason: p.override_reason.clone(),
            created_at: bdate(p.created_at),
            updated_at: bdate(p.updated_at),
            version: i64_of(p.version),
        }
    }
}

impl From<PrescriptionDoc> for Prescription {
    fn from(d: PrescriptionDoc) -> Self {
        Self {
            id: PrescriptionId(uid(d.id)),
            patient_id: PatientId(uid(d.patient_id)),
            prescriber: UserId(uid(d.prescriber)),
            medication: d.medication,
            dose: d.dose,
            route: d.route,
            frequency: d.frequency,
            duration_days: d.duration_days.map(count),
            quantity: count(d.quantity),
            refills: count(d.refills),
            instructions: d.instructions,
            status: d.status,
            interactions: d.interactions,
            override_reason: d.override_reason,
            created_at: cdate(d.created_at),
            updated_at: cdate(d.updated_at),
            version: u64_of(d.version),
        }
    }
}
