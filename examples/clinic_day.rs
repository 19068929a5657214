//! A day in the clinic: clinical records, prescriptions with interaction checks, and billing.
//!
//! `cargo run --example clinic_day`
//!
//! Shows a diagnosis amended twice with its structured diff (RFC 6902), a contraindicated
//! prescription blocked and then overridden with a reason, a nurse refused an amendment,
//! and the one invoice created when the visit is completed, paid and reported.

use std::sync::Arc;

use chrono::{Duration, NaiveTime, TimeZone, Utc, Weekday};
use medsync::core::billing::{Currency, Fee, ReportFormat};
use medsync::core::clock::{Clock, ManualClock};
use medsync::core::identity::Role;
use medsync::core::policy::Actor;
use medsync::core::prescriptions::Medication;
use medsync::core::records::{DiagnosisStatus, RecordContent};
use medsync::core::scheduling::{Availability, WeeklyRule};
use medsync::core::store::AuditFilter;
use medsync::memory::MemoryStore;
use medsync::{BookRequest, Error, MedSync, PrescriptionRequest, Registration};

const PASSPHRASE: &str = "plum kettle orbit lantern";

#[tokio::main(flavor = "current_thread")]
async fn main() -> medsync::Result<()> {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
    ));
    let svc = MedSync::builder(
        Arc::new(MemoryStore::new()),
        b"clinic-day-demo-secret-not-for-production".to_vec(),
    )
    .clock(clock.clone())
    .build()?;

    // Cast: an admin, Dr House (approved, Mon–Fri 09:00–17:00 UTC), Nurse Nina, patient Pat.
    svc.bootstrap_admin("admin@clinic.example", "Ada Admin", PASSPHRASE)
        .await?;
    let admin = login(&svc, "admin@clinic.example").await?;
    let house = join(
        &svc,
        &admin,
        "Gregory House",
        "house@clinic.example",
        Role::Doctor,
    )
    .await?;
    let nina = join(
        &svc,
        &admin,
        "Nina Nurse",
        "nina@clinic.example",
        Role::Nurse,
    )
    .await?;
    let pat = join(&svc, &admin, "Pat Doe", "pat@mail.example", Role::Patient).await?;
    let chart = pat.patient_id.expect("patients have a chart");
    let weekly = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]
    .map(|day| WeeklyRule {
        day,
        start: hm(9, 0),
        end: hm(17, 0),
    })
    .to_vec();
    svc.set_availability(
        &house,
        Availability {
            doctor_id: house.user_id,
            timezone: chrono_tz::UTC,
            weekly,
            exceptions: vec![],
            slot_minutes: 30,
            buffer_minutes: 0,
        },
    )
    .await?;
    let fee = Fee {
        doctor_id: house.user_id,
        appointment_type: "consultation".into(),
        amount_minor: 12_000,
        currency: Currency("USD".into()),
        tax_rate_bp: 825,
    };
    svc.set_fee(&admin, fee).await?;
    svc.assign_care_team(&admin, chart, nina.user_id).await?;

    println!("09:00  Pat sees Dr House.");
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let req = BookRequest {
        doctor_id: house.user_id,
        patient_id: Some(chart),
        start,
        end: start + Duration::minutes(30),
        reason: Some("chest pain on exertion".into()),
        appointment_type: None,
        idempotency_key: None,
    };
    let visit = svc.book(&pat, req).await?;
    svc.confirm(&pat, visit.id).await?;
    clock.set(start + Duration::minutes(5));

    println!("\n— Medical record: a diagnosis amended twice —");
    let first = RecordContent::Diagnosis {
        code: Some("R07.9".into()),
        description: "Chest pain, unspecified".into(),
        status: DiagnosisStatus::Active,
        onset: None,
    };
    let (record, v1) = svc.create_record(&house, chart, first, None).await?;
    let second = RecordContent::Diagnosis {
        code: Some("I20.9".into()),
        description: "Angina pectoris, unspecified".into(),
        status: DiagnosisStatus::Active,
        onset: None,
    };
    let (_, v2) = svc
        .amend_record(
            &house,
            record.id,
            v1.version,
            second,
            "ECG shows ischaemic changes",
        )
        .await?;
    let third = RecordContent::Diagnosis {
        code: Some("I20.8".into()),
        description: "Stable angina on exertion".into(),
        status: DiagnosisStatus::Active,
        onset: chrono::NaiveDate::from_ymd_opt(2026, 2, 14),
    };
    let (_, v3) = svc
        .amend_record(
            &house,
            record.id,
            v2.version,
            third,
            "history taken: onset mid-February",
        )
        .await?;
    for v in svc.record_history(&house, record.id).await? {
        println!(
            "  v{} {:?} — {}",
            v.version,
            v.change,
            v.reason.as_deref().unwrap_or("first version")
        );
    }
    println!("  diff v1 → v3 (RFC 6902):");
    for op in svc
        .diff_record(&house, record.id, v1.version, v3.version)
        .await?
    {
        println!("    {}", serde_json::to_string(&op).unwrap_or_default());
    }
    match svc
        .amend_record(&nina, record.id, v3.version, v3.content.clone(), "tidy up")
        .await
    {
        Err(Error::Forbidden(why)) => {
            println!("  Nurse Nina tries to amend it: refused ({why}); the attempt is audited.")
        }
        other => panic!("nurses never amend: {other:?}"),
    }
    let note = svc
        .add_note(&nina, record.id, "BP 142/90 before the ECG")
        .await?;
    println!("  Nurse Nina adds a note instead: \"{}\"", note.text);
    match svc
        .amend_record(
            &house,
            record.id,
            v1.version,
            v1.content.clone(),
            "stale edit",
        )
        .await
    {
        Err(Error::PreconditionFailed {
            expected, current, ..
        }) => {
            println!("  An edit based on v{expected} is refused: the record is at v{current}.")
        }
        other => panic!("a stale amendment must fail: {other:?}"),
    }

    println!("\n— Prescriptions with interaction checks —");
    let simva = PrescriptionRequest::new(
        Medication::named("simvastatin"),
        "40 mg",
        "oral",
        "once daily at night",
        30,
    );
    svc.prescribe(&house, chart, simva).await?;
    println!("  simvastatin 40 mg prescribed.");
    let clari = PrescriptionRequest::new(
        Medication::named("clarithromycin"),
        "500 mg",
        "oral",
        "twice daily",
        14,
    );
    match svc.prescribe(&house, chart, clari.clone()).await {
        Err(Error::Conflict { message, .. }) => println!("  clarithromycin blocked: {message}"),
        other => panic!("a contraindication must block: {other:?}"),
    }
    let overridden = PrescriptionRequest {
        override_reason: Some("simvastatin paused for the 7-day course; patient informed".into()),
        duration_days: Some(7),
        ..clari
    };
    let rx = svc.prescribe(&house, chart, overridden).await?;
    println!(
        "  overridden with a reason: {}",
        rx.override_reason.as_deref().unwrap_or_default()
    );
    for f in &rx.interactions {
        println!("    checked against {}: {:?}", f.against, f.result);
    }
    let unknown =
        PrescriptionRequest::new(Medication::named("zorblaxin"), "1 tab", "oral", "daily", 10);
    let rx2 = svc.prescribe(&house, chart, unknown).await?;
    println!(
        "  an unknown drug is never called safe: {:?}",
        rx2.interactions.first().map(|f| &f.result)
    );

    println!("\n— Billing —");
    clock.set(visit.end);
    svc.complete(&house, visit.id).await?;
    let invoice = svc.invoice_for_appointment(&pat, visit.id).await?;
    println!(
        "  visit completed → invoice {:?}: subtotal {} + tax {} = {} {} (status {:?})",
        invoice.id.to_string().get(..8).unwrap_or_default(),
        invoice.subtotal_minor,
        invoice.tax_minor,
        invoice.total_minor,
        invoice.currency.0,
        invoice.status
    );
    let retry = svc.complete(&house, visit.id).await;
    println!(
        "  completing again is refused ({}) — still exactly one invoice.",
        retry.err().map(|e| e.to_string()).unwrap_or_default()
    );
    let paid = svc
        .record_payment(
            &pat,
            invoice.id,
            invoice.total_minor,
            "card".into(),
            Some("rcpt-0001".into()),
        )
        .await?;
    println!("  Pat pays: status {:?}.", paid.status);
    let csv = svc
        .export_monthly_report(&admin, clock.now().date_naive(), ReportFormat::Csv)
        .await?;
    println!(
        "  March report (CSV):\n{}",
        String::from_utf8_lossy(&csv)
            .lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );

    let denied = AuditFilter {
        patient_id: Some(chart),
        ..Default::default()
    };
    let log = svc
        .audit_log(&admin, &denied, medsync::core::store::Page::first(500))
        .await?;
    let report = svc.verify_audit(&admin).await?;
    println!(
        "\nAudit: {} entries about Pat's chart; the whole log verifies: {}.",
        log.len(),
        report.ok
    );
    Ok(())
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid time")
}

async fn login(svc: &MedSync, email: &str) -> medsync::Result<Actor> {
    let tokens = svc.login(email, PASSPHRASE).await?;
    svc.authenticate(&tokens.access_token).await
}

async fn join(
    svc: &MedSync,
    admin: &Actor,
    name: &str,
    email: &str,
    role: Role,
) -> medsync::Result<Actor> {
    let reg = Registration {
        name: name.into(),
        email: email.into(),
        password: PASSPHRASE.into(),
        role: Some(role),
        ..Default::default()
    };
    let user = svc.register(reg).await?;
    if matches!(role, Role::Doctor | Role::Nurse) {
        svc.approve_user(admin, user.id).await?;
    }
    login(svc, email).await
}
