//! Prescriptions and drug-interaction findings.

use chrono::{DateTime, Utc};
use medsync_core::prescriptions::{
    InteractionFinding, InteractionResult, Medication, Prescription, PrescriptionRequest,
    PrescriptionStatus, Severity,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A medication, by name and optionally by RxNorm concept id.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedicationDto {
    /// Generic (preferred) or brand name, e.g. `warfarin`: 1 to 200 characters after
    /// trimming, no control characters.
    #[schema(
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$",
        example = "warfarin"
    )]
    pub name: String,
    /// RxNorm concept id (RXCUI), 1–12 digits (blank counts as absent).
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{1,12}$", example = "11289")]
    pub rxnorm: Option<String>,
}

impl From<Medication> for MedicationDto {
    fn from(m: Medication) -> Self {
        Self {
            name: m.name,
            rxnorm: m.rxnorm,
        }
    }
}

impl From<MedicationDto> for Medication {
    fn from(m: MedicationDto) -> Self {
        Self {
            name: m.name,
            rxnorm: m.rxnorm,
        }
    }
}

/// A request to prescribe.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrescriptionRequestDto {
    /// The medication.
    pub medication: MedicationDto,
    /// Dose, e.g. `5 mg`: 1 to 100 characters after trimming.
    #[schema(max_length = 100, pattern = r"\S", example = "5 mg")]
    pub dose: String,
    /// Route, e.g. `oral`: 1 to 100 characters after trimming.
    #[schema(max_length = 100, pattern = r"\S", example = "oral")]
    pub route: String,
    /// Frequency, e.g. `once daily`: 1 to 100 characters after trimming.
    #[schema(max_length = 100, pattern = r"\S", example = "once daily")]
    pub frequency: String,
    /// Course length in days (1–365), if bounded.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 365)]
    pub duration_days: Option<u32>,
    /// Units dispensed (1–10000).
    #[schema(minimum = 1, maximum = 10000, example = 30)]
    pub quantity: u32,
    /// Refills allowed (0–12).
    #[serde(default)]
    #[schema(maximum = 12)]
    pub refills: u32,
    /// Instructions for the patient (at most 2000 characters after trimming; blank counts as
    /// absent).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub instructions: Option<String>,
    /// Why a contraindication is overridden: 10 to 2000 characters after trimming (blank
    /// counts as absent). Without it a contraindicated finding refuses the prescription
    /// (409).
    #[serde(default)]
    #[schema(min_length = 10, max_length = 2000, pattern = r"\S[\s\S]{8,}\S")]
    pub override_reason: Option<String>,
}

impl From<PrescriptionRequestDto> for PrescriptionRequest {
    fn from(r: PrescriptionRequestDto) -> Self {
        Self {
            medication: r.medication.into(),
            dose: r.dose,
            route: r.route,
            frequency: r.frequency,
            duration_days: r.duration_days,
            quantity: r.quantity,
            refills: r.refills,
            instructions: r.instructions,
            override_reason: r.override_reason,
        }
    }
}

/// A dry-run interaction check.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    /// The medication to check against the chart.
    pub medication: MedicationDto,
}

/// Why a prescription is cancelled.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelPrescriptionBody {
    /// At most 500 characters after trimming (blank counts as absent).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Lifecycle of a prescription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrescriptionStatusDto {
    /// In force.
    Active,
    /// Course finished.
    Completed,
    /// Stopped.
    Cancelled,
}

impl From<PrescriptionStatus> for PrescriptionStatusDto {
    fn from(s: PrescriptionStatus) -> Self {
        match s {
            PrescriptionStatus::Active => Self::Active,
            PrescriptionStatus::Completed => Self::Completed,
            PrescriptionStatus::Cancelled => Self::Cancelled,
        }
    }
}

impl From<PrescriptionStatusDto> for PrescriptionStatus {
    fn from(s: PrescriptionStatusDto) -> Self {
        match s {
            PrescriptionStatusDto::Active => Self::Active,
            PrescriptionStatusDto::Completed => Self::Completed,
            PrescriptionStatusDto::Cancelled => Self::Cancelled,
        }
    }
}

