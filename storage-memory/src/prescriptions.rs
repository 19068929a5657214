//! TEMPORARY skeleton: being implemented.

use async_trait::async_trait;
#[allow(unused_imports)]
use medsync_core::audit::AuditEvent;
use medsync_core::error::Result;
use medsync_core::ids::{PatientId, PrescriptionId};
use medsync_core::prescriptions::{Prescription, PrescriptionStatus};
use medsync_core::store::PrescriptionStore;

use crate::MemoryStore;

/// State of this part of the store.
#[derive(Debug, Default)]
pub(crate) struct Prescriptions {}

#[async_trait]
impl PrescriptionStore for MemoryStore {
    async fn create_prescription(
        &self,
        _prescription: &Prescription,
        _audit: &AuditEvent,
    ) -> Result<()> {
        todo!("TEMP")
    }

    async fn prescription(&self, _id: PrescriptionId) -> Result<Option<Prescription>> {
        todo!("TEMP")
    }

    async fn prescriptions_for_patient(
        &self,
        _patient_id: PatientId,
        _status: Option<PrescriptionStatus>,
    ) -> Result<Vec<Prescription>> {
        todo!("TEMP")
    }

    async fn update_prescription(
        &self,
        _next: &Prescription,
        _expected_version: u64,
        _audit: &AuditEvent,
    ) -> Result<()> {
        todo!("TEMP")
    }
}
