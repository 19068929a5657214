//! Fees (`fees`) and invoices (`invoices`, one per appointment by
//! `invoices_appointment_id_key`), and the month's report aggregated with `GROUPING SETS`.

use async_trait::async_trait;
use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, Utc};
use medsync_core::audit::AuditEvent;
use medsync_core::billing::{Currency, Fee, Invoice, InvoiceStatus, MonthlyReport, Totals};
use medsync_core::ids::{AppointmentId, InvoiceId, PatientId, UserId};
use medsync_core::scheduling::Appointment;
use medsync_core::store::{BillingStore, Completion, InvoiceFilter, Page};
use medsync_core::{Error, Result};
use sqlx::{PgConnection, QueryBuilder};
use uuid::Uuid;

use crate::convert::{
    from_json, limit_offset, parse_wire, to_i64, to_json, to_u32, to_u64, u32_to_i64, wire,
};
use crate::errors::DbResultExt;
use crate::users::cas_miss;
use crate::{audit, retry, PostgresStore};

/// The columns of an [`InvoiceRow`], in order.
const COLUMNS: &str = "id, appointment_id, patient_id, doctor_id, currency, lines, \
     subtotal_minor, discount_minor, tax_minor, total_minor, status, payments, claim, \
     created_at, issued_at, paid_at, updated_at, version";

/// An `invoices` row.
#[derive(sqlx::FromRow)]
struct InvoiceRow {
    id: Uuid,
    appointment_id: Uuid,
    patient_id: Uuid,
    doctor_id: Uuid,
    currency: String,
    lines: serde_json::Value,
    subtotal_minor: i64,
    discount_minor: i64,
    tax_minor: i64,
    total_minor: i64,
    status: String,
    payments: serde_json::Value,
    claim: Option<serde_json::Value>,
    created_at: DateTime<Utc>,
    issued_at: Option<DateTime<Utc>>,
    paid_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    version: i64,
}

impl InvoiceRow {
    fn into_invoice(self) -> Result<Invoice> {
        Ok(Invoice {
            id: InvoiceId(self.id),
            appointment_id: AppointmentId(self.appointment_id),
            patient_id: PatientId(self.patient_id),
            doctor_id: UserId(self.doctor_id),
            currency: Currency(self.currency),
            lines: from_json(self.lines, "invoice lines")?,
            subtotal_minor: self.subtotal_minor,
            discount_minor: self.discount_minor,
            tax_minor: self.tax_minor,
            total_minor: self.total_minor,
            status: parse_wire(&self.status, "invoice status")?,
            payments: from_json(self.payments, "invoice payments")?,
            claim: self
                .claim
                .map(|c| from_json(c, "insurance claim"))
                .transpose()?,
            created_at: self.created_at,
            issued_at: self.issued_at,
            paid_at: self.paid_at,
            updated_at: self.updated_at,
            version: to_u64(self.version, "invoice version")?,
        })
    }
}

fn invoices(rows: Vec<InvoiceRow>) -> Result<Vec<Invoice>> {
    rows.into_iter().map(InvoiceRow::into_invoice).collect()
}

/// The appointment's invoice, read inside `conn`.
async fn for_appointment(conn: &mut PgConnection, id: AppointmentId) -> Result<Option<Invoice>> {
    let row: Option<InvoiceRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM invoices WHERE appointment_id = $1"
    ))
    .bind(id.0)
    .fetch_optional(conn)
    .await
    .db("read the appointment's invoice")?;
    row.map(InvoiceRow::into_invoice).transpose()
}

/// `[first instant of the month, first instant of the next)`. `InvalidInput` unless `month`
/// is a 1st.
fn month_bounds(month: NaiveDate) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    if month.day() != 1 {
        return Err(Error::invalid("month", "must be the first day of a month"));
    }
    let next = month
        .checked_add_months(Months::new(1))
        .ok_or_else(|| Error::invalid("month", "is out of range"))?;
    let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN).and_utc();
    Ok((midnight(month), midnight(next)))
}

