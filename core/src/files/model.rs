use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{FileId, PatientId, UserId};

/// The file types MedSync accepts, decided from the bytes, never from the client's claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// `application/pdf`.
    Pdf,
    /// `image/png`.
    Png,
    /// `image/jpeg`.
    Jpeg,
    /// `application/dicom` (Part 10 file with the `DICM` preamble).
    Dicom,
}

impl FileKind {
    /// The MIME type served with the file.
    pub fn mime(&self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Dicom => "application/dicom",
        }
    }
}

/// Metadata of an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    /// Id.
    pub id: FileId,
    /// The chart it belongs to.
    pub patient_id: PatientId,
    /// The client's file name, sanitised (no path separators or control characters).
    pub filename: String,
    /// The sniffed type.
    pub kind: FileKind,
    /// Size in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// Who uploaded it.
    pub uploaded_by: UserId,
    /// When.
    pub uploaded_at: DateTime<Utc>,
    /// Set when deleted: the file disappears from listings and downloads, but its bytes and
    /// metadata are retained (medical records are never destroyed).
    pub deleted_at: Option<DateTime<Utc>>,
}
