//! [`BillingStore`]: fee schedules and invoices. Completion and billing are one transaction:
//! the appointment's compare-and-set and the invoice insert (unique per appointment) commit
//! together or not at all.

use async_trait::async_trait;
use bson::{doc, Document};
use chrono::NaiveDate;
use futures::FutureExt;
use medsync_core::audit::AuditEvent;
use medsync_core::billing::{Fee, Invoice, MonthlyReport};
use medsync_core::ids::{AppointmentId, InvoiceId, UserId};
use medsync_core::scheduling::Appointment;
use medsync_core::store::{BillingStore, Completion, InvoiceFilter, Page};
use medsync_core::{Error, Result};
use mongodb::ClientSession;

use crate::cas::replace_versioned;
use crate::convert::{all, bdate, bid, bids, i64_of, page_bounds, tag, uid};
use crate::error;
use crate::model::billing::{FeeDoc, InvoiceDoc};
use crate::model::schedule::AppointmentDoc;
use crate::schema::{APPOINTMENTS, FEES, INVOICES, IX_INVOICE_APPOINTMENT};
use crate::store::MongoStore;
use crate::txn::{Attempt, Fail};

mod report;

/// The filter of an invoice listing, built from typed values only.
fn invoice_filter(f: &InvoiceFilter) -> Document {
    let mut q = Document::new();
    if let Some(ids) = &f.patient_ids {
        q.insert("patient_id", doc! {"$in": bids(ids.iter().map(|p| p.0))});
    }
    if let Some(d) = f.doctor_id {
        q.insert("doctor_id", bid(d.0));
    }
    if let Some(status) = f.status {
        q.insert("status", tag(&status));
    }
    let mut created = Document::new();
    if let Some(from) = f.from {
        created.insert("$gte", bdate(from));
    }
    if let Some(to) = f.to {
        created.insert("$lt", bdate(to));
    }
    if !created.is_empty() {
        q.insert("created_at", created);
    }
    q
}

impl MongoStore {
    async fn put_fee_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        fee: &Fee,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        let doc = FeeDoc::from(fee);
        let upsert = self
            .coll::<FeeDoc>(FEES)
            .replace_one(
                doc! {"doctor_id": doc.doctor_id, "appointment_type": &doc.appointment_type},
                &doc,
            )
            .upsert(true)
            .session(&mut *s)
            .await;
        match upsert {
            Ok(_) => {}
            // A concurrent first insert of the same fee: run again, now as a replace.
            Err(e) if error::is_duplicate_key(&e) => return Err(Fail::Retry),
            Err(e) => return Err(e.into()),
        }
        self.append_in(s, chain, audit).await?;
        Ok(())
    }

    async fn complete_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        next: &Appointment,
        expected: u64,
        invoice: &Invoice,
        audit: &AuditEvent,
    ) -> Attempt<Completion> {
        if invoice.appointment_id != next.id {
            return Err(Error::invalid("invoice", "must bill the appointment completed").into());
        }
        let mut stored = next.clone();
        stored.version = expected.saturating_add(1);
        let appointments = self.coll::<AppointmentDoc>(APPOINTMENTS);
        let doc = AppointmentDoc::from(&stored);
        replace_versioned(&appointments, s, "appointment", next.id.0, expected, &doc).await?;
        let invoices = self.coll::<InvoiceDoc>(INVOICES);
        let existing = invoices
            .find_one(doc! {"appointment_id": bid(next.id.0)})
            .session(&mut *s)
            .await?;
        let invoice = match existing {
            Some(found) => Invoice::from(found),
            None => {
                let mut first = InvoiceDoc::from(invoice);
                first.version = 1;
                let inserted = invoices.insert_one(&first).session(&mut *s).await;
                if let Err(e) = inserted {
                    // Another transaction billed it meanwhile: run again to return its invoice.
                    let raced = error::duplicate_index(&e)
                        .is_some_and(|(_, ix)| ix == IX_INVOICE_APPOINTMENT);
                    return Err(if raced { Fail::Retry } else { e.into() });
                }
                Invoice::from(first)
            }
        };
        self.append_in(s, chain, audit).await?;
        Ok(Completion {
            appointment: stored,
            invoice,
        })
    }

    async fn update_invoice_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        next: &Invoice,
        expected: u64,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        let coll = self.coll::<InvoiceDoc>(INVOICES);
        // The appointment link never changes, so reading it in this snapshot is safe.
        let stored = coll
            .find_one(doc! {"_id": bid(next.id.0)})
            .session(&mut *s)
            .await?
            .ok_or_else(|| Error::not_found("invoice", next.id))?;
        let mut doc = InvoiceDoc::from(next);
        doc.version = i64_of(expected.saturating_add(1));
        replace_versioned(&coll, s, "invoice", next.id.0, expected, &doc).await?;
        if stored.appointment_id != doc.appointment_id {
            return Err(Error::conflict(
                "an invoice cannot move to another appointment",
                Some(AppointmentId(uid(stored.appointment_id)).to_string()),
            )
            .into());
        }
        self.append_in(s, chain, audit).await?;
        Ok(())
    }
}

