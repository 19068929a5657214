//! Unit tests of the pure invoice computation and lifecycle.

use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::error::Error;
use crate::ids::{AppointmentId, InvoiceId, PatientId, UserId};
use crate::scheduling::{Appointment, AppointmentStatus};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
}

fn appt() -> Appointment {
    Appointment {
        id: AppointmentId(Uuid::from_u128(1)),
        doctor_id: UserId(Uuid::from_u128(2)),
        patient_id: PatientId(Uuid::from_u128(3)),
        start: t0() - Duration::minutes(30),
        end: t0(),
        buffer_minutes: 0,
        appointment_type: "consultation".into(),
        status: AppointmentStatus::Completed,
        hold_expires_at: None,
        reason: None,
        cancellation: None,
        idempotency_key: None,
        booked_by: UserId(Uuid::from_u128(2)),
        version: 3,
        created_at: t0() - Duration::days(1),
        updated_at: t0(),
    }
}

fn fee(amount_minor: i64, tax_rate_bp: u32) -> Fee {
    Fee {
        doctor_id: appt().doctor_id,
        appointment_type: "consultation".into(),
        amount_minor,
        currency: Currency("EUR".into()),
        tax_rate_bp,
    }
}

fn id() -> InvoiceId {
    InvoiceId(Uuid::from_u128(9))
}

fn issued(amount_minor: i64, tax_rate_bp: u32) -> Invoice {
    build_invoice(id(), &appt(), Some(&fee(amount_minor, tax_rate_bp)), t0()).unwrap()
}

fn draft() -> Invoice {
    build_invoice(id(), &appt(), None, t0()).unwrap()
}

fn line(description: &str, quantity: u32, unit: i64) -> InvoiceLine {
    InvoiceLine {
        description: description.into(),
        quantity,
        unit_amount_minor: unit,
        amount_minor: 0,
    }
}

fn payment(amount_minor: i64, minutes: i64) -> Payment {
    Payment {
        amount_minor,
        method: " card ".into(),
        reference: Some("  ".into()),
        at: t0() + Duration::minutes(minutes),
        recorded_by: UserId(Uuid::from_u128(4)),
    }
}

fn field(e: Error) -> String {
    e.field_errors()
        .first()
        .map(|f| f.field.clone())
        .unwrap_or_else(|| format!("not invalid input: {e:?}"))
}

#[test]
fn with_a_fee_the_invoice_is_issued_with_exact_totals() {
    let inv = issued(1999, 825);
    assert_eq!(inv.status, InvoiceStatus::Issued);
    assert_eq!(inv.lines.len(), 1);
    assert_eq!(inv.lines[0].description, "consultation with the doctor");
    assert_eq!(
        (inv.lines[0].quantity, inv.lines[0].unit_amount_minor),
        (1, 1999)
    );
    // 1999 × 8.25 % = 164.9175 → 165 (half up).
    assert_eq!(
        (
            inv.subtotal_minor,
            inv.discount_minor,
            inv.tax_minor,
            inv.total_minor
        ),
        (1999, 0, 165, 2164)
    );
    assert_eq!(inv.currency, Currency("EUR".into()));
    assert_eq!((inv.issued_at, inv.paid_at), (Some(t0()), None));
    assert_eq!(
        (inv.created_at, inv.updated_at, inv.version),
        (t0(), t0(), 1)
    );
    assert_eq!(
        (inv.appointment_id, inv.patient_id, inv.doctor_id),
        (appt().id, appt().patient_id, appt().doctor_id)
    );
    assert_eq!(issued(12000, 825).total_minor, 12990);
}

#[test]
fn without_a_fee_the_invoice_is_an_empty_usd_draft() {
    let inv = draft();
    assert_eq!(inv.status, InvoiceStatus::Draft);
    assert!(inv.lines.is_empty());
    assert_eq!((inv.subtotal_minor, inv.total_minor), (0, 0));
    assert_eq!(inv.currency.0, DEFAULT_CURRENCY);
    assert_eq!(inv.issued_at, None);
}

