//! Prescriptions and drug-interaction findings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{PatientId, PrescriptionId, UserId};

/// A medication, by name and optionally by RxNorm concept id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Medication {
    /// Generic (preferred) or brand name, e.g. "warfarin".
    pub name: String,
    /// RxNorm concept id (RXCUI), e.g. `"11289"`.
    pub rxnorm: Option<String>,
}

/// Lifecycle of a prescription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrescriptionStatus {
    /// In force.
    Active,
    /// Course finished.
    Completed,
    /// Stopped.
    Cancelled,
}

/// How serious a known interaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Minor.
    Minor,
    /// Moderate.
    Moderate,
    /// Major.
    Major,
    /// Must not be combined (blocks the prescription unless overridden with a reason).
    Contraindicated,
}

/// What the checker knows about one pair (new drug × an active drug or an allergy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum InteractionResult {
    /// Both drugs are known to the checker and no interaction is recorded.
    NoKnownInteraction,
    /// A documented interaction.
    Interaction {
        /// How serious.
        severity: Severity,
        /// What happens, for the prescriber.
        description: String,
        /// Where the fact comes from.
        source: String,
    },
    /// The checker does not know this drug: it cannot vouch for safety.
    UnknownDrug {
        /// The drug it does not know.
        drug: String,
    },
}

/// One pair checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionFinding {
    /// The drug being prescribed.
    pub drug: String,
    /// What it was checked against: another drug's name, or `allergy:<substance>`.
    pub against: String,
    /// The answer.
    pub result: InteractionResult,
}

/// A prescription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prescription {
    /// Id.
    pub id: PrescriptionId,
    /// The chart.
    pub patient_id: PatientId,
    /// The prescribing doctor.
    pub prescriber: UserId,
    /// The medication.
    pub medication: Medication,
    /// Dose, e.g. "5 mg".
    pub dose: String,
    /// Route, e.g. "oral".
    pub route: String,
    /// Frequency, e.g. "once daily".
    pub frequency: String,
    /// Duration in days, if bounded.
    pub duration_days: Option<u32>,
    /// Quantity dispensed.
    pub quantity: u32,
    /// Refills allowed.
    pub refills: u32,
    /// Instructions for the patient.
    pub instructions: Option<String>,
    /// Lifecycle state.
    pub status: PrescriptionStatus,
    /// What the interaction check found at prescribing time.
    pub interactions: Vec<InteractionFinding>,
    /// The prescriber's reason for overriding a contraindication, if they did.
    pub override_reason: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version, starts at 1.
    pub version: u64,
}
