//! Fee schedules, invoices (exactly one per completed appointment), payments, claims and
//! monthly reports.

mod model;

pub use model::{
    ClaimStatus, Currency, Fee, InsuranceClaim, Invoice, InvoiceLine, InvoiceStatus, MonthlyReport,
    Payment, Totals,
};

mod export;
mod fee;
mod invoice;
#[cfg(test)]
mod invoice_tests;
mod money;

pub use export::{monthly_report_csv, monthly_report_xlsx, ReportFormat};
pub use fee::{is_valid_appointment_type, validate_fee};
pub use invoice::{
    build_invoice, compute_amounts, issue, normalize_lines, outstanding, record_payment, set_claim,
    update_draft, void, Amounts, MAX_LINES, MAX_QUANTITY,
};
pub use money::{
    format_amount, format_major, minor_unit_exponent, tax_half_up, validate_currency, BASIS_POINTS,
    DEFAULT_CURRENCY, MAX_AMOUNT_MINOR,
};
