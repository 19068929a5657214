//! Fees, invoices, payments and insurance-claim placeholders. Amounts are integer minor units
//! (cents) of an ISO 4217 currency; no floating point touches money.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AppointmentId, InvoiceId, PatientId, UserId};

/// An ISO 4217 alphabetic currency code (three upper-case ASCII letters), e.g. `USD`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Currency(pub String);

/// What a doctor charges for one appointment type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    /// The doctor.
    pub doctor_id: UserId,
    /// The appointment type, e.g. `"consultation"`.
    pub appointment_type: String,
    /// Price in minor units.
    pub amount_minor: i64,
    /// Currency.
    pub currency: Currency,
    /// Tax rate in basis points (1/100 of a percent): 750 = 7.5 %.
    pub tax_rate_bp: u32,
}

/// Lifecycle of an invoice: `draft` → `issued` → `paid` | `void` (`draft` → `void` too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Being prepared; not yet owed.
    Draft,
    /// Owed by the patient.
    Issued,
    /// Settled in full.
    Paid,
    /// Cancelled; nothing owed.
    Void,
}

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// What is charged.
    pub description: String,
    /// How many.
    pub quantity: u32,
    /// Price of one, minor units.
    pub unit_amount_minor: i64,
    /// `quantity × unit_amount_minor`.
    pub amount_minor: i64,
}

/// A payment recorded against an invoice (no payment processor is involved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Amount, minor units.
    pub amount_minor: i64,
    /// Method, e.g. "card", "cash", "insurance".
    pub method: String,
    /// External reference (receipt number).
    pub reference: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
    /// Who recorded it.
    pub recorded_by: UserId,
}

/// Status of an insurance claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// Not yet sent.
    NotSubmitted,
    /// Sent to the payer.
    Submitted,
    /// Accepted.
    Approved,
    /// Refused.
    Denied,
}

/// Insurance claim placeholder attached to an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsuranceClaim {
    /// The insurer.
    pub payer: String,
    /// The patient's policy number.
    pub policy_number: String,
    /// Where the claim stands.
    pub status: ClaimStatus,
}

/// The bill for one completed appointment (exactly one per appointment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// Id.
    pub id: InvoiceId,
    /// The appointment billed; unique across invoices.
    pub appointment_id: AppointmentId,
    /// The chart billed.
    pub patient_id: PatientId,
    /// The doctor who saw the patient.
    pub doctor_id: UserId,
    /// Currency of every amount.
    pub currency: Currency,
    /// Lines.
    pub lines: Vec<InvoiceLine>,
    /// Sum of line amounts.
    pub subtotal_minor: i64,
    /// Discount (non-negative, at most the subtotal).
    pub discount_minor: i64,
    /// Tax on `subtotal - discount`, rounded half up.
    pub tax_minor: i64,
    /// `subtotal - discount + tax`.
    pub total_minor: i64,
    /// Lifecycle state.
    pub status: InvoiceStatus,
    /// Payments recorded.
    pub payments: Vec<Payment>,
    /// Insurance claim placeholder.
    pub claim: Option<InsuranceClaim>,
    /// Creation time (the appointment's completion).
    pub created_at: DateTime<Utc>,
    /// When issued.
    pub issued_at: Option<DateTime<Utc>>,
    /// When fully paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version, starts at 1.
    pub version: u64,
}

/// Totals of one group of invoices in one currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Number of invoices.
    pub count: u64,
    /// Sum of `total_minor`.
    pub total_minor: i64,
}

/// A month's billing summary (invoices created in that UTC month), computed by the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyReport {
    /// First day of the month.
    pub month: NaiveDate,
    /// All invoices, per currency.
    pub overall: Vec<(Currency, Totals)>,
    /// Per status and currency, ordered by status then currency.
    pub by_status: Vec<(InvoiceStatus, Currency, Totals)>,
    /// Per doctor and currency, ordered by doctor id then currency.
    pub by_doctor: Vec<(UserId, Currency, Totals)>,
}