#[test]
fn a_zero_fee_is_settled_at_once() {
    let inv = issued(0, 825);
    assert_eq!(inv.status, InvoiceStatus::Paid);
    assert_eq!(inv.paid_at, Some(t0()));
}

#[test]
fn a_foreign_or_invalid_fee_is_rejected() {
    let other = Fee {
        appointment_type: "surgery".into(),
        ..fee(100, 0)
    };
    assert_eq!(
        field(build_invoice(id(), &appt(), Some(&other), t0()).unwrap_err()),
        "fee"
    );
    let bad = fee(-5, 0);
    assert_eq!(
        field(build_invoice(id(), &appt(), Some(&bad), t0()).unwrap_err()),
        "amount_minor"
    );
}

#[test]
fn drafts_are_edited_with_recomputed_totals() {
    let lines = vec![line(" X-ray ", 2, 4500), line("Consultation", 1, 10000)];
    let inv = update_draft(&draft(), lines, 1000, 825, t0()).unwrap();
    assert_eq!(inv.lines[0].description, "X-ray");
    assert_eq!(inv.lines[0].amount_minor, 9000);
    // (19000 - 1000) × 8.25 % = 1485.
    assert_eq!(
        (
            inv.subtotal_minor,
            inv.discount_minor,
            inv.tax_minor,
            inv.total_minor
        ),
        (19000, 1000, 1485, 19485)
    );
    let issued = issue(&inv, t0()).unwrap();
    assert_eq!(issued.status, InvoiceStatus::Issued);
    assert!(matches!(
        update_draft(&issued, vec![line("x", 1, 1)], 0, 0, t0()),
        Err(Error::InvalidState(_))
    ));
}

#[test]
fn discount_above_subtotal_or_negative_is_rejected() {
    let e = update_draft(&draft(), vec![line("x", 1, 100)], 101, 0, t0()).unwrap_err();
    assert_eq!(field(e), "discount_minor");
    let e = update_draft(&draft(), vec![line("x", 1, 100)], -1, 0, t0()).unwrap_err();
    assert_eq!(field(e), "discount_minor");
    // Exactly the subtotal is fine: nothing owed.
    let inv = update_draft(&draft(), vec![line("x", 1, 100)], 100, 825, t0()).unwrap();
    assert_eq!(inv.total_minor, 0);
}

#[test]
fn bad_lines_name_their_fields() {
    let e = update_draft(&draft(), vec![], 0, 0, t0()).unwrap_err();
    assert_eq!(field(e), "lines");
    let e = update_draft(
        &draft(),
        vec![line("ok", 1, 1), line("  ", 0, -1)],
        0,
        0,
        t0(),
    )
    .unwrap_err();
    let fields: Vec<_> = e.field_errors().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "lines[1].description",
            "lines[1].quantity",
            "lines[1].unit_amount_minor"
        ]
    );
    let many = vec![line("x", 1, 1); MAX_LINES + 1];
    assert_eq!(
        field(update_draft(&draft(), many, 0, 0, t0()).unwrap_err()),
        "lines"
    );
}

#[test]
fn overflow_is_invalid_input_not_a_panic() {
    let huge = InvoiceLine {
        description: "x".into(),
        quantity: 1,
        unit_amount_minor: i64::MAX,
        amount_minor: i64::MAX,
    };
    let e = compute_amounts(&[huge.clone(), huge.clone()], 0, 0).unwrap_err();
    assert_eq!(field(e), "lines");
    // Subtotal fits, subtotal + tax does not.
    let e = compute_amounts(&[huge], 0, 10_000).unwrap_err();
    assert_eq!(field(e), "lines");
    // Caller-supplied lines are bounded long before i64 overflows.
    let e = update_draft(
        &draft(),
        vec![line("x", MAX_QUANTITY, i64::MAX)],
        0,
        0,
        t0(),
    )
    .unwrap_err();
    assert_eq!(field(e), "lines[0].unit_amount_minor");
    let mut inv = issued(100, 0);
    inv.payments = vec![payment(i64::MAX, 0), payment(i64::MAX, 0)];
    assert_eq!(field(outstanding(&inv).unwrap_err()), "payments");
}

