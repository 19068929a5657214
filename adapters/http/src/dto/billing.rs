//! Fees, invoices, payments and insurance claims. Amounts are integer minor units (cents)
//! of an ISO 4217 currency.

use chrono::{DateTime, Utc};
use medsync_core::billing::{
    ClaimStatus, Currency, Fee, InsuranceClaim, Invoice, InvoiceLine, InvoiceStatus, Payment,
};
use medsync_core::ids::{PatientId, UserId};
use medsync_core::service::InvoiceQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A doctor's price for one appointment type.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeBody {
    /// Price in minor units (0 to 10¹²).
    #[schema(minimum = 0, maximum = 1000000000000.0, example = 12000)]
    pub amount_minor: i64,
    /// ISO 4217 code, e.g. `USD`: three upper-case letters.
    #[schema(pattern = r"^[A-Z]{3}$", example = "USD")]
    pub currency: String,
    /// Tax rate in basis points: 750 = 7.5 % (at most 10 000).
    #[serde(default)]
    #[schema(maximum = 10000)]
    pub tax_rate_bp: u32,
}

impl FeeBody {
    /// The core fee for `doctor` and `appointment_type`.
    pub fn into_core(self, doctor: Uuid, appointment_type: String) -> Fee {
        Fee {
            doctor_id: UserId(doctor),
            appointment_type,
            amount_minor: self.amount_minor,
            currency: Currency(self.currency),
            tax_rate_bp: self.tax_rate_bp,
        }
    }
}

/// A doctor's fee for one appointment type.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FeeDto {
    /// The doctor.
    pub doctor_id: Uuid,
    /// The appointment type, e.g. `consultation`.
    pub appointment_type: String,
    /// Price in minor units.
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Tax rate in basis points.
    pub tax_rate_bp: u32,
}

impl From<Fee> for FeeDto {
    fn from(f: Fee) -> Self {
        Self {
            doctor_id: f.doctor_id.0,
            appointment_type: f.appointment_type,
            amount_minor: f.amount_minor,
            currency: f.currency.0,
            tax_rate_bp: f.tax_rate_bp,
        }
    }
}

/// Lifecycle of an invoice: `draft` → `issued` → `paid` | `void`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatusDto {
    /// Being prepared; not yet owed.
    Draft,
    /// Owed by the patient.
    Issued,
    /// Settled in full.
    Paid,
    /// Cancelled.
    Void,
}

impl From<InvoiceStatus> for InvoiceStatusDto {
    fn from(s: InvoiceStatus) -> Self {
        match s {
            InvoiceStatus::Draft => Self::Draft,
            InvoiceStatus::Issued => Self::Issued,
            InvoiceStatus::Paid => Self::Paid,
            InvoiceStatus::Void => Self::Void,
        }
    }
}

impl From<InvoiceStatusDto> for InvoiceStatus {
    fn from(s: InvoiceStatusDto) -> Self {
        match s {
            InvoiceStatusDto::Draft => Self::Draft,
            InvoiceStatusDto::Issued => Self::Issued,
            InvoiceStatusDto::Paid => Self::Paid,
            InvoiceStatusDto::Void => Self::Void,
        }
    }
}

/// One line of an invoice.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InvoiceLineDto {
    /// What is charged.
    pub description: String,
    /// How many.
    pub quantity: u32,
    /// Price of one, minor units.
    pub unit_amount_minor: i64,
    /// `quantity × unit_amount_minor`.
    pub amount_minor: i64,
}

impl From<InvoiceLine> for InvoiceLineDto {
    fn from(l: InvoiceLine) -> Self {
        Self {
            description: l.description,
            quantity: l.quantity,
            unit_amount_minor: l.unit_amount_minor,
            amount_minor: l.amount_minor,
        }
    }
}

/// A payment recorded against an invoice.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaymentDto {
    /// Amount, minor units.
    pub amount_minor: i64,
    /// Method, e.g. `card`.
    pub method: String,
    /// External reference.
    pub reference: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
    /// Who recorded it.
    pub recorded_by: Uuid,
}

impl From<Payment> for PaymentDto {
    fn from(p: Payment) -> Self {
        Self {
            amount_minor: p.amount_minor,
            method: p.method,
            reference: p.reference,
            at: p.at,
            recorded_by: p.recorded_by.0,
        }
    }
}

/// Status of an insurance claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatusDto {
    /// Not yet sent.
    NotSubmitted,
    /// Sent to the payer.
    Submitted,
    /// Accepted.
    Approved,
    /// Refused.
    Denied,
}

/// An insurance-claim placeholder (also the body of `PUT /api/invoices/{id}/claim`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimDto {
    /// The insurer: 1 to 200 characters after trimming.
    #[schema(max_length = 200, pattern = r"\S")]
    pub payer: String,
    /// The patient's policy number: 1 to 64 characters after trimming.
    #[schema(max_length = 64, pattern = r"\S")]
    pub policy_number: String,
    /// Where the claim stands.
    pub status: ClaimStatusDto,
}

impl From<InsuranceClaim> for ClaimDto {
    fn from(c: InsuranceClaim) -> Self {
        Self {
            payer: c.payer,
            policy_number: c.policy_number,
            status: match c.status {
                ClaimStatus::NotSubmitted => ClaimStatusDto::NotSubmitted,
                ClaimStatus::Submitted => ClaimStatusDto::Submitted,
                ClaimStatus::Approved => ClaimStatusDto::Approved,
                ClaimStatus::Denied => ClaimStatusDto::Denied,
            },
        }
    }
}

