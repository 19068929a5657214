//! Fee schedules, invoices (exactly one per completed appointment), payments, claims and
//! monthly reports.

mod model;

pub use model::{
    ClaimStatus, Currency, Fee, InsuranceClaim, Invoice, InvoiceLine, InvoiceStatus, MonthlyReport,
    Payment, Totals,
};
