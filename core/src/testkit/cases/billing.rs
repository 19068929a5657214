//! Billing: one invoice per completed appointment (retried and raced), drafts, the invoice
//! lifecycle and access, and the monthly report with its exports.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::audit::{AuditEvent, Outcome};
use crate::billing::{
    build_invoice, ClaimStatus, Currency, Fee, InsuranceClaim, Invoice, InvoiceLine, InvoiceStatus,
    ReportFormat, Totals,
};
use crate::error::Error;
use crate::identity::Role;
use crate::ids::{AuditId, InvoiceId};
use crate::notify::NotificationKind;
use crate::policy::{Action, Actor};
use crate::scheduling::{Appointment, AppointmentStatus};
use crate::store::{InvoiceFilter, Page, Store};
use crate::testkit::fixture::{Fixture, FixtureDoctor, FixturePatient};

fn fee(doctor: &FixtureDoctor, amount_minor: i64, currency: &str, tax_rate_bp: u32) -> Fee {
    Fee {
        doctor_id: doctor.user.id,
        appointment_type: "consultation".into(),
        amount_minor,
        currency: Currency(currency.into()),
        tax_rate_bp,
    }
}

/// Books, confirms and completes a 30-minute appointment at `start`, leaving the clock at
/// `start + 30 min`.
async fn completed(
    f: &Fixture,
    d: &FixtureDoctor,
    p: &FixturePatient,
    start: DateTime<Utc>,
) -> Appointment {
    let a = f.confirmed(d, p, start).await;
    f.clock.set(start + chrono::Duration::minutes(30));
    f.svc.complete(&d.actor, a.id).await.expect("complete")
}

async fn all_invoices(f: &Fixture) -> Vec<Invoice> {
    f.svc
        .store()
        .list_invoices(&InvoiceFilter::default(), Page::first(500))
        .await
        .unwrap()
}

async fn kinds(f: &Fixture, who: &Actor) -> Vec<NotificationKind> {
    f.svc
        .notifications(who, false, Page::default())
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect()
}

fn field(e: Error) -> String {
    e.field_errors()
        .first()
        .map(|f| f.field.clone())
        .unwrap_or_else(|| format!("not invalid input: {e:?}"))
}

/// Completing an appointment bills it exactly once with exact totals; retries (through the
/// service and straight at the store) never create a second invoice.
pub async fn completion_creates_exactly_one_invoice(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let price = fee(&d, 12000, "USD", 825);
    assert!(matches!(
        f.svc.set_fee(&d.actor, price.clone()).await,
        Err(Error::Forbidden(_))
    ));
    let bad = Fee {
        currency: Currency("usd".into()),
        ..price.clone()
    };
    assert_eq!(
        field(f.svc.set_fee(&f.admin, bad).await.unwrap_err()),
        "currency"
    );
    let not_a_doctor = Fee {
        doctor_id: p.user.id,
        ..price.clone()
    };
    assert_eq!(
        field(f.svc.set_fee(&f.admin, not_a_doctor).await.unwrap_err()),
        "doctor_id"
    );
    assert_eq!(f.svc.set_fee(&f.admin, price.clone()).await.unwrap(), price);
    assert_eq!(f.svc.fees(d.user.id).await.unwrap(), vec![price.clone()]);

    let a = f.confirmed(&d, &p, f.at(0, 10, 0)).await;
    assert!(f
        .svc
        .store()
        .invoice_for_appointment(a.id)
        .await
        .unwrap()
        .is_none());
    f.clock.set(f.at(0, 10, 30));
    let done = f.svc.complete(&d.actor, a.id).await.unwrap();
    assert_eq!(done.status, AppointmentStatus::Completed);

    let inv = f.svc.invoice_for_appointment(&p.actor, a.id).await.unwrap();
    assert_eq!(inv.status, InvoiceStatus::Issued);
    assert_eq!(
        (
            inv.subtotal_minor,
            inv.discount_minor,
            inv.tax_minor,
            inv.total_minor
        ),
        (12000, 0, 990, 12990)
    );
    assert_eq!(inv.currency, Currency("USD".into()));
    assert_eq!(inv.lines.len(), 1);
    assert_eq!(inv.lines[0].description, "consultation with the doctor");
    assert_eq!((inv.patient_id, inv.doctor_id), (p.chart, d.user.id));
    assert_eq!(
        (inv.created_at, inv.issued_at),
        (f.at(0, 10, 30), Some(f.at(0, 10, 30)))
    );
    assert_eq!(inv.version, 1);
    assert_eq!(f.svc.get_invoice(&d.actor, inv.id).await.unwrap(), inv);
    assert!(kinds(&f, &p.actor)
        .await
        .contains(&NotificationKind::InvoiceIssued));

    // A retried completion is refused and bills nothing.
    assert!(matches!(
        f.svc.complete(&d.actor, a.id).await,
        Err(Error::InvalidState(_))
    ));
    let listed = f
        .svc
        .list_invoices(&f.admin, Default::default(), Page::default())
        .await
        .unwrap();
    assert_eq!(listed, vec![inv.clone()]);

    // Straight at the store: a completion at the current version with another invoice
    // returns the appointment's one invoice; a stale version is a precondition failure.
    let other = build_invoice(InvoiceId(Uuid::now_v7()), &done, None, f.at(0, 11, 0)).unwrap();
    let ev = AuditEvent {
        id: AuditId(Uuid::now_v7()),
        at: f.at(0, 11, 0),
        actor: Some(d.user.id),
        actor_role: Some(Role::Doctor),
        action: "appointment.complete".into(),
        resource_kind: "appointment".into(),
        resource_id: Some(a.id.to_string()),
        patient_id: Some(p.chart),
        outcome: Outcome::Allowed,
        detail: None,
    };
    let stale = f
        .svc
        .store()
        .complete_with_invoice(&done, done.version - 1, &other, &ev)
        .await;
    assert!(
        matches!(stale, Err(Error::PreconditionFailed { .. })),
        "{stale:?}"
    );
    let again = f
        .svc
        .store()
        .complete_with_invoice(&done, done.version, &other, &ev)
        .await
        .unwrap();
    assert_eq!(again.invoice.id, inv.id);
    assert_eq!(again.appointment.version, done.version + 1);
    assert_eq!(all_invoices(&f).await.len(), 1);
    assert_eq!(
        f.svc
            .store()
            .invoice_for_appointment(a.id)
            .await
            .unwrap()
            .map(|i| i.id),
        Some(inv.id)
    );
    assert!(f.svc.verify_audit_chain().await.unwrap().ok);
}

