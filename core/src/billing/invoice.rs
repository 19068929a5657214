//! Pure invoice computation: building an appointment's invoice from the doctor's fee, totals,
//! and the lifecycle `draft → issued → paid | void`. Nothing here is stored; each function
//! returns the next [`Invoice`] (same `version`: the store bumps it) or an error.
//!
//! Errors: a request that the invoice's state does not allow is `Error::InvalidState`
//! (checked first); bad input is `Error::InvalidInput` naming the field.

use chrono::{DateTime, Utc};

use super::fee::validate_fee;
use super::model::{
    ClaimStatus, Currency, Fee, InsuranceClaim, Invoice, InvoiceLine, InvoiceStatus, Payment,
};
use super::money::{add, sub, tax_half_up, DEFAULT_CURRENCY, MAX_AMOUNT_MINOR};
use crate::error::{Error, Result, Validator};
use crate::ids::InvoiceId;
use crate::scheduling::Appointment;

/// The most lines an invoice may have.
pub const MAX_LINES: usize = 100;

/// The largest quantity of one line.
pub const MAX_QUANTITY: u32 = 10_000;

impl InvoiceStatus {
    /// The status's wire name (`"issued"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Issued => "issued",
            Self::Paid => "paid",
            Self::Void => "void",
        }
    }
}

impl ClaimStatus {
    /// The status's wire name (`"not_submitted"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::NotSubmitted => "not_submitted",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Denied => "denied",
        }
    }
}

/// Subtotal, tax and total of an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amounts {
    /// Sum of the lines.
    pub subtotal_minor: i64,
    /// `round_half_up((subtotal - discount) × tax_rate_bp / 10 000)`.
    pub tax_minor: i64,
    /// `subtotal - discount + tax`.
    pub total_minor: i64,
}

/// Computes the amounts of `lines` (whose `amount_minor` must already be
/// `quantity × unit_amount_minor`) with `discount_minor` off and tax at `tax_rate_bp`.
///
/// `InvalidInput` on `discount_minor` when negative or above the subtotal, on `tax_rate_bp`
/// above 10 000, on `lines` when a sum overflows.
pub fn compute_amounts(
    lines: &[InvoiceLine],
    discount_minor: i64,
    tax_rate_bp: u32,
) -> Result<Amounts> {
    let mut subtotal: i64 = 0;
    for line in lines {
        subtotal = add("lines", subtotal, line.amount_minor)?;
    }
    if discount_minor < 0 {
        return Err(Error::invalid("discount_minor", "must not be negative"));
    }
    if discount_minor > subtotal {
        return Err(Error::invalid(
            "discount_minor",
            "must be at most the subtotal",
        ));
    }
    let base = sub("discount_minor", subtotal, discount_minor)?;
    let tax = tax_half_up("lines", base, tax_rate_bp)?;
    Ok(Amounts {
        subtotal_minor: subtotal,
        tax_minor: tax,
        total_minor: add("lines", base, tax)?,
    })
}

/// Validates caller-supplied lines and recomputes each `amount_minor` as
/// `quantity × unit_amount_minor` (the given value is ignored). Descriptions are trimmed.
///
/// Rules (field names `lines[i].description` etc.): 1–[`MAX_LINES`] lines; a description of
/// 1–200 characters; a quantity of 1–[`MAX_QUANTITY`]; a unit amount of 0–
/// [`MAX_AMOUNT_MINOR`].
pub fn normalize_lines(lines: Vec<InvoiceLine>) -> Result<Vec<InvoiceLine>> {
    let mut v = Validator::new();
    v.check(!lines.is_empty(), "lines", "must not be empty");
    v.check(
        lines.len() <= MAX_LINES,
        "lines",
        "must have at most 100 lines",
    );
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.into_iter().enumerate() {
        let description = line.description.trim().to_owned();
        let chars = description.chars().count();
        if !(1..=200).contains(&chars) {
            v.push(
                format!("lines[{i}].description"),
                "must be 1 to 200 characters",
            );
        }
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            v.push(format!("lines[{i}].quantity"), "must be 1 to 10000");
        }
        if !(0..=MAX_AMOUNT_MINOR).contains(&line.unit_amount_minor) {
            v.push(
                format!("lines[{i}].unit_amount_minor"),
                "must be 0 to 1000000000000",
            );
        }
        let amount = line
            .unit_amount_minor
            .checked_mul(i64::from(line.quantity))
            .unwrap_or(i64::MAX);
        out.push(InvoiceLine {
            description,
            quantity: line.quantity,
            unit_amount_minor: line.unit_amount_minor,
            amount_minor: amount,
        });
    }
    v.finish()?;
    Ok(out)
}

