//! Uploaded files' metadata and upload claims.

use medsync_core::files::{FileKind, StoredFile};
use medsync_core::ids::{FileId, PatientId, UserId};
use serde::{Deserialize, Serialize};

use crate::convert::{bdate, bdate_opt, bid, cdate, cdate_opt, i64_of, u64_of, uid};

/// A file's metadata in `files`; its bytes are the GridFS file with the same id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FileDoc {
    #[serde(rename = "_id")]
    pub(crate) id: bson::Uuid,
    pub(crate) patient_id: bson::Uuid,
    pub(crate) filename: String,
    pub(crate) kind: FileKind,
    pub(crate) size: i64,
    pub(crate) sha256: String,
    pub(crate) uploaded_by: bson::Uuid,
    pub(crate) uploaded_at: bson::DateTime,
    pub(crate) deleted_at: Option<bson::DateTime>,
}

impl From<&StoredFile> for FileDoc {
    fn from(f: &StoredFile) -> Self {
        Self {
            id: bid(f.id.0),
            patient_id: bid(f.patient_id.0),
            filename: f.filename.clone(),
            kind: f.kind,
            size: i64_of(f.size),
            sha256: f.sha256.clone(),
            uploaded_by: bid(f.uploaded_by.0),
            uploaded_at: bdate(f.uploaded_at),
            deleted_at: bdate_opt(f.deleted_at),
        }
    }
}

impl From<FileDoc> for StoredFile {
    fn from(d: FileDoc) -> Self {
        Self {
            id: FileId(uid(d.id)),
            patient_id: PatientId(uid(d.patient_id)),
            filename: d.filename,
            kind: d.kind,
            size: u64_of(d.size),
            sha256: d.sha256,
            uploaded_by: UserId(uid(d.uploaded_by)),
            uploaded_at: cdate(d.uploaded_at),
            deleted_at: cdate_opt(d.deleted_at),
        }
    }
}

/// A claim on a file id in `file_uploads`, held while the file's bytes are written to
/// GridFS and until its metadata commits. A claim that outlives its upload (the process
/// stopped, or removing the bytes of a failed upload failed) keeps the id from being reused
/// and names the GridFS file, if any, as an orphan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FileUploadDoc {
    #[serde(rename = "_id")]
    pub(crate) id: bson::Uuid,
    pub(crate) patient_id: bson::Uuid,
    pub(crate) size: i64,
    pub(crate) started_at: bson::DateTime,
}