#[test]
fn partial_then_full_payment_settles_the_invoice() {
    let inv = issued(12000, 825);
    let once = record_payment(&inv, payment(5000, 1)).unwrap();
    assert_eq!(once.status, InvoiceStatus::Issued);
    assert_eq!(outstanding(&once).unwrap(), 7990);
    assert_eq!(once.payments[0].method, "card");
    assert_eq!(once.payments[0].reference, None);
    assert_eq!(once.paid_at, None);
    let e = record_payment(&once, payment(7991, 2)).unwrap_err();
    assert_eq!(field(e), "amount_minor");
    assert_eq!(
        field(record_payment(&once, payment(0, 2)).unwrap_err()),
        "amount_minor"
    );
    let paid = record_payment(&once, payment(7990, 2)).unwrap();
    assert_eq!(paid.status, InvoiceStatus::Paid);
    assert_eq!(paid.paid_at, Some(t0() + Duration::minutes(2)));
    assert_eq!(outstanding(&paid).unwrap(), 0);
    let bad_method = Payment {
        method: " ".into(),
        ..payment(1, 1)
    };
    assert_eq!(
        field(record_payment(&inv, bad_method).unwrap_err()),
        "method"
    );
}

#[test]
fn state_table() {
    let d = draft();
    let i = issued(12000, 825);
    let partly = record_payment(&i, payment(1, 1)).unwrap();
    let p = record_payment(&i, payment(12990, 1)).unwrap();
    let v = void(&i, t0()).unwrap();
    let ok = |r: crate::Result<Invoice>| r.map(|x| x.status).ok();
    let filled = update_draft(&d, vec![line("x", 1, 5)], 0, 0, t0()).unwrap();

    // issue: only a draft with lines.
    assert_eq!(ok(issue(&filled, t0())), Some(InvoiceStatus::Issued));
    for inv in [&d, &i, &p, &v] {
        assert!(matches!(issue(inv, t0()), Err(Error::InvalidState(_))));
    }
    // pay: only issued.
    for inv in [&d, &p, &v] {
        assert!(matches!(
            record_payment(inv, payment(1, 1)),
            Err(Error::InvalidState(_))
        ));
    }
    // void: draft or issued without payments.
    assert_eq!(ok(void(&d, t0())), Some(InvoiceStatus::Void));
    assert_eq!(v.status, InvoiceStatus::Void);
    for inv in [&partly, &p, &v] {
        assert!(matches!(void(inv, t0()), Err(Error::InvalidState(_))));
    }
    // claim: anything but void.
    let claim = InsuranceClaim {
        payer: " Acme Health ".into(),
        policy_number: "P-1".into(),
        status: ClaimStatus::Submitted,
    };
    for inv in [&d, &i, &p] {
        let c = set_claim(inv, claim.clone(), t0()).unwrap();
        assert_eq!(
            c.claim.as_ref().map(|c| c.payer.as_str()),
            Some("Acme Health")
        );
        assert_eq!(c.status, inv.status);
    }
    assert!(matches!(
        set_claim(&v, claim.clone(), t0()),
        Err(Error::InvalidState(_))
    ));
    let blank = InsuranceClaim {
        policy_number: String::new(),
        ..claim
    };
    assert_eq!(
        field(set_claim(&i, blank, t0()).unwrap_err()),
        "policy_number"
    );
    // edit: only a draft.
    for inv in [&i, &p, &v] {
        assert!(matches!(
            update_draft(inv, vec![line("x", 1, 1)], 0, 0, t0()),
            Err(Error::InvalidState(_))
        ));
    }
    assert_eq!(InvoiceStatus::Void.as_str(), "void");
    assert_eq!(ClaimStatus::NotSubmitted.as_str(), "not_submitted");
}
