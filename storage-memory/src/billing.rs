//! Fee schedules and invoices, with the unique appointment → invoice index that makes
//! "exactly one invoice per completed appointment" hold.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use medsync_core::audit::AuditEvent;
use medsync_core::billing::{Currency, Fee, Invoice, InvoiceStatus, MonthlyReport, Totals};
use medsync_core::ids::{AppointmentId, InvoiceId, UserId};
use medsync_core::scheduling::Appointment;
use medsync_core::store::{BillingStore, Completion, InvoiceFilter, Page};
use medsync_core::{Error, Result};

use crate::page::paginate;
use crate::MemoryStore;

/// Fees and invoices.
#[derive(Debug, Default)]
pub(crate) struct Billing {
    /// (doctor, appointment type) → fee; ordered so a doctor's schedule is a range.
    fees: BTreeMap<(UserId, String), Fee>,
    invoices: HashMap<InvoiceId, Invoice>,
    /// The unique index: appointment → its one invoice.
    by_appointment: HashMap<AppointmentId, InvoiceId>,
}

impl Billing {
    /// Every stored invoice, in no particular order (for aggregations).
    pub(crate) fn invoices(&self) -> impl Iterator<Item = &Invoice> + '_ {
        self.invoices.values()
    }

    /// The appointment's invoice.
    fn for_appointment(&self, id: AppointmentId) -> Option<&Invoice> {
        self.by_appointment
            .get(&id)
            .and_then(|i| self.invoices.get(i))
    }

    /// Inserts `invoice` unless its appointment already has one; returns the appointment's
    /// invoice either way. `Conflict` if another appointment's invoice has the same id.
    pub(crate) fn insert_once(&mut self, invoice: &Invoice) -> Result<Invoice> {
        if let Some(existing) = self.for_appointment(invoice.appointment_id) {
            return Ok(existing.clone());
        }
        if self.invoices.contains_key(&invoice.id) {
            return Err(Error::conflict(
                "invoice id already exists",
                Some(invoice.id.to_string()),
            ));
        }
        let mut stored = invoice.clone();
        stored.version = 1;
        self.by_appointment.insert(stored.appointment_id, stored.id);
        self.invoices.insert(stored.id, stored.clone());
        Ok(stored)
    }

    /// Compare-and-set replacement; the stored version becomes `expected_version + 1`. The
    /// appointment link never changes.
    fn update(&mut self, next: &Invoice, expected_version: u64) -> Result<()> {
        let stored = self
            .invoices
            .get_mut(&next.id)
            .ok_or_else(|| Error::not_found("invoice", next.id))?;
        if stored.version != expected_version {
            return Err(Error::PreconditionFailed {
                entity: "invoice",
                expected: expected_version,
                current: stored.version,
            });
        }
        if stored.appointment_id != next.appointment_id {
            return Err(Error::conflict(
                "an invoice cannot move to another appointment",
                Some(stored.appointment_id.to_string()),
            ));
        }
        let mut next = next.clone();
        next.version = expected_version.saturating_add(1);
        *stored = next;
        Ok(())
    }

    /// Invoices matching `filter`, newest first (creation time, then id).
    fn list(&self, filter: &InvoiceFilter, page: Page) -> Vec<Invoice> {
        let mut rows: Vec<&Invoice> = self
            .invoices
            .values()
            .filter(|i| {
                filter
                    .patient_ids
                    .as_ref()
                    .is_none_or(|ps| ps.contains(&i.patient_id))
            })
            .filter(|i| filter.doctor_id.is_none_or(|d| i.doctor_id == d))
            .filter(|i| filter.status.is_none_or(|s| i.status == s))
            .filter(|i| filter.from.is_none_or(|f| i.created_at >= f))
            .filter(|i| filter.to.is_none_or(|t| i.created_at < t))
            .collect();
        rows.sort_by_key(|i| std::cmp::Reverse((i.created_at, i.id)));
        paginate(rows.into_iter().cloned(), page)
    }

    /// The month's report (invoices created in `[month, next month)`).
    fn monthly_report(&self, month: NaiveDate) -> Result<MonthlyReport> {
        let (start, end) = month_bounds(month)?;
        let mut overall: BTreeMap<Currency, Totals> = BTreeMap::new();
        let mut by_status: BTreeMap<(InvoiceStatus, Currency), Totals> = BTreeMap::new();
        let mut by_doctor: BTreeMap<(UserId, Currency), Totals> = BTreeMap::new();
        for i in self
            .invoices
            .values()
            .filter(|i| i.created_at >= start && i.created_at < end)
        {
            add(overall.entry(i.currency.clone()).or_default(), i)?;
            add(
                by_status.entry((i.status, i.currency.clone())).or_default(),
                i,
            )?;
            add(
                by_doctor
                    .entry((i.doctor_id, i.currency.clone()))
                    .or_default(),
                i,
            )?;
        }
        Ok(MonthlyReport {
            month,
            overall: overall.into_iter().collect(),
            by_status: by_status.into_iter().map(|((s, c), t)| (s, c, t)).collect(),
            by_doctor: by_doctor.into_iter().map(|((d, c), t)| (d, c, t)).collect(),
        })
    }
}