/// The invoice of `appt`, the appointment being completed, created at `now`.
///
/// * With the doctor's `fee` for the appointment's type: one line
///   `"<appointment_type> with the doctor"` (quantity 1, unit = the fee's amount), no
///   discount, tax at the fee's rate rounded half up, in the fee's currency; status `issued`
///   with `issued_at = now` — or `paid` with `paid_at = now` when the total is zero (nothing is
///   owed).
/// * Without a fee: a `draft` with no lines and zero amounts, in [`DEFAULT_CURRENCY`] (`USD`),
///   for billing staff to complete with [`update_draft`].
///
/// `InvalidInput` on `fee` when the fee is another doctor's or another type's, or is invalid.
pub fn build_invoice(
    id: InvoiceId,
    appt: &Appointment,
    fee: Option<&Fee>,
    now: DateTime<Utc>,
) -> Result<Invoice> {
    let mut invoice = Invoice {
        id,
        appointment_id: appt.id,
        patient_id: appt.patient_id,
        doctor_id: appt.doctor_id,
        currency: Currency(DEFAULT_CURRENCY.to_owned()),
        lines: Vec::new(),
        subtotal_minor: 0,
        discount_minor: 0,
        tax_minor: 0,
        total_minor: 0,
        status: InvoiceStatus::Draft,
        payments: Vec::new(),
        claim: None,
        created_at: now,
        issued_at: None,
        paid_at: None,
        updated_at: now,
        version: 1,
    };
    let Some(fee) = fee else {
        return Ok(invoice);
    };
    if fee.doctor_id != appt.doctor_id || fee.appointment_type != appt.appointment_type {
        return Err(Error::invalid(
            "fee",
            "is not the appointment's doctor's fee for its type",
        ));
    }
    validate_fee(fee)?;
    let line = InvoiceLine {
        description: format!("{} with the doctor", appt.appointment_type),
        quantity: 1,
        unit_amount_minor: fee.amount_minor,
        amount_minor: fee.amount_minor,
    };
    invoice.currency = fee.currency.clone();
    invoice.lines = vec![line];
    let amounts = compute_amounts(&invoice.lines, 0, fee.tax_rate_bp)?;
    set_amounts(&mut invoice, amounts, 0);
    issue(&invoice, now)
}

fn set_amounts(invoice: &mut Invoice, amounts: Amounts, discount_minor: i64) {
    invoice.subtotal_minor = amounts.subtotal_minor;
    invoice.discount_minor = discount_minor;
    invoice.tax_minor = amounts.tax_minor;
    invoice.total_minor = amounts.total_minor;
}

fn cannot(what: &str, invoice: &Invoice) -> Error {
    Error::InvalidState(format!(
        "cannot {what} an invoice that is {}",
        invoice.status.as_str()
    ))
}

/// What is still owed: `total - Σ payments`. `InvalidInput` on `payments` on overflow.
pub fn outstanding(invoice: &Invoice) -> Result<i64> {
    let mut paid: i64 = 0;
    for p in &invoice.payments {
        paid = add("payments", paid, p.amount_minor)?;
    }
    sub("payments", invoice.total_minor, paid)
}

/// `draft → issued` at `now` (`issued_at = now`); a zero total goes straight to `paid`
/// (`paid_at = now`). `InvalidState` from any other status or when the draft has no lines.
pub fn issue(invoice: &Invoice, now: DateTime<Utc>) -> Result<Invoice> {
    if invoice.status != InvoiceStatus::Draft {
        return Err(cannot("issue", invoice));
    }
    if invoice.lines.is_empty() {
        return Err(Error::InvalidState(
            "cannot issue an invoice without lines".into(),
        ));
    }
    let mut next = invoice.clone();
    next.status = InvoiceStatus::Issued;
    next.issued_at = Some(now);
    next.updated_at = now;
    if next.total_minor == 0 {
        next.status = InvoiceStatus::Paid;
        next.paid_at = Some(now);
    }
    Ok(next)
}