impl PostgresStore {
    async fn complete_once(
        &self,
        next: &Appointment,
        expected_version: u64,
        invoice: &Invoice,
        audit: &AuditEvent,
    ) -> Result<Completion> {
        const WHAT: &str = "complete and bill the appointment";
        let mut tx = self.begin().await?;
        let appointment = Self::update_in(&mut tx, next, expected_version, next.updated_at).await?;
        // Only the compare-and-set winner gets here; the unique appointment_id keeps one
        // invoice even if an invoice was somehow written before.
        sqlx::query(&format!(
            "INSERT INTO invoices ({COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 1) \
             ON CONFLICT ON CONSTRAINT invoices_appointment_id_key DO NOTHING"
        ))
        .bind(invoice.id.0)
        .bind(invoice.appointment_id.0)
        .bind(invoice.patient_id.0)
        .bind(invoice.doctor_id.0)
        .bind(&invoice.currency.0)
        .bind(to_json(&invoice.lines)?)
        .bind(invoice.subtotal_minor)
        .bind(invoice.discount_minor)
        .bind(invoice.tax_minor)
        .bind(invoice.total_minor)
        .bind(wire(&invoice.status)?)
        .bind(to_json(&invoice.payments)?)
        .bind(invoice.claim.as_ref().map(to_json).transpose()?)
        .bind(invoice.created_at)
        .bind(invoice.issued_at)
        .bind(invoice.paid_at)
        .bind(invoice.updated_at)
        .execute(&mut *tx)
        .await
        .db(WHAT)?;
        let invoice = for_appointment(&mut tx, next.id)
            .await?
            .ok_or_else(|| Error::Backend {
                message: "the appointment's invoice vanished while completing it".into(),
                source: None,
            })?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)?;
        Ok(Completion {
            appointment,
            invoice,
        })
    }
}

/// One row of the monthly report's `GROUPING SETS` query.
#[derive(sqlx::FromRow)]
struct GroupRow {
    status: Option<String>,
    doctor_id: Option<Uuid>,
    currency: String,
    count: i64,
    total: i64,
}

