use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::Page;
use crate::audit::AuditEvent;
use crate::billing::{Fee, Invoice, InvoiceStatus, MonthlyReport};
use crate::error::Result;
use crate::ids::{AppointmentId, InvoiceId, PatientId, UserId};
use crate::scheduling::Appointment;

/// Which invoices to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceFilter {
    /// Only these charts' (`None`: any).
    pub patient_ids: Option<Vec<PatientId>>,
    /// Only this doctor's.
    pub doctor_id: Option<UserId>,
    /// Only this status.
    pub status: Option<InvoiceStatus>,
    /// Only invoices created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Only invoices created before.
    pub to: Option<DateTime<Utc>>,
}

/// What [`BillingStore::complete_with_invoice`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The appointment as stored (completed).
    pub appointment: Appointment,
    /// The appointment's one invoice.
    pub invoice: Invoice,
}

/// Fee schedules and invoices.
#[async_trait]
pub trait BillingStore: Send + Sync {
    /// Inserts or replaces the fee for (doctor, appointment type), appending `audit`.
    async fn put_fee(&self, fee: &Fee, audit: &AuditEvent) -> Result<()>;

    /// The doctor's fee for an appointment type.
    async fn fee(&self, doctor_id: UserId, appointment_type: &str) -> Result<Option<Fee>>;

    /// The doctor's whole fee schedule, ordered by appointment type.
    async fn fees(&self, doctor_id: UserId) -> Result<Vec<Fee>>;

    /// Completes an appointment and bills it in one atomic step: stores `next` (status
    /// `completed`, `version = expected_version + 1`) if the stored version is still
    /// `expected_version`, inserts `invoice` unless the appointment already has one, and
    /// appends `audit`. `PreconditionFailed` if the version moved (a raced completion loses
    /// here, and its invoice is never written). There is never more than one invoice per
    /// appointment, whatever the interleaving.
    async fn complete_with_invoice(
        &self,
        next: &Appointment,
        expected_version: u64,
        invoice: &Invoice,
        audit: &AuditEvent,
    ) -> Result<Completion>;

    /// The invoice with this id.
    async fn invoice(&self, id: InvoiceId) -> Result<Option<Invoice>>;

    /// The appointment's invoice.
    async fn invoice_for_appointment(
        &self,
        appointment_id: AppointmentId,
    ) -> Result<Option<Invoice>>;

    /// Invoices matching `filter`, newest first.
    async fn list_invoices(&self, filter: &InvoiceFilter, page: Page) -> Result<Vec<Invoice>>;

    /// Compare-and-set replacement (status changes, payments, claim), like
    /// [`super::PrescriptionStore::update_prescription`].
    async fn update_invoice(
        &self,
        next: &Invoice,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()>;

    /// The summary of invoices created in the UTC month starting at `month` (a 1st),
    /// aggregated by the store.
    async fn monthly_report(&self, month: NaiveDate) -> Result<MonthlyReport>;
}