/// Sixteen tasks complete one appointment at once: exactly one succeeds and exactly one
/// invoice exists.
pub async fn concurrent_completion_one_invoice(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store).await);
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    f.svc
        .set_fee(&f.admin, fee(&d, 12000, "USD", 825))
        .await
        .unwrap();
    let a = f.confirmed(&d, &p, f.at(0, 10, 0)).await;
    f.clock.set(f.at(0, 10, 30));
    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (f, actor, barrier) = (f.clone(), d.actor.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                f.svc.complete(&actor, a.id).await
            })
        })
        .collect();
    let (mut won, mut lost) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(done) => {
                assert_eq!(done.status, AppointmentStatus::Completed);
                won += 1;
            }
            Err(Error::PreconditionFailed { .. } | Error::InvalidState(_)) => lost += 1,
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!((won, lost), (1, 15));
    let all = all_invoices(&f).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].appointment_id, a.id);
    assert_eq!(all[0].total_minor, 12990);
    let issued = kinds(&f, &p.actor)
        .await
        .into_iter()
        .filter(|k| *k == NotificationKind::InvoiceIssued)
        .count();
    assert_eq!(issued, 1);
}

/// Without a fee, completion bills an empty USD draft (the patient is not told yet); admins
/// price it (tax from the fee set meanwhile) and issue it.
pub async fn completion_without_fee_creates_a_draft(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let a = completed(&f, &d, &p, f.at(0, 10, 0)).await;
    let draft = f.svc.invoice_for_appointment(&f.admin, a.id).await.unwrap();
    assert_eq!(draft.status, InvoiceStatus::Draft);
    assert!(draft.lines.is_empty());
    assert_eq!((draft.total_minor, draft.currency.0.as_str()), (0, "USD"));
    assert!(!kinds(&f, &p.actor)
        .await
        .contains(&NotificationKind::InvoiceIssued));
    assert!(matches!(
        f.svc.issue_invoice(&f.admin, draft.id).await,
        Err(Error::InvalidState(_))
    ));

    let lines = vec![InvoiceLine {
        description: "Consultation".into(),
        quantity: 2,
        unit_amount_minor: 2500,
        amount_minor: 0,
    }];
    assert!(matches!(
        f.svc
            .update_draft_invoice(&p.actor, draft.id, lines.clone(), 0)
            .await,
        Err(Error::Forbidden(_))
    ));
    let priced = f
        .svc
        .update_draft_invoice(&f.admin, draft.id, lines.clone(), 0)
        .await
        .unwrap();
    assert_eq!(
        (
            priced.subtotal_minor,
            priced.tax_minor,
            priced.total_minor,
            priced.version
        ),
        (5000, 0, 5000, 2)
    );
    let err = f
        .svc
        .update_draft_invoice(&f.admin, draft.id, lines.clone(), 5001)
        .await
        .unwrap_err();
    assert_eq!(field(err), "discount_minor");

    // A fee set meanwhile supplies the tax rate: (5000 - 1000) × 10 % = 400.
    f.svc
        .set_fee(&f.admin, fee(&d, 9000, "USD", 1000))
        .await
        .unwrap();
    let priced = f
        .svc
        .update_draft_invoice(&f.admin, draft.id, lines.clone(), 1000)
        .await
        .unwrap();
    assert_eq!(
        (
            priced.subtotal_minor,
            priced.discount_minor,
            priced.tax_minor,
            priced.total_minor
        ),
        (5000, 1000, 400, 4400)
    );
    f.clock.set(f.at(0, 12, 0));
    let issued = f.svc.issue_invoice(&f.admin, draft.id).await.unwrap();
    assert_eq!(
        (issued.status, issued.issued_at, issued.version),
        (InvoiceStatus::Issued, Some(f.at(0, 12, 0)), 4)
    );
    assert_eq!(f.svc.get_invoice(&p.actor, draft.id).await.unwrap(), issued);
    assert!(kinds(&f, &p.actor)
        .await
        .contains(&NotificationKind::InvoiceIssued));
    assert!(matches!(
        f.svc
            .update_draft_invoice(&f.admin, draft.id, lines, 0)
            .await,
        Err(Error::InvalidState(_))
    ));
    assert_eq!(all_invoices(&f).await.len(), 1);
}

