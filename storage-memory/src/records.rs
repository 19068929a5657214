//! TEMPORARY skeleton: being implemented.

use async_trait::async_trait;
#[allow(unused_imports)]
use medsync_core::audit::AuditEvent;
use medsync_core::error::Result;
use medsync_core::ids::{PatientId, RecordId};
use medsync_core::records::{MedicalRecord, RecordNote, RecordVersion};
use medsync_core::store::RecordStore;

use crate::MemoryStore;

/// State of this part of the store.
#[derive(Debug, Default)]
pub(crate) struct Records {}

#[async_trait]
impl RecordStore for MemoryStore {
    async fn create_record(
        &self,
        _record: &MedicalRecord,
        _first: &RecordVersion,
        _audit: &AuditEvent,
    ) -> Result<()> {
        todo!("TEMP")
    }

    async fn append_version(
        &self,
        _version: &RecordVersion,
        _expected_current: u64,
        _audit: &AuditEvent,
    ) -> Result<MedicalRecord> {
        todo!("TEMP")
    }

    async fn record(&self, _id: RecordId) -> Result<Option<MedicalRecord>> {
        todo!("TEMP")
    }

    async fn record_version(&self, _id: RecordId, _version: u64) -> Result<Option<RecordVersion>> {
        todo!("TEMP")
    }

    async fn record_history(&self, _id: RecordId) -> Result<Vec<RecordVersion>> {
        todo!("TEMP")
    }

    async fn records_for_patient(
        &self,
        _patient_id: PatientId,
        _kind: Option<&str>,
    ) -> Result<Vec<(MedicalRecord, RecordVersion)>> {
        todo!("TEMP")
    }

    async fn add_note(&self, _note: &RecordNote, _audit: &AuditEvent) -> Result<()> {
        todo!("TEMP")
    }

    async fn notes(&self, _record_id: RecordId) -> Result<Vec<RecordNote>> {
        todo!("TEMP")
    }
}
