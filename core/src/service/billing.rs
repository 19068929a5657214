//! Billing use cases: fee schedules, the invoice of a completed appointment, the invoice
//! lifecycle (issue, edit a draft, payments, void, insurance claim) and the monthly report.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::support::Subject;
use super::MedSync;
use crate::audit::{AuditEvent, Outcome};
use crate::billing::{
    self, build_invoice, format_amount, monthly_report_csv, monthly_report_xlsx, validate_fee, Fee,
    InsuranceClaim, Invoice, InvoiceLine, InvoiceStatus, MonthlyReport, Payment, ReportFormat,
};
use crate::error::{Error, Result};
use crate::identity::Role;
use crate::ids::{AppointmentId, InvoiceId, PatientId, UserId};
use crate::notify::NotificationKind;
use crate::policy::{Action, Actor, Decision, Resource};
use crate::scheduling::Appointment;
use crate::store::{InvoiceFilter, Page};

/// Which invoices to list; the service narrows it to what the actor may see.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceQuery {
    /// Only this status.
    pub status: Option<InvoiceStatus>,
    /// Only invoices created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Only invoices created before.
    pub to: Option<DateTime<Utc>>,
    /// Only this chart's.
    pub patient_id: Option<PatientId>,
}

/// An invoice loaded and authorised for a change.
struct Loaded {
    invoice: Invoice,
    subject: Subject,
    decision: Decision,
}

impl MedSync {
    /// Sets (inserts or replaces) a doctor's fee for an appointment type. Admins only
    /// (`ManageBilling` on the system). `InvalidInput` on `appointment_type`, `amount_minor`
    /// (0 to 10¹²), `currency` (three upper-case letters), `tax_rate_bp` (at most 10 000) or
    /// `doctor_id` (not an active doctor). Invoices already created keep their amounts.
    pub async fn set_fee(&self, actor: &Actor, fee: Fee) -> Result<Fee> {
        let subject = Subject::new("fee", fee.doctor_id);
        let action = "fee.set";
        self.authorize(
            actor,
            Action::ManageBilling,
            Resource::System,
            action,
            &subject,
        )
        .await?;
        validate_fee(&fee)?;
        if self.active_doctor(fee.doctor_id).await.is_err() {
            return Err(Error::invalid("doctor_id", "must be an active doctor"));
        }
        let detail = format!(
            "{}: {} {} + {} bp tax",
            fee.appointment_type,
            format_amount(fee.amount_minor, &fee.currency),
            fee.currency.0,
            fee.tax_rate_bp
        );
        let ev = self.event(
            Some(actor),
            action,
            &subject,
            Outcome::Allowed,
            Some(detail),
        );
        if let Err(e) = self.inner.store.put_fee(&fee, &ev).await {
            return self.failed(Some(actor), action, &subject, e).await;
        }
        Ok(fee)
    }

    /// A doctor's fee schedule, ordered by appointment type (public price list: any caller).
    pub async fn fees(&self, doctor: UserId) -> Result<Vec<Fee>> {
        self.inner.store.fees(doctor).await
    }

    /// Reads an invoice (`ReadBilling` on its chart; audited).
    pub async fn get_invoice(&self, actor: &Actor, id: InvoiceId) -> Result<Invoice> {
        let invoice = self.load_invoice(id).await?;
        self.read_invoice(actor, invoice).await
    }

    /// Reads the invoice of an appointment (`ReadBilling` on its chart; audited). `NotFound`
    /// when the appointment has none (it is not completed).
    pub async fn invoice_for_appointment(
        &self,
        actor: &Actor,
        appointment_id: AppointmentId,
    ) -> Result<Invoice> {
        let invoice = self
            .inner
            .store
            .invoice_for_appointment(appointment_id)
            .await?
            .ok_or_else(|| Error::not_found("invoice", appointment_id))?;
        self.read_invoice(actor, invoice).await
    }

