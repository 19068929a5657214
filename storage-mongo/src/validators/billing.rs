//! Validators of fees and invoices.

use bson::{doc, Document};

use medsync_core::billing::InvoiceStatus;

use super::{at_least, json_schema, matching, one_of, schema, version};

/// An ISO 4217 alphabetic code: three upper-case letters.
const CURRENCY: &str = r"^[A-Z]{3}\z";

/// The `fees` validator (`fees_amount_check`, `fees_currency_check`, `fees_tax_rate_check`):
/// `amount_minor` and `tax_rate_bp` are non-negative integers and `currency` is three
/// upper-case letters.
pub(super) fn fees() -> Document {
    json_schema(schema(
        &["amount_minor", "currency", "tax_rate_bp"],
        doc! {
            "amount_minor": at_least(0),
            "currency": matching(CURRENCY),
            "tax_rate_bp": at_least(0),
        },
    ))
}

/// The `invoices` validator (`invoices_currency_check`, `invoices_status_check`,
/// `invoices_lines_check`, `invoices_payments_check`, `invoices_version_check`): `currency`
/// is three upper-case letters, `status` is `draft`, `issued`, `paid` or `void`, `lines` and
/// `payments` are arrays, and `version` is an integer of at least 1.
pub(super) fn invoices() -> Document {
    let statuses = [
        InvoiceStatus::Draft,
        InvoiceStatus::Issued,
        InvoiceStatus::Paid,
        InvoiceStatus::Void,
    ];
    json_schema(schema(
        &["currency", "status", "lines", "payments", "version"],
        doc! {
            "currency": matching(CURRENCY),
            "status": one_of(statuses, false),
            "lines": {"bsonType": "array"},
            "payments": {"bsonType": "array"},
            "version": version(),
        },
    ))
}