impl From<ClaimDto> for InsuranceClaim {
    fn from(c: ClaimDto) -> Self {
        Self {
            payer: c.payer,
            policy_number: c.policy_number,
            status: match c.status {
                ClaimStatusDto::NotSubmitted => ClaimStatus::NotSubmitted,
                ClaimStatusDto::Submitted => ClaimStatus::Submitted,
                ClaimStatusDto::Approved => ClaimStatus::Approved,
                ClaimStatusDto::Denied => ClaimStatus::Denied,
            },
        }
    }
}

/// The bill of one completed appointment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InvoiceDto {
    /// Id.
    pub id: Uuid,
    /// The appointment billed.
    pub appointment_id: Uuid,
    /// The chart billed.
    pub patient_id: Uuid,
    /// The doctor.
    pub doctor_id: Uuid,
    /// ISO 4217 code of every amount.
    pub currency: String,
    /// Lines.
    pub lines: Vec<InvoiceLineDto>,
    /// Sum of line amounts.
    pub subtotal_minor: i64,
    /// Discount.
    pub discount_minor: i64,
    /// Tax on `subtotal - discount`.
    pub tax_minor: i64,
    /// `subtotal - discount + tax`.
    pub total_minor: i64,
    /// Lifecycle state.
    pub status: InvoiceStatusDto,
    /// Payments recorded.
    pub payments: Vec<PaymentDto>,
    /// Insurance claim placeholder.
    pub claim: Option<ClaimDto>,
    /// Creation time (the appointment's completion).
    pub created_at: DateTime<Utc>,
    /// When issued.
    pub issued_at: Option<DateTime<Utc>>,
    /// When fully paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Version (also the `ETag`).
    pub version: u64,
}

impl From<Invoice> for InvoiceDto {
    fn from(i: Invoice) -> Self {
        Self {
            id: i.id.0,
            appointment_id: i.appointment_id.0,
            patient_id: i.patient_id.0,
            doctor_id: i.doctor_id.0,
            currency: i.currency.0,
            lines: i.lines.into_iter().map(Into::into).collect(),
            subtotal_minor: i.subtotal_minor,
            discount_minor: i.discount_minor,
            tax_minor: i.tax_minor,
            total_minor: i.total_minor,
            status: i.status.into(),
            payments: i.payments.into_iter().map(Into::into).collect(),
            claim: i.claim.map(Into::into),
            created_at: i.created_at,
            issued_at: i.issued_at,
            paid_at: i.paid_at,
            updated_at: i.updated_at,
            version: i.version,
        }
    }
}

/// Filters of the invoice list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvoiceListQuery {
    /// Only this status.
    pub status: Option<InvoiceStatusDto>,
    /// Only invoices created at or after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only invoices created before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Only this chart's.
    pub patient_id: Option<Uuid>,
    /// Rows to skip (default 0).
    pub offset: Option<u64>,
    /// Page size (default 50); larger values are treated as 500, and 0 as 1.
    pub limit: Option<u32>,
}

impl InvoiceListQuery {
    /// The service's query.
    pub fn to_core(&self) -> InvoiceQuery {
        InvoiceQuery {
            status: self.status.map(Into::into),
            from: self.from,
            to: self.to,
            patient_id: self.patient_id.map(PatientId),
        }
    }
}

/// One line of a draft, as the caller sends it (the amount is computed).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftLineBody {
    /// What is charged: 1 to 200 characters after trimming.
    #[schema(max_length = 200, pattern = r"\S", example = "Consultation")]
    pub description: String,
    /// How many (1–10000).
    #[schema(minimum = 1, maximum = 10000, example = 1)]
    pub quantity: u32,
    /// Price of one, minor units (0 to 10¹²).
    #[schema(minimum = 0, maximum = 1000000000000.0, example = 12000)]
    pub unit_amount_minor: i64,
}

/// A draft's new lines and discount.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftBody {
    /// The lines (1–100).
    #[schema(min_items = 1, max_items = 100)]
    pub lines: Vec<DraftLineBody>,
    /// Discount in minor units: not negative, at most the subtotal (default 0).
    #[serde(default)]
    #[schema(minimum = 0)]
    pub discount_minor: i64,
}

impl DraftBody {
    /// The core lines (amounts are recomputed by the service).
    pub fn core_lines(self) -> (Vec<InvoiceLine>, i64) {
        let lines = self
            .lines
            .into_iter()
            .map(|l| InvoiceLine {
                description: l.description,
                quantity: l.quantity,
                unit_amount_minor: l.unit_amount_minor,
                amount_minor: 0,
            })
            .collect();
        (lines, self.discount_minor)
    }
}

/// A payment.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    /// Amount in minor units: positive, at most what is still owed.
    #[schema(minimum = 1, example = 12000)]
    pub amount_minor: i64,
    /// Method, e.g. `card`: 1 to 32 characters after trimming.
    #[schema(max_length = 32, pattern = r"\S", example = "card")]
    pub method: String,
    /// External reference (at most 128 characters after trimming; blank counts as absent).
    #[serde(default)]
    #[schema(max_length = 128)]
    pub reference: Option<String>,
}

/// Why an invoice is voided.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidBody {
    /// 1 to 500 characters after trimming.
    #[schema(max_length = 500, pattern = r"\S")]
    pub reason: String,
}
