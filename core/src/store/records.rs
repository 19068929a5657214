use async_trait::async_trait;

use crate::audit::AuditEvent;
use crate::error::Result;
use crate::ids::{PatientId, RecordId};
use crate::records::{MedicalRecord, RecordNote, RecordVersion};

/// Versioned medical records and their notes. Versions are append-only: nothing is edited or
/// deleted in place.
#[async_trait]
pub trait RecordStore: Send + Sync {
    /// Stores a new record (`current_version` 1) with its first version and `audit`,
    /// atomically. `Conflict` if the id exists.
    async fn create_record(
        &self,
        record: &MedicalRecord,
        first: &RecordVersion,
        audit: &AuditEvent,
    ) -> Result<()>;

    /// Appends `version` (whose number must be `expected_current + 1`) if the record's current
    /// version is still `expected_current`, moving `current_version` and `updated_at`, and
    /// appends `audit`, atomically. `PreconditionFailed { expected, current }` if another
    /// version got there first — of two concurrent appends from the same version exactly one
    /// succeeds. `NotFound` if the record is absent.
    async fn append_version(
        &self,
        version: &RecordVersion,
        expected_current: u64,
        audit: &AuditEvent,
    ) -> Result<MedicalRecord>;

    /// The record's header.
    async fn record(&self, id: RecordId) -> Result<Option<MedicalRecord>>;

    /// One version of a record.
    async fn record_version(&self, id: RecordId, version: u64) -> Result<Option<RecordVersion>>;

    /// Every version of a record, oldest first.
    async fn record_history(&self, id: RecordId) -> Result<Vec<RecordVersion>>;

    /// The chart's records (optionally of one kind) with their current versions, ordered by
    /// creation time then id.
    async fn records_for_patient(
        &self,
        patient_id: PatientId,
        kind: Option<&str>,
    ) -> Result<Vec<(MedicalRecord, RecordVersion)>>;

    /// Appends a note with `audit`, atomically. `NotFound` if the record is absent.
    async fn add_note(&self, note: &RecordNote, audit: &AuditEvent) -> Result<()>;

    /// A record's notes, oldest first.
    async fn notes(&self, record_id: RecordId) -> Result<Vec<RecordNote>>;
}
