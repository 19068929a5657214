//! Races over real connections: many tasks book overlapping slots of one doctor at once,
//! each on its own pooled connection. Exactly one wins, every loser is told which
//! appointment blocks it, and a self-join over the table proves no two active appointments
//! overlap.

use std::sync::Arc;

use chrono::Duration;
use medsync_core::scheduling::Appointment;
use medsync_core::store::{BookOutcome, ScheduleStore, Store};
use medsync_core::testkit::Fixture;
use medsync_core::Error;
use medsync_storage_postgres::PostgresStore;
use tokio::sync::Barrier;

use crate::common::{confirmed, event};

const TASKS: usize = 64;

/// Active rows that overlap another active row of the same doctor (buffer included) or of the
/// same patient.
async fn overlapping_pairs(store: &PostgresStore) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM appointments a JOIN appointments b ON a.id < b.id \
         WHERE a.status IN ('pending', 'confirmed') AND b.status IN ('pending', 'confirmed') \
           AND ((a.doctor_id = b.doctor_id \
                 AND medsync_doctor_block(a.start_at, a.end_at, a.buffer_minutes) \
                  && medsync_doctor_block(b.start_at, b.end_at, b.buffer_minutes)) \
             OR (a.patient_id = b.patient_id \
                 AND tstzrange(a.start_at, a.end_at) && tstzrange(b.start_at, b.end_at)))",
    )
    .fetch_one(store.pool())
    .await
    .unwrap()
}

/// Runs `appointments` through `store.book` from one task each, released together.
async fn book_all(
    store: &PostgresStore,
    appointments: Vec<Appointment>,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<medsync_core::Result<BookOutcome>> {
    let barrier = Arc::new(Barrier::new(appointments.len()));
    let tasks: Vec<_> = appointments
        .into_iter()
        .map(|a| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.book(&a, now, &event("appointment.book", now)).await
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn sixty_four_overlapping_bookings_one_wins() {
    let store = store_or_skip!(TASKS as u32);
    let f = Fixture::new(Arc::new(store.clone()) as Arc<dyn Store>).await;
    let doctor = f.doctor("Dr Grey").await;
    let mut patients = Vec::new();
    for i in 0..TASKS {
        patients.push(f.patient(&format!("Patient {i}")).await);
    }
    let now = f.at(0, 8, 0);
    // Starts between 10:00 and 10:31, 30 minutes long: every pair overlaps.
    let attempts: Vec<Appointment> = patients
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let start = f.at(0, 10, 0) + Duration::minutes(i as i64 % 32);
            confirmed(doctor.user.id, p.chart, start, 30)
        })
        .collect();
    let results = book_all(&store, attempts, now).await;

    let mut winners = Vec::new();
    let mut blockers = Vec::new();
    for r in results {
        match r {
            Ok(BookOutcome::Created(a)) => winners.push(a.id),
            Err(Error::Conflict { blocking, .. }) => blockers.push(blocking),
            other => panic!("unexpected outcome: {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one booking wins");
    assert_eq!(blockers.len(), TASKS - 1);
    let winner = winners[0].to_string();
    assert!(
        blockers
            .iter()
            .all(|b| b.as_deref() == Some(winner.as_str())),
        "every loser is told the winner blocks it: {blockers:?}"
    );
    assert_eq!(overlapping_pairs(&store).await, 0);
    let active: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM appointments WHERE status IN ('pending', 'confirmed')",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(active, 1);
    eprintln!(
        "pool had {} connections open for {TASKS} concurrent bookings",
        store.pool().size()
    );
    // The winner's audit entry was written with it; the losers wrote none.
    let books: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'appointment.book'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(books, 1);
    assert!(f.svc.verify_audit_chain().await.unwrap().ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn sixty_four_disjoint_bookings_all_win() {
    let store = store_or_skip!(TASKS as u32);
    let f = Fixture::new(Arc::new(store.clone()) as Arc<dyn Store>).await;
    let mut doctors = Vec::new();
    for i in 0..4 {
        doctors.push(f.doctor(&format!("Dr {i}")).await);
    }
    let mut patients = Vec::new();
    for i in 0..16 {
        patients.push(f.patient(&format!("Patient {i}")).await);
    }
    let now = f.at(0, 8, 0);
    // Doctor i % 4 at slot i / 4 (40 minutes apart: 30 + 10 buffer), patients i % 16: no two
    // collide for a doctor or for a patient.
    let attempts: Vec<Appointment> = (0..TASKS)
        .map(|i| {
            let start = f.at(1, 0, 0) + Duration::minutes(40 * (i / 4) as i64);
            confirmed(doctors[i % 4].user.id, patients[i % 16].chart, start, 30)
        })
        .collect();
    let results = book_all(&store, attempts, now).await;
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Ok(BookOutcome::Created(_)))),
        "{results:?}"
    );
    assert_eq!(overlapping_pairs(&store).await, 0);
    assert!(f.svc.verify_audit_chain().await.unwrap().ok);
}
