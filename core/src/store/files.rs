use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::audit::AuditEvent;
use crate::error::Result;
use crate::files::StoredFile;
use crate::ids::{FileId, PatientId};

/// Uploaded files: metadata and bytes. A separate port from [`super::Store`] so that bytes can
/// live in a blob system (GridFS, an object store); implementations backed by the main
/// database append `audit` atomically with the write, others append it right after.
#[async_trait]
pub trait FileStore: Send + Sync {
    /// Stores the file's metadata and bytes with `audit`. `Conflict` if the id exists.
    async fn put_file(&self, meta: &StoredFile, bytes: &[u8], audit: &AuditEvent) -> Result<()>;

    /// The file's metadata (deleted files included).
    async fn file(&self, id: FileId) -> Result<Option<StoredFile>>;

    /// The file's bytes (retained after deletion).
    async fn file_content(&self, id: FileId) -> Result<Option<Vec<u8>>>;

    /// The chart's files, oldest first; deleted ones only if `include_deleted`.
    async fn files_for_patient(
        &self,
        patient_id: PatientId,
        include_deleted: bool,
    ) -> Result<Vec<StoredFile>>;

    /// Marks the file deleted at `at` (idempotent), appending `audit`; returns the metadata.
    /// Bytes are retained. `NotFound` if absent.
    async fn delete_file(
        &self,
        id: FileId,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<StoredFile>;
}
