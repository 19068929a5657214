//! Medical records: immutable versions of structured clinical content, plus appended notes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{NoteId, PatientId, RecordId, UserId};

/// Severity of an allergy or intolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllergySeverity {
    /// Mild.
    Mild,
    /// Moderate.
    Moderate,
    /// Severe (e.g. anaphylaxis).
    Severe,
}

/// Clinical status of a diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosisStatus {
    /// Current.
    Active,
    /// Resolved.
    Resolved,
}

/// The structured content of one version of a record. The `kind` tag fixes the record's type
/// for its whole life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordContent {
    /// A diagnosis (ICD-10 code optional).
    Diagnosis {
        /// ICD-10 code, e.g. `"E11.9"`.
        code: Option<String>,
        /// Human-readable description.
        description: String,
        /// Active or resolved.
        status: DiagnosisStatus,
        /// Onset date.
        onset: Option<NaiveDate>,
    },
    /// A measurement (LOINC code optional).
    Observation {
        /// LOINC code, e.g. `"8480-6"`.
        code: Option<String>,
        /// What was measured, e.g. "Systolic blood pressure".
        name: String,
        /// The value (number, string or structured).
        value: serde_json::Value,
        /// Unit, e.g. `"mm[Hg]"`.
        unit: Option<String>,
        /// When it was measured.
        effective_at: Option<DateTime<Utc>>,
    },
    /// An allergy or intolerance; its `substance` feeds the interaction checker.
    Allergy {
        /// The substance, e.g. "penicillin".
        substance: String,
        /// The reaction, e.g. "hives".
        reaction: Option<String>,
        /// Severity.
        severity: AllergySeverity,
    },
    /// A clinical note.
    ClinicalNote {
        /// Title.
        title: String,
        /// Body text.
        text: String,
    },
    /// A reference to a document or file (e.g. an uploaded report).
    DocumentReference {
        /// Title.
        title: String,
        /// The stored file's id, if the document lives in MedSync's file store.
        file_id: Option<String>,
        /// MIME type.
        content_type: Option<String>,
        /// Free-text description.
        description: Option<String>,
    },
}

impl RecordContent {
    /// Every kind's wire name, in declaration order.
    pub const KINDS: [&'static str; 5] = [
        "diagnosis",
        "observation",
        "allergy",
        "clinical_note",
        "document_reference",
    ];

    /// The kind's wire name (`"diagnosis"`), one of [`RecordContent::KINDS`].
    pub fn kind(&self) -> &'static str {
        match self {
            RecordContent::Diagnosis { .. } => "diagnosis",
            RecordContent::Observation { .. } => "observation",
            RecordContent::Allergy { .. } => "allergy",
            RecordContent::ClinicalNote { .. } => "clinical_note",
            RecordContent::DocumentReference { .. } => "document_reference",
        }
    }
}

/// Why a version exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VersionChange {
    /// The first version.
    Created,
    /// An amendment of the previous version.
    Amended,
    /// A copy of an earlier version's content, made current again.
    Restored {
        /// The version restored.
        from: u64,
    },
}

/// A medical record's header: identity, chart and where its history stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedicalRecord {
    /// Id.
    pub id: RecordId,
    /// The chart it belongs to.
    pub patient_id: PatientId,
    /// The content kind (`RecordContent::kind`), fixed at creation.
    pub kind: String,
    /// The newest version number (1-based); doubles as the ETag.
    pub current_version: u64,
    /// Who created it.
    pub created_by: UserId,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Time of the newest version.
    pub updated_at: DateTime<Utc>,
}

/// One immutable version of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordVersion {
    /// The record.
    pub record_id: RecordId,
    /// Version number, 1-based, gap-free.
    pub version: u64,
    /// The content as of this version.
    pub content: RecordContent,
    /// Who wrote it.
    pub author: UserId,
    /// When.
    pub at: DateTime<Utc>,
    /// Why (required for amendments and restores).
    pub reason: Option<String>,
    /// How it came to be.
    pub change: VersionChange,
}

/// A note appended to a record (nurses and doctors); notes are never edited or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordNote {
    /// Id.
    pub id: NoteId,
    /// The record.
    pub record_id: RecordId,
    /// The chart (denormalised for listing).
    pub patient_id: PatientId,
    /// Author.
    pub author: UserId,
    /// When.
    pub at: DateTime<Utc>,
    /// Text.
    pub text: String,
}