/// How serious a known interaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeverityDto {
    /// Minor.
    Minor,
    /// Moderate.
    Moderate,
    /// Major.
    Major,
    /// Must not be combined without an override reason.
    Contraindicated,
}

impl From<Severity> for SeverityDto {
    fn from(s: Severity) -> Self {
        match s {
            Severity::Minor => Self::Minor,
            Severity::Moderate => Self::Moderate,
            Severity::Major => Self::Major,
            Severity::Contraindicated => Self::Contraindicated,
        }
    }
}

/// What the checker answered for one pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingResultDto {
    /// Both drugs are known and no interaction is recorded.
    NoKnownInteraction,
    /// A documented interaction (see `severity`, `description`, `source`).
    Interaction,
    /// The checker does not know a drug (`unknown_drug`): it cannot vouch for safety.
    UnknownDrug,
}

/// One pair checked: the new drug against an active drug or an allergy.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FindingDto {
    /// The drug being prescribed.
    pub drug: String,
    /// Another drug's name, or `allergy:<substance>`.
    pub against: String,
    /// The answer.
    pub result: FindingResultDto,
    /// For an interaction: how serious.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<SeverityDto>,
    /// For an interaction: what happens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// For an interaction: where the fact comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// For an unknown drug: which one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_drug: Option<String>,
}

impl From<InteractionFinding> for FindingDto {
    fn from(f: InteractionFinding) -> Self {
        let mut dto = Self {
            drug: f.drug,
            against: f.against,
            result: FindingResultDto::NoKnownInteraction,
            severity: None,
            description: None,
            source: None,
            unknown_drug: None,
        };
        match f.result {
            InteractionResult::NoKnownInteraction => {}
            InteractionResult::Interaction {
                severity,
                description,
                source,
            } => {
                dto.result = FindingResultDto::Interaction;
                dto.severity = Some(severity.into());
                dto.description = Some(description);
                dto.source = Some(source);
            }
            InteractionResult::UnknownDrug { drug } => {
                dto.result = FindingResultDto::UnknownDrug;
                dto.unknown_drug = Some(drug);
            }
        }
        dto
    }
}

/// A prescription.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PrescriptionDto {
    /// Id.
    pub id: Uuid,
    /// The chart.
    pub patient_id: Uuid,
    /// The prescribing doctor.
    pub prescriber: Uuid,
    /// The medication.
    pub medication: MedicationDto,
    /// Dose.
    pub dose: String,
    /// Route.
    pub route: String,
    /// Frequency.
    pub frequency: String,
    /// Course length in days.
    pub duration_days: Option<u32>,
    /// Units dispensed.
    pub quantity: u32,
    /// Refills allowed.
    pub refills: u32,
    /// Instructions for the patient.
    pub instructions: Option<String>,
    /// Lifecycle state.
    pub status: PrescriptionStatusDto,
    /// What the interaction check found at prescribing time.
    pub interactions: Vec<FindingDto>,
    /// The reason a contraindication was overridden, if one was.
    pub override_reason: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Version (also the `ETag`).
    pub version: u64,
}

impl From<Prescription> for PrescriptionDto {
    fn from(p: Prescription) -> Self {
        Self {
            id: p.id.0,
            patient_id: p.patient_id.0,
            prescriber: p.prescriber.0,
            medication: p.medication.into(),
            dose: p.dose,
            route: p.route,
            frequency: p.frequency,
            duration_days: p.duration_days,
            quantity: p.quantity,
            refills: p.refills,
            instructions: p.instructions,
            status: p.status.into(),
            interactions: p.interactions.into_iter().map(Into::into).collect(),
            override_reason: p.override_reason,
            created_at: p.created_at,
            updated_at: p.updated_at,
            version: p.version,
        }
    }
}

/// Filter of a chart's prescriptions.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PrescriptionListQuery {
    /// Only prescriptions in this state.
    pub status: Option<PrescriptionStatusDto>,
}