    async fn read_invoice(&self, actor: &Actor, invoice: Invoice) -> Result<Invoice> {
        let subject = Subject::new("invoice", invoice.id).patient(invoice.patient_id);
        let d = self
            .authorize(
                actor,
                Action::ReadBilling,
                Resource::Chart(invoice.patient_id),
                "invoice.read",
                &subject,
            )
            .await?;
        self.audit(
            Some(actor),
            "invoice.read",
            &subject,
            Outcome::Allowed,
            Self::decision_detail(&d),
        )
        .await?;
        Ok(invoice)
    }

    /// Invoices the actor may see, newest first, narrowed by `query`: admins see all; doctors
    /// the invoices of their own appointments; others the charts they may read billing of.
    pub async fn list_invoices(
        &self,
        actor: &Actor,
        query: InvoiceQuery,
        page: Page,
    ) -> Result<Vec<Invoice>> {
        let mut filter = InvoiceFilter {
            patient_ids: query.patient_id.map(|p| vec![p]),
            doctor_id: None,
            status: query.status,
            from: query.from,
            to: query.to,
        };
        match actor.role {
            Role::Admin => {}
            Role::Doctor => filter.doctor_id = Some(actor.user_id),
            _ => {
                let visible = self
                    .visible_charts(actor, Action::ReadBilling, query.patient_id)
                    .await?;
                filter.patient_ids = Some(visible);
            }
        }
        let list = self
            .inner
            .store
            .list_invoices(&filter, page.clamped())
            .await?;
        self.audit(
            Some(actor),
            "invoice.list",
            &Subject::kind("invoice"),
            Outcome::Allowed,
            Some(format!("{} invoices", list.len())),
        )
        .await?;
        Ok(list)
    }

    /// Issues a draft (admins). A zero total is settled at once (`paid`). The patient is
    /// notified. `InvalidState` unless a draft with lines.
    pub async fn issue_invoice(&self, actor: &Actor, id: InvoiceId) -> Result<Invoice> {
        let action = "invoice.issue";
        let l = self.load_for_change(actor, id, action, true).await?;
        let next = billing::issue(&l.invoice, self.now());
        let stored = self.commit(actor, action, &l, next, None).await?;
        self.notify_invoice(&stored, "issued").await;
        Ok(stored)
    }

    /// Replaces a draft's lines and discount (admins) and recomputes its amounts. Tax uses the
    /// rate, and the currency, of the doctor's current fee for the appointment's type; without
    /// such a fee the tax rate is 0 and the currency stays. Each line's `amount_minor` is
    /// recomputed as `quantity × unit_amount_minor`. `InvalidState` unless a draft;
    /// `InvalidInput` on `lines[i].*` or `discount_minor` (see
    /// [`crate::billing::update_draft`]).
    pub async fn update_draft_invoice(
        &self,
        actor: &Actor,
        id: InvoiceId,
        lines: Vec<InvoiceLine>,
        discount_minor: i64,
    ) -> Result<Invoice> {
        let action = "invoice.update_draft";
        let l = self.load_for_change(actor, id, action, true).await?;
        let appt = self
            .inner
            .store
            .appointment(l.invoice.appointment_id)
            .await?
            .ok_or_else(|| Error::not_found("appointment", l.invoice.appointment_id))?;
        let fee = self
            .inner
            .store
            .fee(l.invoice.doctor_id, &appt.appointment_type)
            .await?;
        let mut base = l.invoice.clone();
        if let Some(f) = &fee {
            base.currency = f.currency.clone();
        }
        let rate = fee.map_or(0, |f| f.tax_rate_bp);
        let next = billing::update_draft(&base, lines, discount_minor, rate, self.now());
        self.commit(actor, action, &l, next, None).await
    }

