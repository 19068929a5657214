//! TEMPORARY skeleton: being implemented.

use async_trait::async_trait;
use chrono::NaiveDate;
#[allow(unused_imports)]
use medsync_core::audit::AuditEvent;
use medsync_core::billing::{Fee, Invoice, MonthlyReport};
use medsync_core::error::Result;
use medsync_core::ids::{AppointmentId, InvoiceId, UserId};
use medsync_core::scheduling::Appointment;
use medsync_core::store::BillingStore;
use medsync_core::store::{Completion, InvoiceFilter, Page};

use crate::MemoryStore;

/// State of this part of the store.
#[derive(Debug, Default)]
pub(crate) struct Billing {}

#[async_trait]
impl BillingStore for MemoryStore {
    async fn put_fee(&self, _fee: &Fee, _audit: &AuditEvent) -> Result<()> {
        todo!("TEMP")
    }

    async fn fee(&self, _doctor_id: UserId, _appointment_type: &str) -> Result<Option<Fee>> {
        todo!("TEMP")
    }

    async fn fees(&self, _doctor_id: UserId) -> Result<Vec<Fee>> {
        todo!("TEMP")
    }

    async fn complete_with_invoice(
        &self,
        _next: &Appointment,
        _expected_version: u64,
        _invoice: &Invoice,
        _audit: &AuditEvent,
    ) -> Result<Completion> {
        todo!("TEMP")
    }

    async fn invoice(&self, _id: InvoiceId) -> Result<Option<Invoice>> {
        todo!("TEMP")
    }

    async fn invoice_for_appointment(
        &self,
        _appointment_id: AppointmentId,
    ) -> Result<Option<Invoice>> {
        todo!("TEMP")
    }

    async fn list_invoices(&self, _filter: &InvoiceFilter, _page: Page) -> Result<Vec<Invoice>> {
        todo!("TEMP")
    }

    async fn update_invoice(
        &self,
        _next: &Invoice,
        _expected_version: u64,
        _audit: &AuditEvent,
    ) -> Result<()> {
        todo!("TEMP")
    }

    async fn monthly_report(&self, _month: NaiveDate) -> Result<MonthlyReport> {
        todo!("TEMP")
    }
}
