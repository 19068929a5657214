//! The clinical content of a record version, tagged by `kind`.

use chrono::{DateTime, NaiveDate, Utc};
use medsync_core::records::{AllergySeverity, DiagnosisStatus, RecordContent};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Severity of an allergy or intolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AllergySeverityDto {
    /// Mild.
    Mild,
    /// Moderate.
    Moderate,
    /// Severe (e.g. anaphylaxis).
    Severe,
}

/// Clinical status of a diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosisStatusDto {
    /// Current.
    Active,
    /// Resolved.
    Resolved,
}

/// The structured content of one version of a record, tagged by `kind` (fixed for the
/// record's whole life).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RecordContentDto {
    /// A diagnosis (ICD-10 code optional).
    Diagnosis {
        /// ICD-10 code, e.g. `E11.9`: 1 to 32 letters, digits, `.` or `-`.
        #[serde(default)]
        #[schema(pattern = r"^[A-Za-z0-9.-]{1,32}$", example = "E11.9")]
        code: Option<String>,
        /// Human-readable description, not blank (at most 2000 characters).
        #[schema(
            max_length = 2000,
            pattern = r"\S",
            example = "Type 2 diabetes mellitus"
        )]
        description: String,
        /// Active or resolved.
        status: DiagnosisStatusDto,
        /// Onset date.
        #[serde(default)]
        onset: Option<NaiveDate>,
    },
    /// A measurement (LOINC code optional).
    Observation {
        /// LOINC code, e.g. `8480-6`: 1 to 32 letters, digits, `.` or `-`.
        #[serde(default)]
        #[schema(pattern = r"^[A-Za-z0-9.-]{1,32}$", example = "8480-6")]
        code: Option<String>,
        /// What was measured, not blank (at most 200 characters).
        #[schema(max_length = 200, pattern = r"\S", example = "Systolic blood pressure")]
        name: String,
        /// The value (number, string or structured; not `null`), at most 20 000 bytes as JSON.
        value: serde_json::Value,
        /// Unit, e.g. `mm[Hg]`: when present, not blank (at most 32 characters).
        #[serde(default)]
        #[schema(max_length = 32, pattern = r"\S", example = "mm[Hg]")]
        unit: Option<String>,
        /// When it was measured.
        #[serde(default)]
        effective_at: Option<DateTime<Utc>>,
    },
    /// An allergy or intolerance (feeds the prescription interaction check).
    Allergy {
        /// The substance, e.g. `penicillin`: not blank (at most 200 characters).
        #[schema(max_length = 200, pattern = r"\S", example = "penicillin")]
        substance: String,
        /// The reaction, e.g. `hives`: when present, not blank (at most 500 characters).
        #[serde(default)]
        #[schema(max_length = 500, pattern = r"\S", example = "hives")]
        reaction: Option<String>,
        /// Severity.
        severity: AllergySeverityDto,
    },
    /// A clinical note.
    ClinicalNote {
        /// Title, not blank (at most 200 characters).
        #[schema(max_length = 200, pattern = r"\S")]
        title: String,
        /// Body text, not blank (at most 20 000 characters).
        #[schema(max_length = 20000, pattern = r"\S")]
        text: String,
    },
    /// A reference to a document, e.g. an uploaded report.
    DocumentReference {
        /// Title, not blank (at most 200 characters).
        #[schema(max_length = 200, pattern = r"\S")]
        title: String,
        /// The stored file's id, if the document lives in MedSync's file store: 1 to 255
        /// visible ASCII characters.
        #[serde(default)]
        #[schema(pattern = r"^[!-~]{1,255}$")]
        file_id: Option<String>,
        /// MIME type, `type/subtype` (at most 127 characters), e.g. `application/pdf`.
        #[serde(default)]
        #[schema(
            max_length = 127,
            pattern = r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$",
            example = "application/pdf"
        )]
        content_type: Option<String>,
        /// Free-text description: when present, not blank (at most 2000 characters).
        #[serde(default)]
        #[schema(max_length = 2000, pattern = r"\S")]
        description: Option<String>,
    },
}

impl From<RecordContent> for RecordContentDto {
    fn from(c: RecordContent) -> Self {
        match c {
            RecordContent::Diagnosis {
                code,
                description,
                status,
                onset,
            } => Self::Diagnosis {
                code,
                description,
                status: match status {
                    DiagnosisStatus::Active => DiagnosisStatusDto::Active,
                    DiagnosisStatus::Resolved => DiagnosisStatusDto::Resolved,
                },
                onset,
            },
            RecordContent::Observation {
                code,
                name,
                value,
                unit,
                effective_at,
            } => Self::Observation {
                code,
                name,
                value,
                unit,
                effective_at,
            },
            RecordContent::Allergy {
                substance,
                reaction,
                severity,
            } => Self::Allergy {
                substance,
                reaction,
                severity: match severity {
                    AllergySeverity::Mild => AllergySeverityDto::Mild,
                    AllergySeverity::Moderate => AllergySeverityDto::Moderate,
                    AllergySeverity::Severe => AllergySeverityDto::Severe,
                },
            },
            RecordContent::ClinicalNote { title, text } => Self::ClinicalNote { title, text },
            RecordContent::DocumentReference {
                title,
                file_id,
                content_type,
                description,
            } => Self::DocumentReference {
                title,
                file_id,
                content_type,
                description,
            },
        }
    }
}

impl From<RecordContentDto> for RecordContent {
    fn from(c: RecordContentDto) -> Self {
        match c {
            RecordContentDto::Diagnosis {
                code,
                description,
                status,
                onset,
            } => Self::Diagnosis {
                code,
                description,
                status: match status {
                    DiagnosisStatusDto::Active => DiagnosisStatus::Active,
                    DiagnosisStatusDto::Resolved => DiagnosisStatus::Resolved,
                },
                onset,
            },
            RecordContentDto::Observation {
                code,
                name,
                value,
                unit,
                effective_at,
            } => Self::Observation {
                code,
                name,
                value,
                unit,
                effective_at,
            },
            RecordContentDto::Allergy {
                substance,
                reaction,
                severity,
            } => Self::Allergy {
                substance,
                reaction,
                severity: match severity {
                    AllergySeverityDto::Mild => AllergySeverity::Mild,
                    AllergySeverityDto::Moderate => AllergySeverity::Moderate,
                    AllergySeverityDto::Severe => AllergySeverity::Severe,
                },
            },
            RecordContentDto::ClinicalNote { title, text } => Self::ClinicalNote { title, text },
            RecordContentDto::DocumentReference {
                title,
                file_id,
                content_type,
                description,
            } => Self::DocumentReference {
                title,
                file_id,
                content_type,
                description,
            },
        }
    }
}