    /// Records a payment on an issued invoice (`ManageBilling` on the chart: the patient pays
    /// their own, admins record any). The invoice becomes `paid` when nothing is left owing.
    /// `InvalidInput` on `amount_minor` unless `0 < amount ≤ outstanding`, on `method` (1–32
    /// characters) or `reference` (at most 128); `InvalidState` unless `issued`.
    pub async fn record_payment(
        &self,
        actor: &Actor,
        id: InvoiceId,
        amount_minor: i64,
        method: String,
        reference: Option<String>,
    ) -> Result<Invoice> {
        let action = "invoice.pay";
        let l = self.load_for_change(actor, id, action, false).await?;
        let payment = Payment {
            amount_minor,
            method,
            reference,
            at: self.now(),
            recorded_by: actor.user_id,
        };
        let detail = format!(
            "{} {} via {}",
            format_amount(amount_minor, &l.invoice.currency),
            l.invoice.currency.0,
            payment.method.trim()
        );
        let next = billing::record_payment(&l.invoice, payment);
        let stored = self.commit(actor, action, &l, next, Some(detail)).await?;
        if stored.status == InvoiceStatus::Paid {
            self.notify_invoice(&stored, "paid").await;
        }
        Ok(stored)
    }

    /// Voids a draft or an issued invoice without payments (admins), with a reason (1–500
    /// characters) kept in the audit log. The patient is notified.
    pub async fn void_invoice(
        &self,
        actor: &Actor,
        id: InvoiceId,
        reason: String,
    ) -> Result<Invoice> {
        let action = "invoice.void";
        let l = self.load_for_change(actor, id, action, true).await?;
        let reason = reason.trim().to_owned();
        let next = if (1..=500).contains(&reason.chars().count()) {
            billing::void(&l.invoice, self.now())
        } else {
            Err(Error::invalid("reason", "must be 1 to 500 characters"))
        };
        let stored = self.commit(actor, action, &l, next, Some(reason)).await?;
        self.notify_invoice(&stored, "voided").await;
        Ok(stored)
    }

    /// Attaches or replaces the insurance-claim placeholder (`ManageBilling` on the chart).
    /// `InvalidState` on a void invoice; `InvalidInput` on `payer` or `policy_number`.
    pub async fn set_claim(
        &self,
        actor: &Actor,
        id: InvoiceId,
        claim: InsuranceClaim,
    ) -> Result<Invoice> {
        let action = "invoice.claim";
        let l = self.load_for_change(actor, id, action, false).await?;
        let detail = claim.status.as_str().to_owned();
        let next = billing::set_claim(&l.invoice, claim, self.now());
        self.commit(actor, action, &l, next, Some(detail)).await
    }

    /// The billing summary of the UTC month containing `month` (any day of it), computed by
    /// the store (`ViewAnalytics`: admins; audited).
    pub async fn monthly_report(&self, actor: &Actor, month: NaiveDate) -> Result<MonthlyReport> {
        self.report(actor, month, "billing.report").await
    }

    /// [`MedSync::monthly_report`] rendered as CSV or XLSX (see
    /// [`crate::billing::monthly_report_csv`] and [`crate::billing::monthly_report_xlsx`]).
    pub async fn export_monthly_report(
        &self,
        actor: &Actor,
        month: NaiveDate,
        format: ReportFormat,
    ) -> Result<Vec<u8>> {
        let report = self.report(actor, month, "billing.report.export").await?;
        match format {
            ReportFormat::Csv => Ok(monthly_report_csv(&report).into_bytes()),
            ReportFormat::Xlsx => monthly_report_xlsx(&report),
        }
    }

    async fn report(&self, actor: &Actor, month: NaiveDate, action: &str) -> Result<MonthlyReport> {
        let first = month.with_day(1).unwrap_or(month);
        let subject = Subject::new("billing_report", first.format("%Y-%m"));
        self.authorize(
            actor,
            Action::ViewAnalytics,
            Resource::System,
            action,
            &subject,
        )
        .await?;
        let report = match self.inner.store.monthly_report(first).await {
            Ok(r) => r,
            Err(e) => return self.failed(Some(actor), action, &subject, e).await,
        };
        self.audit(Some(actor), action, &subject, Outcome::Allowed, None)
            .await?;
        Ok(report)
    }