/// Adds one invoice to a group's totals, refusing to overflow.
fn add(t: &mut Totals, i: &Invoice) -> Result<()> {
    t.count = t.count.saturating_add(1);
    t.total_minor = t
        .total_minor
        .checked_add(i.total_minor)
        .ok_or_else(|| Error::invalid("month", "totals are too large"))?;
    Ok(())
}

/// `[first instant of the month, first instant of the next)`. `InvalidInput` on `month`
/// unless it is a 1st.
fn month_bounds(month: NaiveDate) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    if month.day() != 1 {
        return Err(Error::invalid("month", "must be the first day of a month"));
    }
    let next = month
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| Error::invalid("month", "is out of range"))?;
    let midnight = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
    Ok((midnight(month), midnight(next)))
}

#[async_trait]
impl BillingStore for MemoryStore {
    async fn put_fee(&self, fee: &Fee, audit: &AuditEvent) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        st.billing
            .fees
            .insert((fee.doctor_id, fee.appointment_type.clone()), fee.clone());
        st.audit.append(audit);
        Ok(())
    }

    async fn fee(&self, doctor_id: UserId, appointment_type: &str) -> Result<Option<Fee>> {
        Ok(self
            .lock()
            .billing
            .fees
            .get(&(doctor_id, appointment_type.to_owned()))
            .cloned())
    }

    async fn fees(&self, doctor_id: UserId) -> Result<Vec<Fee>> {
        let st = self.lock();
        Ok(st
            .billing
            .fees
            .range((doctor_id, String::new())..)
            .take_while(|((d, _), _)| *d == doctor_id)
            .map(|(_, f)| f.clone())
            .collect())
    }

    async fn complete_with_invoice(
        &self,
        next: &Appointment,
        expected_version: u64,
        invoice: &Invoice,
        audit: &AuditEvent,
    ) -> Result<Completion> {
        if invoice.appointment_id != next.id {
            return Err(Error::invalid(
                "invoice",
                "must bill the appointment completed",
            ));
        }
        // One critical section: the appointment's compare-and-set, the invoice and the audit
        // entry become visible together or not at all.
        let mut guard = self.lock();
        let st = &mut *guard;
        if st.billing.for_appointment(invoice.appointment_id).is_none()
            && st.billing.invoices.contains_key(&invoice.id)
        {
            return Err(Error::conflict(
                "invoice id already exists",
                Some(invoice.id.to_string()),
            ));
        }
        let appointment = st
            .schedule
            .update(next, expected_version, next.updated_at)?;
        let invoice = st.billing.insert_once(invoice)?;
        st.audit.append(audit);
        Ok(Completion {
            appointment,
            invoice,
        })
    }

    async fn invoice(&self, id: InvoiceId) -> Result<Option<Invoice>> {
        Ok(self.lock().billing.invoices.get(&id).cloned())
    }

    async fn invoice_for_appointment(
        &self,
        appointment_id: AppointmentId,
    ) -> Result<Option<Invoice>> {
        Ok(self.lock().billing.for_appointment(appointment_id).cloned())
    }

    async fn list_invoices(&self, filter: &InvoiceFilter, page: Page) -> Result<Vec<Invoice>> {
        Ok(self.lock().billing.list(filter, page))
    }

    async fn update_invoice(
        &self,
        next: &Invoice,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        st.billing.update(next, expected_version)?;
        st.audit.append(audit);
        Ok(())
    }

    async fn monthly_report(&self, month: NaiveDate) -> Result<MonthlyReport> {
        self.lock().billing.monthly_report(month)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDate};
    use medsync_core::billing::{build_invoice, Currency, Fee, InvoiceStatus, Totals};
    use medsync_core::ids::InvoiceId;
    use medsync_core::scheduling::AppointmentStatus;
    use medsync_core::store::{BillingStore, InvoiceFilter, Page, ScheduleStore};
    use medsync_core::Error;
    use uuid::Uuid;

    use crate::fixtures::{appt, at, event, pid, uid};
    use crate::MemoryStore;

    fn fee(doctor: u128, kind: &str, amount_minor: i64) -> Fee {
        Fee {
            doctor_id: uid(doctor),
            appointment_type: kind.into(),
            amount_minor,
            currency: Currency("USD".into()),
            tax_rate_bp: 0,
        }
    }

    #[tokio::test]
    async fn fee_schedules_are_per_doctor_and_replaced_in_place() {
        let s = MemoryStore::new();
        for f in [
            fee(2, "surgery", 9),
            fee(1, "surgery", 5),
            fee(1, "consultation", 3),
            fee(3, "consultation", 7),
            fee(1, "surgery", 6),
        ] {
            s.put_fee(&f, &event("fee.set")).await.unwrap();
        }
        assert_eq!(
            s.fees(uid(1)).await.unwrap(),
            vec![fee(1, "consultation", 3), fee(1, "surgery", 6)]
        );
        assert_eq!(
            s.fee(uid(2), "surgery").await.unwrap(),
            Some(fee(2, "surgery", 9))
        );
        assert_eq!(s.fee(uid(2), "consultation").await.unwrap(), None);
        assert!(s.fees(uid(4)).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn completion_bills_once_and_updates_compare_versions() {
        let s = MemoryStore::new();
        let a = appt(1, uid(1), pid(1), at(9, 0), 30);
        s.book(&a, at(8, 0), &event("appointment.book"))
            .await
            .unwrap();
        let mut done = a.clone();
        done.status = AppointmentStatus::Completed;
        done.updated_at = at(9, 30);
        let first = build_invoice(InvoiceId(Uuid::from_u128(1)), &done, None, at(9, 30)).unwrap();
        let second = build_invoice(InvoiceId(Uuid::from_u128(2)), &done, None, at(9, 30)).unwrap();
        let c = s
            .complete_with_invoice(&done, 1, &first, &event("appointment.complete"))
            .await
            .unwrap();
        assert_eq!((c.appointment.version, c.invoice.id), (2, first.id));
        let stale = s
            .complete_with_invoice(&done, 1, &second, &event("appointment.complete"))
            .await;
        assert!(matches!(stale, Err(Error::PreconditionFailed { .. })));
        let again = s
            .complete_with_invoice(&done, 2, &second, &event("appointment.complete"))
            .await
            .unwrap();
        assert_eq!(again.invoice.id, first.id);
        assert!(s.invoice(second.id).await.unwrap().is_none());

        let mut next = c.invoice.clone();
        next.status = InvoiceStatus::Void;
        s.update_invoice(&next, 1, &event("invoice.void"))
            .await
            .unwrap();
        assert_eq!(
            s.invoice(first.id).await.unwrap().map(|i| i.version),
            Some(2)
        );
        assert!(matches!(
            s.update_invoice(&next, 1, &event("invoice.void")).await,
            Err(Error::PreconditionFailed {
                expected: 1,
                current: 2,
                ..
            })
        ));
        let filter = InvoiceFilter {
            status: Some(InvoiceStatus::Void),
            from: Some(at(9, 30)),
            to: Some(at(9, 30) + Duration::seconds(1)),
            ..Default::default()
        };
        assert_eq!(
            s.list_invoices(&filter, Page::default())
                .await
                .unwrap()
                .len(),
            1
        );
    }

    #[tokio::test]
    async fn monthly_report_needs_a_first_and_is_empty_without_invoices() {
        let s = MemoryStore::new();
        let err = s
            .monthly_report(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.field_errors()[0].field, "month");
        let r = s
            .monthly_report(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
            .await
            .unwrap();
        assert!(r.overall.is_empty());
        let mut t = Totals::default();
        let mut inv = build_invoice(
            InvoiceId(Uuid::from_u128(1)),
            &appt(1, uid(1), pid(1), at(9, 0), 30),
            None,
            at(9, 30),
        )
        .unwrap();
        inv.total_minor = i64::MAX;
        super::add(&mut t, &inv).unwrap();
        assert!(super::add(&mut t, &inv).is_err());
    }
}