/// Partial then full payment settles an invoice; overpaying, voiding a paid invoice and
/// reading another patient's invoice are refused; a claim can be attached; a caregiver with
/// a billing grant can read but not pay.
pub async fn invoice_lifecycle_payments_void_claim(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let other = f.patient("Olga Other").await;
    f.svc
        .set_fee(&f.admin, fee(&d, 12000, "USD", 825))
        .await
        .unwrap();
    let a = completed(&f, &d, &p, f.at(0, 10, 0)).await;
    let inv = f.svc.invoice_for_appointment(&p.actor, a.id).await.unwrap();

    let once = f
        .svc
        .record_payment(&p.actor, inv.id, 5000, "card".into(), None)
        .await
        .unwrap();
    assert_eq!(
        (once.status, once.version, once.payments.len()),
        (InvoiceStatus::Issued, 2, 1)
    );
    let err = f
        .svc
        .record_payment(&p.actor, inv.id, 8000, "card".into(), None)
        .await
        .unwrap_err();
    assert_eq!(field(err), "amount_minor");
    assert!(matches!(
        f.svc
            .record_payment(&other.actor, inv.id, 100, "card".into(), None)
            .await,
        Err(Error::Forbidden(_))
    ));
    f.clock.set(f.at(0, 11, 0));
    let paid = f
        .svc
        .record_payment(&f.admin, inv.id, 7990, "cash".into(), Some("R-1".into()))
        .await
        .unwrap();
    assert_eq!(
        (paid.status, paid.paid_at, paid.version),
        (InvoiceStatus::Paid, Some(f.at(0, 11, 0)), 3)
    );
    assert_eq!(paid.payments[1].recorded_by, f.admin.user_id);
    assert_eq!(paid.payments[1].reference.as_deref(), Some("R-1"));
    assert!(matches!(
        f.svc.void_invoice(&f.admin, inv.id, "mistake".into()).await,
        Err(Error::InvalidState(_))
    ));
    assert!(matches!(
        f.svc
            .record_payment(&f.admin, inv.id, 1, "cash".into(), None)
            .await,
        Err(Error::InvalidState(_))
    ));

    let claim = InsuranceClaim {
        payer: "Acme Health".into(),
        policy_number: "POL-42".into(),
        status: ClaimStatus::Submitted,
    };
    let claimed = f
        .svc
        .set_claim(&p.actor, inv.id, claim.clone())
        .await
        .unwrap();
    assert_eq!(claimed.claim, Some(claim));
    assert_eq!(claimed.status, InvoiceStatus::Paid);

    // Access: another patient no; a caregiver only with a billing grant, and read-only.
    assert!(matches!(
        f.svc.get_invoice(&other.actor, inv.id).await,
        Err(Error::Forbidden(_))
    ));
    let cg = f.user("Cara Giver", Role::Caregiver).await;
    assert!(matches!(
        f.svc.get_invoice(&cg, inv.id).await,
        Err(Error::Forbidden(_))
    ));
    f.svc
        .grant_caregiver(
            &p.actor,
            p.chart,
            cg.user_id,
            BTreeSet::from([Action::ReadBilling]),
            None,
        )
        .await
        .unwrap();
    assert_eq!(f.svc.get_invoice(&cg, inv.id).await.unwrap(), claimed);
    let seen = f
        .svc
        .list_invoices(&cg, Default::default(), Page::default())
        .await
        .unwrap();
    assert_eq!(seen.iter().map(|i| i.id).collect::<Vec<_>>(), vec![inv.id]);
    assert!(f
        .svc
        .list_invoices(&other.actor, Default::default(), Page::default())
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        f.svc
            .set_claim(&cg, inv.id, claimed.claim.clone().unwrap())
            .await,
        Err(Error::Forbidden(_))
    ));

    // Void: admins only, with a reason, before any payment.
    let b = completed(&f, &d, &p, f.at(1, 10, 0)).await;
    let second = f.svc.invoice_for_appointment(&f.admin, b.id).await.unwrap();
    assert!(matches!(
        f.svc.void_invoice(&p.actor, second.id, "no".into()).await,
        Err(Error::Forbidden(_))
    ));
    let err = f
        .svc
        .void_invoice(&f.admin, second.id, "  ".into())
        .await
        .unwrap_err();
    assert_eq!(field(err), "reason");
    let voided = f
        .svc
        .void_invoice(&f.admin, second.id, "billed in error".into())
        .await
        .unwrap();
    assert_eq!((voided.status, voided.version), (InvoiceStatus::Void, 2));
    assert!(matches!(
        f.svc
            .record_payment(&p.actor, second.id, 100, "card".into(), None)
            .await,
        Err(Error::InvalidState(_))
    ));
    let only_void = f
        .svc
        .list_invoices(
            &p.actor,
            // An `InvoiceQuery` with `status: void` (built by inference: the type is named
            // through `crate::service` once re-exported).
            serde_json::from_value(serde_json::json!({ "status": "void" })).unwrap(),
            Page::default(),
        )
        .await
        .unwrap();
    assert_eq!(only_void, vec![voided]);
    // A stale write loses: the store compares versions.
    let mut stale = claimed.clone();
    stale.version = 99;
    let ev = AuditEvent {
        id: AuditId(Uuid::now_v7()),
        at: f.at(1, 12, 0),
        actor: Some(f.admin.user_id),
        actor_role: Some(Role::Admin),
        action: "invoice.claim".into(),
        resource_kind: "invoice".into(),
        resource_id: Some(inv.id.to_string()),
        patient_id: Some(p.chart),
        outcome: Outcome::Allowed,
        detail: None,
    };
    assert!(matches!(
        f.svc.store().update_invoice(&stale, 1, &ev).await,
        Err(Error::PreconditionFailed { .. })
    ));
}