    /// Completes `next` and bills it in one atomic storage call (see
    /// [`crate::store::BillingStore::complete_with_invoice`]): the invoice is built from the
    /// doctor's fee for the appointment type (a draft when there is none). The patient is
    /// notified when the invoice was created by this call and is owed.
    pub(crate) async fn complete_and_bill(
        &self,
        next: &Appointment,
        expected_version: u64,
        now: DateTime<Utc>,
        ev: &AuditEvent,
    ) -> Result<Appointment> {
        let fee = self
            .inner
            .store
            .fee(next.doctor_id, &next.appointment_type)
            .await?;
        let id = InvoiceId(self.uuid(now));
        let invoice = build_invoice(id, next, fee.as_ref(), now).or_else(|e| {
            // A stored fee that no longer validates must not block the visit's completion.
            tracing::warn!(error = %e, "unusable fee; billing a draft instead");
            build_invoice(id, next, None, now)
        })?;
        let mut ev = ev.clone();
        let note = format!("invoice {} ({})", invoice.id, invoice.status.as_str());
        ev.detail = Some(match ev.detail.take() {
            Some(d) => format!("{d}; {note}"),
            None => note,
        });
        let done = self
            .inner
            .store
            .complete_with_invoice(next, expected_version, &invoice, &ev)
            .await?;
        if done.invoice.id == id && done.invoice.status == InvoiceStatus::Issued {
            self.notify_invoice(&done.invoice, "issued").await;
        }
        Ok(done.appointment)
    }

    async fn load_invoice(&self, id: InvoiceId) -> Result<Invoice> {
        self.inner
            .store
            .invoice(id)
            .await?
            .ok_or_else(|| Error::not_found("invoice", id))
    }

    /// Loads an invoice and authorises `ManageBilling` on its chart (and, when `admin_only`,
    /// the admin role).
    async fn load_for_change(
        &self,
        actor: &Actor,
        id: InvoiceId,
        action: &str,
        admin_only: bool,
    ) -> Result<Loaded> {
        let invoice = self.load_invoice(id).await?;
        let subject = Subject::new("invoice", id).patient(invoice.patient_id);
        let decision = self
            .authorize(
                actor,
                Action::ManageBilling,
                Resource::Chart(invoice.patient_id),
                action,
                &subject,
            )
            .await?;
        if admin_only && actor.role != Role::Admin {
            let e = Error::Forbidden("only billing administrators may do this".into());
            return self.failed(Some(actor), action, &subject, e).await;
        }
        Ok(Loaded {
            invoice,
            subject,
            decision,
        })
    }

    /// Stores `next` (the outcome of a pure lifecycle step) by compare-and-set on the version
    /// read, with its audit event; failures are audited.
    async fn commit(
        &self,
        actor: &Actor,
        action: &str,
        l: &Loaded,
        next: Result<Invoice>,
        detail: Option<String>,
    ) -> Result<Invoice> {
        let mut next = match next {
            Ok(n) => n,
            Err(e) => return self.failed(Some(actor), action, &l.subject, e).await,
        };
        next.version = l.invoice.version.saturating_add(1);
        let detail = match (detail, Self::decision_detail(&l.decision)) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        };
        let ev = self.event(Some(actor), action, &l.subject, Outcome::Allowed, detail);
        match self
            .inner
            .store
            .update_invoice(&next, l.invoice.version, &ev)
            .await
        {
            Ok(()) => Ok(next),
            Err(e) => self.failed(Some(actor), action, &l.subject, e).await,
        }
    }

    /// Tells the chart's owner (if the chart has an account) that the invoice was `what`.
    async fn notify_invoice(&self, invoice: &Invoice, what: &str) {
        let Ok(Some(patient)) = self.inner.store.patient(invoice.patient_id).await else {
            return;
        };
        let Some(owner) = patient.user_id else {
            return;
        };
        self.notify(
            owner,
            NotificationKind::InvoiceIssued,
            format!(
                "Invoice {what}: {} {}",
                format_amount(invoice.total_minor, &invoice.currency),
                invoice.currency.0
            ),
            json!({
                "invoice_id": invoice.id,
                "appointment_id": invoice.appointment_id,
                "status": invoice.status,
                "total_minor": invoice.total_minor,
                "currency": invoice.currency,
            }),
        )
        .await;
    }
}
