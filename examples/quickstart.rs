//! A clinic's first morning with MedSync, on the in-memory backend.
//!
//! `cargo run --example quickstart`
//!
//! Walks through: bootstrapping the admin, a doctor registering and being approved, the
//! doctor's availability, a patient searching free slots and booking, a rejected double
//! booking, confirmation, completion, notifications and verifying the audit trail.
//!
//! The same story runs on a database:
//! `DATABASE_URL=postgres://… cargo run --example quickstart --features postgres` or
//! `MONGODB_URL=mongodb://… cargo run --example quickstart --features mongo`.

use std::sync::Arc;

use chrono::{Duration, NaiveTime, TimeZone, Utc, Weekday};
use medsync::core::clock::ManualClock;
use medsync::core::identity::Role;
use medsync::core::scheduling::{Availability, WeeklyRule};
use medsync::core::store::{Page, Store};
use medsync::memory::{BroadcastNotifier, MemoryStore};
use medsync::{BookRequest, Error, MedSync, Registration};

const PASSPHRASE: &str = "plum kettle orbit lantern";

#[tokio::main(flavor = "current_thread")]
async fn main() -> medsync::Result<()> {
    // A pinned clock makes the story reproducible: Monday 9 March 2026, 08:00 in New York.
    let tz = chrono_tz::America::New_York;
    let clock = Arc::new(ManualClock::new(
        tz.with_ymd_and_hms(2026, 3, 9, 8, 0, 0)
            .unwrap()
            .with_timezone(&Utc),
    ));
    let notifier = Arc::new(BroadcastNotifier::default());
    let mut live = notifier.subscribe();
    let (store, backend, tag) = open_store().await?;
    println!("(storage: {backend})");
    let grey_email = format!("grey{tag}@clinic.example");
    let svc = MedSync::builder(
        store,
        b"quickstart-demo-secret-not-for-production!".to_vec(),
    )
    .clock(clock.clone())
    .notifier(notifier.clone())
    .build()?;
    let local =
        |t: chrono::DateTime<Utc>| t.with_timezone(&tz).format("%a %d %b %H:%M %Z").to_string();

    println!("1. The first admin comes from configuration.");
    svc.bootstrap_admin("admin@clinic.example", "Ada Admin", PASSPHRASE)
        .await?;
    let admin = svc
        .authenticate(
            &svc.login("admin@clinic.example", PASSPHRASE)
                .await?
                .access_token,
        )
        .await?;

    println!("2. Dr Grey registers; doctors wait for approval.");
    let grey = svc
        .register(Registration {
            name: "Meredith Grey".into(),
            email: grey_email.clone(),
            password: PASSPHRASE.into(),
            role: Some(Role::Doctor),
            specialization: Some("General surgery".into()),
            ..Default::default()
        })
        .await?;
    match svc.login(&grey_email, PASSPHRASE).await {
        Err(e) => println!("   login before approval: {e}"),
        Ok(_) => unreachable!("pending doctors cannot log in"),
    }
    svc.approve_user(&admin, grey.id).await?;
    let grey_actor = svc
        .authenticate(&svc.login(&grey_email, PASSPHRASE).await?.access_token)
        .await?;
    println!("   approved; Dr Grey is logged in.");

    println!(
        "3. Dr Grey opens weekdays 09:00–12:00 New York time: 30-minute slots, 10-minute buffer."
    );
    let weekly = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]
    .map(|day| WeeklyRule {
        day,
        start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
    })
    .to_vec();
    svc.set_availability(
        &grey_actor,
        Availability {
            doctor_id: grey.id,
            timezone: tz,
            weekly,
            exceptions: vec![],
            slot_minutes: 30,
            buffer_minutes: 10,
        },
    )
    .await?;

    println!("4. Two patients register (each gets a chart).");
    let mut patients = Vec::new();
    for (name, user) in [("Pat Doe", "pat"), ("Quinn Roe", "quinn")] {
        let email = format!("{user}{tag}@mail.example");
        svc.register(Registration {
            name: name.into(),
            email: email.clone(),
            password: PASSPHRASE.into(),
            ..Default::default()
        })
        .await?;
        patients.push(
            svc.authenticate(&svc.login(&email, PASSPHRASE).await?.access_token)
                .await?,
        );
    }
    let (pat, quinn) = (&patients[0], &patients[1]);

    let day_start = clock_now(&clock);
    let slots = svc
        .free_slots(grey.id, day_start, day_start + Duration::hours(16))
        .await?;
    println!(
        "5. Pat searches today's free slots: {} found, first {}, last {}.",
        slots.len(),
        local(slots[0].start),
        local(slots[slots.len() - 1].start)
    );

    let pick = slots[1];
    let request = |who: &medsync::core::policy::Actor| BookRequest {
        doctor_id: grey.id,
        patient_id: who.patient_id,
        start: pick.start,
        end: pick.end,
        reason: Some("annual check-up".into()),
        appointment_type: None,
        idempotency_key: None,
    };
    let appt = svc.book(pat, request(pat)).await?;
    println!(
        "6. Pat books {}: status {}, hold until {}.",
        local(appt.start),
        appt.status.as_str(),
        local(appt.hold_expires_at.unwrap())
    );

    match svc.book(quinn, request(quinn)).await {
        Err(Error::Conflict { message, blocking }) => {
            println!(
                "7. Quinn tries the same slot: refused ({message}; blocked by {}).",
                blocking.unwrap_or_default()
            )
        }
        other => panic!("a double booking must be refused, got {other:?}"),
    }

    let appt = svc.confirm(pat, appt.id).await?;
    println!(
        "8. Pat confirms: status {}, version {}.",
        appt.status.as_str(),
        appt.version
    );
    let remaining = svc
        .free_slots(grey.id, day_start, day_start + Duration::hours(16))
        .await?;
    println!(
        "   free slots left today: {} (the booked one and nothing else is gone).",
        remaining.len()
    );

    clock.set(appt.end);
    let appt = svc.complete(&grey_actor, appt.id).await?;
    println!(
        "9. After the visit Dr Grey completes it: status {}.",
        appt.status.as_str()
    );

    println!("10. Notifications delivered in real time:");
    while let Ok(n) = live.try_recv() {
        let who = if n.user_id == grey.id {
            "Dr Grey"
        } else {
            "Pat"
        };
        println!("    → {who}: {}", n.message);
    }
    println!(
        "    Dr Grey has {} unread.",
        svc.unread_count(&grey_actor).await?
    );

    let report = svc.verify_audit(&admin).await?;
    println!(
        "11. Audit trail: {} entries, chain {} (head {}…).",
        report.entries_checked,
        if report.ok { "intact" } else { "BROKEN" },
        &report.chains[0].head_hash[..16]
    );
    let recent = svc
        .audit_log(&admin, &Default::default(), Page::first(5))
        .await?;
    for e in recent.iter().rev() {
        println!(
            "    #{:<3} {:<22} {:?}",
            e.seq, e.event.action, e.event.outcome
        );
    }
    Ok(())
}

/// The store named by the environment (memory by default). On a database every run uses
/// fresh e-mail addresses (`tag`), so the story can be replayed against the same database.
async fn open_store() -> medsync::Result<(Arc<dyn Store>, &'static str, String)> {
    let run = format!("+{}", std::process::id());
    #[cfg(feature = "postgres")]
    if let Ok(url) = std::env::var("DATABASE_URL") {
        let store = medsync::postgres::PostgresStore::connect(&url).await?;
        store.migrate().await?;
        return Ok((Arc::new(store), "PostgreSQL", run));
    }
    #[cfg(feature = "mongo")]
    if let Ok(url) = std::env::var("MONGODB_URL") {
        let store = medsync::mongo::MongoStore::connect(&url, "medsync_quickstart").await?;
        return Ok((Arc::new(store), "MongoDB", run));
    }
    let _ = run;
    Ok((Arc::new(MemoryStore::new()), "memory", String::new()))
}

fn clock_now(clock: &ManualClock) -> chrono::DateTime<Utc> {
    medsync::core::clock::Clock::now(clock)
}
