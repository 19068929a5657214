use async_trait::async_trait;

use crate::audit::AuditEvent;
use crate::error::Result;
use crate::ids::{PatientId, PrescriptionId};
use crate::prescriptions::{Prescription, PrescriptionStatus};

/// Prescriptions.
#[async_trait]
pub trait PrescriptionStore: Send + Sync {
    /// Stores a new prescription (version 1) with `audit`, atomically.
    async fn create_prescription(
        &self,
        prescription: &Prescription,
        audit: &AuditEvent,
    ) -> Result<()>;

    /// The prescription with this id.
    async fn prescription(&self, id: PrescriptionId) -> Result<Option<Prescription>>;

    /// The chart's prescriptions, optionally only those in `status`, newest first.
    async fn prescriptions_for_patient(
        &self,
        patient_id: PatientId,
        status: Option<PrescriptionStatus>,
    ) -> Result<Vec<Prescription>>;

    /// Compare-and-set replacement: stores `next` (with `version = expected_version + 1`) if
    /// the stored version is still `expected_version`, and appends `audit`, atomically.
    /// `PreconditionFailed` / `NotFound` otherwise.
    async fn update_prescription(
        &self,
        next: &Prescription,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()>;
}
