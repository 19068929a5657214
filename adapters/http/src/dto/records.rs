//! Medical records (EMR): content, versions, diffs and notes.

use chrono::{DateTime, Utc};
use medsync_core::records::{
    MedicalRecord, PatchOperation, RecordNote, RecordVersion, VersionChange,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

pub use super::record_content::{AllergySeverityDto, DiagnosisStatusDto, RecordContentDto};

/// A new record: the content (tagged by `kind`) plus an optional `reason`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CreateRecordBody {
    /// The first version's content.
    #[serde(flatten)]
    pub content: RecordContentDto,
    /// Why the record is created (at most 1000 characters after trimming; blank counts as
    /// absent).
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// An amendment: the new content (same `kind`) and why.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendRecordBody {
    /// The new version's content.
    pub content: RecordContentDto,
    /// Why: 1 to 1000 characters after trimming.
    #[schema(max_length = 1000, pattern = r"\S", example = "corrected the dose")]
    pub reason: String,
}

/// Makes an earlier version current again.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreBody {
    /// The version whose content becomes current (an earlier one: not the current version).
    #[schema(minimum = 1, example = 1)]
    pub version: u64,
    /// Why: 1 to 1000 characters after trimming.
    #[schema(max_length = 1000, pattern = r"\S", example = "amended in error")]
    pub reason: String,
}

/// A note on a record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// 1 to 5000 characters after trimming.
    #[schema(
        max_length = 5000,
        pattern = r"\S",
        example = "Patient reports improvement."
    )]
    pub text: String,
}

/// A record's header.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordHeaderDto {
    /// Id.
    pub id: Uuid,
    /// The chart.
    pub patient_id: Uuid,
    /// The content kind, fixed at creation.
    pub kind: String,
    /// The newest version (also the `ETag`).
    pub current_version: u64,
    /// Who created it.
    pub created_by: Uuid,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Time of the newest version.
    pub updated_at: DateTime<Utc>,
}

impl From<MedicalRecord> for RecordHeaderDto {
    fn from(r: MedicalRecord) -> Self {
        Self {
            id: r.id.0,
            patient_id: r.patient_id.0,
            kind: r.kind,
            current_version: r.current_version,
            created_by: r.created_by.0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Why a version exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VersionChangeDto {
    /// The first version.
    Created,
    /// An amendment of the previous version.
    Amended,
    /// A copy of an earlier version's content.
    Restored {
        /// The version restored.
        from: u64,
    },
}

impl From<VersionChange> for VersionChangeDto {
    fn from(c: VersionChange) -> Self {
        match c {
            VersionChange::Created => Self::Created,
            VersionChange::Amended => Self::Amended,
            VersionChange::Restored { from } => Self::Restored { from },
        }
    }
}

/// One immutable version of a record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordVersionDto {
    /// The record.
    pub record_id: Uuid,
    /// Version number, 1-based.
    pub version: u64,
    /// The content as of this version.
    pub content: RecordContentDto,
    /// Who wrote it.
    pub author: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// Why.
    pub reason: Option<String>,
    /// How it came to be.
    pub change: VersionChangeDto,
}

impl From<RecordVersion> for RecordVersionDto {
    fn from(v: RecordVersion) -> Self {
        Self {
            record_id: v.record_id.0,
            version: v.version,
            content: v.content.into(),
            author: v.author.0,
            at: v.at,
            reason: v.reason,
            change: v.change.into(),
        }
    }
}

/// A record with its current version.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordDto {
    /// The header.
    pub record: RecordHeaderDto,
    /// The current version.
    pub current: RecordVersionDto,
}

impl From<(MedicalRecord, RecordVersion)> for RecordDto {
    fn from((record, current): (MedicalRecord, RecordVersion)) -> Self {
        Self {
            record: record.into(),
            current: current.into(),
        }
    }
}

/// One RFC 6902 JSON Patch operation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PatchOperationDto {
    /// `add`, `remove` or `replace`.
    pub op: String,
    /// RFC 6901 JSON Pointer to the target, e.g. `/description`.
    pub path: String,
    /// The new value (`add`, `replace`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// The source location (`move`, `copy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

impl From<PatchOperation> for PatchOperationDto {
    fn from(p: PatchOperation) -> Self {
        Self {
            op: p.op,
            path: p.path,
            value: p.value,
            from: p.from,
        }
    }
}

/// A note appended to a record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoteDto {
    /// Id.
    pub id: Uuid,
    /// The record.
    pub record_id: Uuid,
    /// The chart.
    pub patient_id: Uuid,
    /// Author.
    pub author: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// Text.
    pub text: String,
}

impl From<RecordNote> for NoteDto {
    fn from(n: RecordNote) -> Self {
        Self {
            id: n.id.0,
            record_id: n.record_id.0,
            patient_id: n.patient_id.0,
            author: n.author.0,
            at: n.at,
            text: n.text,
        }
    }
}

/// Filter of a chart's record list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordListQuery {
    /// Only records of this kind (`diagnosis`, `observation`, `allergy`, `clinical_note`,
    /// `document_reference`).
    #[param(
        pattern = r"^(diagnosis|observation|allergy|clinical_note|document_reference)$",
        example = "diagnosis"
    )]
    pub kind: Option<String>,
}

/// The two versions to compare.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The version to start from (versions are numbered from 1).
    #[param(minimum = 1, example = 1)]
    pub from: u64,
    /// The version to arrive at.
    #[param(minimum = 1, example = 2)]
    pub to: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::parse_json;

    #[test]
    fn create_body_is_content_plus_reason() {
        let b: CreateRecordBody = parse_json(
            br#"{"kind":"diagnosis","description":"Asthma","status":"active","reason":"visit"}"#,
        )
        .unwrap();
        assert_eq!(b.reason.as_deref(), Some("visit"));
        assert!(matches!(b.content, RecordContentDto::Diagnosis { .. }));
        let e = parse_json::<CreateRecordBody>(
            br#"{"kind":"diagnosis","description":"Asthma","status":"active","admin":1}"#,
        )
        .unwrap_err();
        assert_eq!(fields(e), ["admin"]);
        let e = parse_json::<CreateRecordBody>(br#"{"kind":"diagnosis","status":"active"}"#)
            .unwrap_err();
        assert_eq!(fields(e), ["description"]);
        let e = parse_json::<CreateRecordBody>(br#"{"kind":"x-ray","title":"t"}"#).unwrap_err();
        assert_eq!(e.status(), axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    }

    fn fields(e: crate::error::ApiError) -> Vec<String> {
        e.problem().errors.into_iter().map(|f| f.field).collect()
    }
}