#[async_trait]
impl BillingStore for MongoStore {
    async fn put_fee(&self, fee: &Fee, audit: &AuditEvent) -> Result<()> {
        self.transaction(
            "fee update",
            &(self, fee, audit),
            |s, chain, &(st, f, a)| st.put_fee_in(s, chain, f, a).boxed(),
        )
        .await
    }

    async fn fee(&self, doctor_id: UserId, appointment_type: &str) -> Result<Option<Fee>> {
        let found = self
            .coll::<FeeDoc>(FEES)
            .find_one(doc! {"doctor_id": bid(doctor_id.0), "appointment_type": appointment_type})
            .await
            .map_err(|e| error::map(e, "reading a fee"))?;
        Ok(found.map(Fee::from))
    }

    async fn fees(&self, doctor_id: UserId) -> Result<Vec<Fee>> {
        let cursor = self
            .coll::<FeeDoc>(FEES)
            .find(doc! {"doctor_id": bid(doctor_id.0)})
            .sort(doc! {"appointment_type": 1})
            .await
            .map_err(|e| error::map(e, "reading fees"))?;
        Ok(all(cursor).await?.into_iter().map(Fee::from).collect())
    }

    async fn complete_with_invoice(
        &self,
        next: &Appointment,
        expected_version: u64,
        invoice: &Invoice,
        audit: &AuditEvent,
    ) -> Result<Completion> {
        let ctx = (self, next, expected_version, invoice, audit);
        self.transaction("completion", &ctx, |s, chain, &(st, n, v, i, a)| {
            st.complete_in(s, chain, n, v, i, a).boxed()
        })
        .await
    }

    async fn invoice(&self, id: InvoiceId) -> Result<Option<Invoice>> {
        let found = self
            .coll::<InvoiceDoc>(INVOICES)
            .find_one(doc! {"_id": bid(id.0)})
            .await
            .map_err(|e| error::map(e, "reading an invoice"))?;
        Ok(found.map(Invoice::from))
    }

    async fn invoice_for_appointment(
        &self,
        appointment_id: AppointmentId,
    ) -> Result<Option<Invoice>> {
        let found = self
            .coll::<InvoiceDoc>(INVOICES)
            .find_one(doc! {"appointment_id": bid(appointment_id.0)})
            .await
            .map_err(|e| error::map(e, "reading an invoice"))?;
        Ok(found.map(Invoice::from))
    }

    async fn list_invoices(&self, filter: &InvoiceFilter, page: Page) -> Result<Vec<Invoice>> {
        let (skip, limit) = page_bounds(page);
        let cursor = self
            .coll::<InvoiceDoc>(INVOICES)
            .find(invoice_filter(filter))
            .sort(doc! {"created_at": -1, "_id": -1})
            .skip(skip)
            .limit(limit)
            .await
            .map_err(|e| error::map(e, "listing invoices"))?;
        Ok(all(cursor).await?.into_iter().map(Invoice::from).collect())
    }

    async fn update_invoice(
        &self,
        next: &Invoice,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()> {
        let ctx = (self, next, expected_version, audit);
        self.transaction("invoice update", &ctx, |s, chain, &(st, i, v, a)| {
            st.update_invoice_in(s, chain, i, v, a).boxed()
        })
        .await
    }

    async fn monthly_report(&self, month: NaiveDate) -> Result<MonthlyReport> {
        report::monthly(self, month).await
    }
}
