//! Fees and invoices.

use medsync_core::billing::{
    Currency, Fee, InsuranceClaim, Invoice, InvoiceLine, InvoiceStatus, Payment,
};
use medsync_core::ids::{AppointmentId, InvoiceId, PatientId, UserId};
use serde::{Deserialize, Serialize};

use crate::convert::{bdate, bdate_opt, bid, cdate, cdate_opt, i64_of, u64_of, uid};

/// A fee in `fees` (unique per doctor and appointment type).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FeeDoc {
    pub(crate) doctor_id: bson::Uuid,
    pub(crate) appointment_type: String,
    pub(crate) amount_minor: i64,
    pub(crate) currency: Currency,
    pub(crate) tax_rate_bp: i64,
}

impl From<&Fee> for FeeDoc {
    fn from(f: &Fee) -> Self {
        Self {
            doctor_id: bid(f.doctor_id.0),
            appointment_type: f.appointment_type.clone(),
            amount_minor: f.amount_minor,
            currency: f.currency.clone(),
            tax_rate_bp: i64::from(f.tax_rate_bp),
        }
    }
}

impl From<FeeDoc> for Fee {
    fn from(d: FeeDoc) -> Self {
        Self {
            doctor_id: UserId(uid(d.doctor_id)),
            appointment_type: d.appointment_type,
            amount_minor: d.amount_minor,
            currency: d.currency,
            tax_rate_bp: u32::try_from(d.tax_rate_bp.max(0)).unwrap_or(u32::MAX),
        }
    }
}

/// A payment recorded on an invoice.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PaymentDoc {
    pub(crate) amount_minor: i64,
    pub(crate) method: String,
    pub(crate) reference: Option<String>,
    pub(crate) at: bson::DateTime,
    pub(crate) recorded_by: bson::Uuid,
}

/// An invoice in `invoices` (unique per appointment).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct InvoiceDoc {
    #[serde(rename = "_id")]
    pub(crate) id: bson::Uuid,
    pub(crate) appointment_id: bson::Uuid,
    pub(crate) patient_id: bson::Uuid,
    pub(crate) doctor_id: bson::Uuid,
    pub(crate) currency: Currency,
    pub(crate) lines: Vec<InvoiceLine>,
    pub(crate) subtotal_minor: i64,
    pub(crate) discount_minor: i64,
    pub(crate) tax_minor: i64,
    pub(crate) total_minor: i64,
    pub(crate) status: InvoiceStatus,
    pub(crate) payments: Vec<PaymentDoc>,
    pub(crate) claim: Option<InsuranceClaim>,
    pub(crate) created_at: bson::DateTime,
    pub(crate) issued_at: Option<bson::DateTime>,
    pub(crate) paid_at: Option<bson::DateTime>,
    pub(crate) updated_at: bson::DateTime,
    pub(crate) version: i64,
}

impl From<&Invoice> for InvoiceDoc {
    fn from(i: &Invoice) -> Self {
        Self {
            id: bid(i.id.0),
            appointment_id: bid(i.appointment_id.0),
            patient_id: bid(i.patient_id.0),
            doctor_id: bid(i.doctor_id.0),
            currency: i.currency.clone(),
            lines: i.lines.clone(),
            subtotal_minor: i.subtotal_minor,
            discount_minor: i.discount_minor,
            tax_minor: i.tax_minor,
            total_minor: i.total_minor,
            status: i.status,
            payments: i
                .payments
                .iter()
                .map(|p| PaymentDoc {
                    amount_minor: p.amount_minor,
                    method: p.method.clone(),
                    reference: p.reference.clone(),
                    at: bdate(p.at),
                    recorded_by: bid(p.recorded_by.0),
                })
                .collect(),
            claim: i.claim.clone(),
            created_at: bdate(i.created_at),
            issued_at: bdate_opt(i.issued_at),
            paid_at: bdate_opt(i.paid_at),
            updated_at: bdate(i.updated_at),
            version: i64_of(i.version),
        }
    }
}

impl From<InvoiceDoc> for Invoice {
    fn from(d: InvoiceDoc) -> Self {
        Self {
            id: InvoiceId(uid(d.id)),
            appointment_id: AppointmentId(uid(d.appointment_id)),
            patient_id: PatientId(uid(d.patient_id)),
            doctor_id: UserId(uid(d.doctor_id)),
            currency: d.currency,
            lines: d.lines,
            subtotal_minor: d.subtotal_minor,
            discount_minor: d.discount_minor,
            tax_minor: d.tax_minor,
            total_minor: d.total_minor,
            status: d.status,
            payments: d
                .payments
                .into_iter()
                .map(|p| Payment {
                    amount_minor: p.amount_minor,
                    method: p.method,
                    reference: p.reference,
                    at: cdate(p.at),
                    recorded_by: UserId(uid(p.recorded_by)),
                })
                .collect(),
            claim: d.claim,
            created_at: cdate(d.created_at),
            issued_at: cdate_opt(d.issued_at),
            paid_at: cdate_opt(d.paid_at),
            updated_at: cdate(d.updated_at),
            version: u64_of(d.version),
        }
    }
}