#[async_trait]
impl BillingStore for PostgresStore {
    async fn put_fee(&self, fee: &Fee, audit: &AuditEvent) -> Result<()> {
        const WHAT: &str = "set the fee";
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO fees (doctor_id, appointment_type, amount_minor, currency, tax_rate_bp) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT ON CONSTRAINT fees_pkey DO UPDATE SET \
             amount_minor = EXCLUDED.amount_minor, currency = EXCLUDED.currency, \
             tax_rate_bp = EXCLUDED.tax_rate_bp",
        )
        .bind(fee.doctor_id.0)
        .bind(&fee.appointment_type)
        .bind(fee.amount_minor)
        .bind(&fee.currency.0)
        .bind(u32_to_i64(fee.tax_rate_bp))
        .execute(&mut *tx)
        .await
        .db(WHAT)?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)
    }

    async fn fee(&self, doctor_id: UserId, appointment_type: &str) -> Result<Option<Fee>> {
        let fees = fees_where(self, doctor_id, Some(appointment_type)).await?;
        Ok(fees.into_iter().next())
    }

    async fn fees(&self, doctor_id: UserId) -> Result<Vec<Fee>> {
        fees_where(self, doctor_id, None).await
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
        retry::transient(|| self.complete_once(next, expected_version, invoice, audit)).await
    }

    async fn invoice(&self, id: InvoiceId) -> Result<Option<Invoice>> {
        let row: Option<InvoiceRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM invoices WHERE id = $1"))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .db("read an invoice")?;
        row.map(InvoiceRow::into_invoice).transpose()
    }

    async fn invoice_for_appointment(
        &self,
        appointment_id: AppointmentId,
    ) -> Result<Option<Invoice>> {
        let mut conn = self.pool.acquire().await.db("read an invoice")?;
        for_appointment(&mut conn, appointment_id).await
    }

    async fn list_invoices(&self, filter: &InvoiceFilter, page: Page) -> Result<Vec<Invoice>> {
        let mut q = QueryBuilder::new(format!("SELECT {COLUMNS} FROM invoices WHERE TRUE"));
        if let Some(ps) = &filter.patient_ids {
            let ids: Vec<Uuid> = ps.iter().map(|p| p.0).collect();
            q.push(" AND patient_id = ANY(").push_bind(ids).push(")");
        }
        if let Some(d) = filter.doctor_id {
            q.push(" AND doctor_id = ").push_bind(d.0);
        }
        if let Some(s) = filter.status {
            q.push(" AND status = ").push_bind(wire(&s)?);
        }
        if let Some(from) = filter.from {
            q.push(" AND created_at >= ").push_bind(from);
        }
        if let Some(to) = filter.to {
            q.push(" AND created_at < ").push_bind(to);
        }
        let (limit, offset) = limit_offset(page);
        q.push(" ORDER BY created_at DESC, id DESC LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows: Vec<InvoiceRow> = q
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .db("list invoices")?;
        invoices(rows)
    }

    async fn update_invoice(
        &self,
        next: &Invoice,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()> {
        const WHAT: &str = "update the invoice";
        let expected = to_i64(expected_version, "version")?;
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE invoices SET patient_id = $3, doctor_id = $4, currency = $5, lines = $6, \
             subtotal_minor = $7, discount_minor = $8, tax_minor = $9, total_minor = $10, \
             status = $11, payments = $12, claim = $13, created_at = $14, issued_at = $15, \
             paid_at = $16, updated_at = $17, version = $18 + 1 \
             WHERE id = $1 AND appointment_id = $2 AND version = $18",
        )
        .bind(next.id.0)
        .bind(next.appointment_id.0)
        .bind(next.patient_id.0)
        .bind(next.doctor_id.0)
        .bind(&next.currency.0)
        .bind(to_json(&next.lines)?)
        .bind(next.subtotal_minor)
        .bind(next.discount_minor)
        .bind(next.tax_minor)
        .bind(next.total_minor)
        .bind(wire(&next.status)?)
        .bind(to_json(&next.payments)?)
        .bind(next.claim.as_ref().map(to_json).transpose()?)
        .bind(next.created_at)
        .bind(next.issued_at)
        .bind(next.paid_at)
        .bind(next.updated_at)
        .bind(expected)
        .execute(&mut *tx)
        .await
        .db(WHAT)?;
        if done.rows_affected() == 0 {
            let miss = cas_miss(&mut tx, "invoices", "invoice", next.id.0, expected_version).await;
            // The version matched, so the appointment link is what differs.
            if let Error::PreconditionFailed { current, .. } = &miss {
                if *current == expected_version {
                    return Err(Error::conflict(
                        "an invoice cannot move to another appointment",
                        None,
                    ));
                }
            }
            return Err(miss);
        }
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)
    }

    async fn monthly_report(&self, month: NaiveDate) -> Result<MonthlyReport> {
        let (start, end) = month_bounds(month)?;
        let rows: Vec<GroupRow> = sqlx::query_as(
            "SELECT status, doctor_id, currency, count(*) AS count, \
                    sum(total_minor)::bigint AS total \
             FROM invoices WHERE created_at >= $1 AND created_at < $2 \
             GROUP BY GROUPING SETS ((currency), (status, currency), (doctor_id, currency))",
        )
        .bind(start)
        .bind(end)
        .fetch_all(&self.pool)
        .await
        .db("compute the monthly report")?;
        let mut report = MonthlyReport {
            month,
            ..MonthlyReport::default()
        };
        for r in rows {
            let totals = Totals {
                count: to_u64(r.count, "invoice count")?,
                total_minor: r.total,
            };
            let currency = Currency(r.currency);
            match (r.status, r.doctor_id) {
                (Some(s), None) => {
                    let status: InvoiceStatus = parse_wire(&s, "invoice status")?;
                    report.by_status.push((status, currency, totals));
                }
                (None, Some(d)) => report.by_doctor.push((UserId(d), currency, totals)),
                _ => report.overall.push((currency, totals)),
            }
        }
        report.overall.sort_by(|a, b| a.0.cmp(&b.0));
        report
            .by_status
            .sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        report
            .by_doctor
            .sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        Ok(report)
    }
}

/// The doctor's fees (of one appointment type, if given), ordered by appointment type.
async fn fees_where(
    store: &PostgresStore,
    doctor_id: UserId,
    appointment_type: Option<&str>,
) -> Result<Vec<Fee>> {
    let rows: Vec<(Uuid, String, i64, String, i64)> = sqlx::query_as(
        "SELECT doctor_id, appointment_type, amount_minor, currency, tax_rate_bp FROM fees \
         WHERE doctor_id = $1 AND ($2::text IS NULL OR appointment_type = $2) \
         ORDER BY appointment_type COLLATE \"C\"",
    )
    .bind(doctor_id.0)
    .bind(appointment_type)
    .fetch_all(&store.pool)
    .await
    .db("read fees")?;
    rows.into_iter()
        .map(|(d, t, amount, currency, tax)| {
            Ok(Fee {
                doctor_id: UserId(d),
                appointment_type: t,
                amount_minor: amount,
                currency: Currency(currency),
                tax_rate_bp: to_u32(tax, "tax rate")?,
            })
        })
        .collect()
}