/// Records `payment` on an `issued` invoice; when it settles the outstanding amount the
/// invoice becomes `paid` with `paid_at = payment.at`.
///
/// `InvalidState` unless `issued`; `InvalidInput` on `amount_minor` unless
/// `0 < amount ≤ outstanding`, on `method` unless 1–32 characters, on `reference` over 128
/// characters. `method` and `reference` are trimmed; a blank reference becomes `None`.
pub fn record_payment(invoice: &Invoice, payment: Payment) -> Result<Invoice> {
    if invoice.status != InvoiceStatus::Issued {
        return Err(cannot("record a payment on", invoice));
    }
    let owed = outstanding(invoice)?;
    let method = payment.method.trim().to_owned();
    let reference = payment
        .reference
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let mut v = Validator::new();
    v.check(payment.amount_minor > 0, "amount_minor", "must be positive");
    v.check(
        payment.amount_minor <= owed,
        "amount_minor",
        "must be at most the outstanding amount",
    );
    v.check(
        (1..=32).contains(&method.chars().count()),
        "method",
        "must be 1 to 32 characters",
    );
    v.check(
        reference.as_ref().is_none_or(|r| r.chars().count() <= 128),
        "reference",
        "must be at most 128 characters",
    );
    v.finish()?;
    let mut next = invoice.clone();
    let at = payment.at;
    next.payments.push(Payment {
        method,
        reference,
        ..payment
    });
    if outstanding(&next)? == 0 {
        next.status = InvoiceStatus::Paid;
        next.paid_at = Some(at);
    }
    next.updated_at = at;
    Ok(next)
}

/// `draft | issued → void` at `now`. `InvalidState` from `paid` or `void`, and once any
/// payment has been recorded.
pub fn void(invoice: &Invoice, now: DateTime<Utc>) -> Result<Invoice> {
    if !matches!(invoice.status, InvoiceStatus::Draft | InvoiceStatus::Issued) {
        return Err(cannot("void", invoice));
    }
    if !invoice.payments.is_empty() {
        return Err(Error::InvalidState(
            "cannot void an invoice with recorded payments".into(),
        ));
    }
    let mut next = invoice.clone();
    next.status = InvoiceStatus::Void;
    next.updated_at = now;
    Ok(next)
}

/// Attaches (or replaces) the insurance-claim placeholder. `InvalidState` on a `void`
/// invoice; `InvalidInput` on `payer` unless 1–200 characters, on `policy_number` unless
/// 1–64 characters (both trimmed).
pub fn set_claim(invoice: &Invoice, claim: InsuranceClaim, now: DateTime<Utc>) -> Result<Invoice> {
    if invoice.status == InvoiceStatus::Void {
        return Err(cannot("claim", invoice));
    }
    let payer = claim.payer.trim().to_owned();
    let policy_number = claim.policy_number.trim().to_owned();
    let mut v = Validator::new();
    v.check(
        (1..=200).contains(&payer.chars().count()),
        "payer",
        "must be 1 to 200 characters",
    );
    v.check(
        (1..=64).contains(&policy_number.chars().count()),
        "policy_number",
        "must be 1 to 64 characters",
    );
    v.finish()?;
    let mut next = invoice.clone();
    next.claim = Some(InsuranceClaim {
        payer,
        policy_number,
        status: claim.status,
    });
    next.updated_at = now;
    Ok(next)
}

/// Replaces a draft's lines and discount and recomputes its amounts with tax at
/// `tax_rate_bp` (see [`normalize_lines`] and [`compute_amounts`]). `InvalidState` unless
/// `draft`.
pub fn update_draft(
    invoice: &Invoice,
    lines: Vec<InvoiceLine>,
    discount_minor: i64,
    tax_rate_bp: u32,
    now: DateTime<Utc>,
) -> Result<Invoice> {
    if invoice.status != InvoiceStatus::Draft {
        return Err(cannot("edit", invoice));
    }
    let lines = normalize_lines(lines)?;
    let amounts = compute_amounts(&lines, discount_minor, tax_rate_bp)?;
    let mut next = invoice.clone();
    next.lines = lines;
    set_amounts(&mut next, amounts, discount_minor);
    next.updated_at = now;
    Ok(next)
}