/// The monthly report counts and sums exactly the invoices created in the month, per
/// currency, status and doctor; CSV and XLSX exports render it; only admins see it.
pub async fn monthly_report_exact_totals_and_exports(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d1 = f.doctor("Dr Grey").await;
    let d2 = f.doctor("Dr House").await;
    let p1 = f.patient("Pat Doe").await;
    let p2 = f.patient("Sam Roe").await;
    f.svc
        .set_fee(&f.admin, fee(&d1, 12000, "USD", 825))
        .await
        .unwrap();
    f.svc
        .set_fee(&f.admin, fee(&d2, 20000, "EUR", 1000))
        .await
        .unwrap();
    // Booked up front (Monday 2 March, 08:00), completed as time passes.
    let starts = [
        f.at(0, 10, 0),
        f.at(1, 10, 0),
        f.at(2, 11, 0),
        f.at(3, 11, 0),
    ];
    let plan = [(&d1, &p1), (&d1, &p2), (&d2, &p1), (&d2, &p2)];
    let mut appts = Vec::new();
    for ((d, p), start) in plan.iter().zip(starts) {
        appts.push(f.confirmed(d, p, start).await);
    }
    // Wednesday 1 April: next month.
    let april = f.confirmed(&d1, &p1, f.at(30, 10, 0)).await;
    let mut invoices = Vec::new();
    for ((d, _), a) in plan.iter().zip(&appts) {
        f.clock.set(a.start + chrono::Duration::minutes(30));
        f.svc.complete(&d.actor, a.id).await.unwrap();
        invoices.push(f.svc.invoice_for_appointment(&f.admin, a.id).await.unwrap());
    }
    f.svc
        .record_payment(&f.admin, invoices[1].id, 12990, "card".into(), None)
        .await
        .unwrap();
    f.svc
        .void_invoice(&f.admin, invoices[3].id, "duplicate".into())
        .await
        .unwrap();
    f.clock.set(f.at(30, 10, 30));
    f.svc.complete(&d1.actor, april.id).await.unwrap();

    let t = |count, total_minor| Totals { count, total_minor };
    let (usd, eur) = (Currency("USD".into()), Currency("EUR".into()));
    let report = f
        .svc
        .monthly_report(&f.admin, NaiveDate::from_ymd_opt(2026, 3, 17).unwrap())
        .await
        .unwrap();
    assert_eq!(report.month, NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
    assert_eq!(
        report.overall,
        vec![(eur.clone(), t(2, 44000)), (usd.clone(), t(2, 25980))]
    );
    assert_eq!(
        report.by_status,
        vec![
            (InvoiceStatus::Issued, eur.clone(), t(1, 22000)),
            (InvoiceStatus::Issued, usd.clone(), t(1, 12990)),
            (InvoiceStatus::Paid, usd.clone(), t(1, 12990)),
            (InvoiceStatus::Void, eur.clone(), t(1, 22000)),
        ]
    );
    let mut by_doctor = vec![
        (d1.user.id, usd.clone(), t(2, 25980)),
        (d2.user.id, eur.clone(), t(2, 44000)),
    ];
    by_doctor.sort_by_key(|(d, _, _)| *d);
    assert_eq!(report.by_doctor, by_doctor);

    let csv = f
        .svc
        .export_monthly_report(&f.admin, report.month, ReportFormat::Csv)
        .await
        .unwrap();
    let mut expected = String::from(
        "month,section,key,currency,count,total_minor,total\r\n\
         2026-03,overall,all,EUR,2,44000,440.00\r\n\
         2026-03,overall,all,USD,2,25980,259.80\r\n\
         2026-03,status,issued,EUR,1,22000,220.00\r\n\
         2026-03,status,issued,USD,1,12990,129.90\r\n\
         2026-03,status,paid,USD,1,12990,129.90\r\n\
         2026-03,status,void,EUR,1,22000,220.00\r\n",
    );
    for (d, c, tot) in &by_doctor {
        let major = if c.0 == "USD" { "259.80" } else { "440.00" };
        expected.push_str(&format!(
            "2026-03,doctor,{d},{},{},{},{major}\r\n",
            c.0, tot.count, tot.total_minor
        ));
    }
    assert_eq!(String::from_utf8(csv).unwrap(), expected);
    let xlsx = f
        .svc
        .export_monthly_report(&f.admin, report.month, ReportFormat::Xlsx)
        .await
        .unwrap();
    assert!(xlsx.starts_with(b"PK"));

    let next = f
        .svc
        .monthly_report(&f.admin, NaiveDate::from_ymd_opt(2026, 4, 1).unwrap())
        .await
        .unwrap();
    assert_eq!(next.overall, vec![(usd.clone(), t(1, 12990))]);
    assert_eq!(
        next.by_status,
        vec![(InvoiceStatus::Issued, usd.clone(), t(1, 12990))]
    );
    let empty = f
        .svc
        .monthly_report(&f.admin, NaiveDate::from_ymd_opt(2026, 2, 28).unwrap())
        .await
        .unwrap();
    assert!(empty.overall.is_empty() && empty.by_status.is_empty() && empty.by_doctor.is_empty());

    for who in [&d1.actor, &p1.actor] {
        assert!(matches!(
            f.svc.monthly_report(who, report.month).await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            f.svc
                .export_monthly_report(who, report.month, ReportFormat::Csv)
                .await,
            Err(Error::Forbidden(_))
        ));
    }
}
