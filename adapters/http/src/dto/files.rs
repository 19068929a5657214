//! Uploaded files (reports, scans).

use chrono::{DateTime, Utc};
use medsync_core::files::StoredFile;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Metadata of an uploaded file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FileDto {
    /// Id.
    pub id: Uuid,
    /// The chart it belongs to.
    pub patient_id: Uuid,
    /// The client's file name, sanitised (no path or control characters).
    pub filename: String,
    /// The type decided by content sniffing (`application/pdf`, `image/png`, `image/jpeg`,
    /// `application/dicom`), never the client's claim.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// Who uploaded it.
    pub uploaded_by: Uuid,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

impl From<StoredFile> for FileDto {
    fn from(f: StoredFile) -> Self {
        Self {
            id: f.id.0,
            patient_id: f.patient_id.0,
            filename: f.filename,
            content_type: f.kind.mime().to_owned(),
            size: f.size,
            sha256: f.sha256,
            uploaded_by: f.uploaded_by.0,
            uploaded_at: f.uploaded_at,
        }
    }
}

/// `multipart/form-data` upload to a chart (documentation of the form). Any other field,
/// or a field sent twice, answers 422.
#[derive(Debug, Clone, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadForm {
    /// The file: PDF, PNG, JPEG or DICOM, decided from its bytes.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// `multipart/form-data` upload naming the chart in a field (documentation of the form).
/// Any other field, or a field sent twice, answers 422.
#[derive(Debug, Clone, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordUploadForm {
    /// The chart's id.
    pub patient_id: Uuid,
    /// The file: PDF, PNG, JPEG or DICOM, decided from its bytes.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}
