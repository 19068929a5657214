use std::sync::Arc;

use chrono::Duration;

use crate::error::Error;
use crate::scheduling::AppointmentStatus;
use crate::store::{AppointmentFilter, Page, Store};
use crate::testkit::fixture::Fixture;

async fn assert_no_overlaps(f: &Fixture) {
    let now = crate::clock::Clock::now(&*f.clock);
    let all = f
        .svc
        .store()
        .list_appointments(&AppointmentFilter::default(), Page::first(500))
        .await
        .unwrap();
    let active: Vec<_> = all.iter().filter(|a| a.is_active(now)).collect();
    for (i, a) in active.iter().enumerate() {
        for b in &active[i + 1..] {
            assert!(
                !a.collides_for_doctor(b),
                "doctor double-booked: {a:?} / {b:?}"
            );
            assert!(
                !a.collides_for_patient(b),
                "patient double-booked: {a:?} / {b:?}"
            );
        }
    }
}

/// 100 tasks book overlapping times with one doctor: exactly one wins, the others get a
/// conflict, and no two active appointments overlap afterwards.
pub async fn concurrent_bookings_one_doctor_exactly_one_wins(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store).await);
    let d = f.doctor("Dr Grey").await;
    let mut patients = Vec::new();
    for i in 0..10 {
        patients.push(f.patient(&format!("Patient {i}")).await);
    }
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let f = f.clone();
            let p = patients[i % patients.len()].clone();
            // Starts between 10:00 and 10:20: every pair overlaps (with the buffer).
            let start = f.at(0, 10, 0) + Duration::minutes((i % 5) as i64 * 5);
            let req = f.request(d.user.id, p.chart, start, 30);
            tokio::spawn(async move { f.svc.book(&p.actor, req).await })
        })
        .collect();
    let (mut won, mut conflicts) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(Error::Conflict { .. }) => conflicts += 1,
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!((won, conflicts), (1, 99));
    assert_no_overlaps(&f).await;
}

/// 100 tasks book one patient with two doctors at overlapping times: exactly one wins.
pub async fn concurrent_bookings_one_patient_two_doctors_exactly_one_wins(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store).await);
    let doctors = [f.doctor("Dr Grey").await, f.doctor("Dr House").await];
    let p = f.patient("Pat Doe").await;
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let f = f.clone();
            let d = doctors[i % 2].user.id;
            let start = f.at(0, 14, 0) + Duration::minutes((i % 3) as i64 * 10);
            let (actor, req) = (p.actor.clone(), f.request(d, p.chart, start, 30));
            tokio::spawn(async move { f.svc.book(&actor, req).await })
        })
        .collect();
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(Error::Conflict { .. }) => {}
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!(won, 1);
    assert_no_overlaps(&f).await;
}

/// A confirmation racing the hold's lapse and a competing booking: either the confirmation
/// wins and the competitor conflicts, or the hold expired and the competitor holds the slot
/// — never both active.
pub async fn confirm_racing_hold_expiry_is_consistent(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store).await);
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let q = f.patient("Quinn Roe").await;
    for round in 0..10i64 {
        // Weekdays of the following weeks.
        let start = f.at(7 + (round / 5) * 7 + round % 5, 10, 0);
        f.clock.set(f.at(0, 8, 0) + Duration::hours(round));
        let a = f
            .svc
            .book(&p.actor, f.request(d.user.id, p.chart, start, 30))
            .await
            .unwrap();
        // Jump to the instant the hold lapses, then race.
        f.clock.set(a.hold_expires_at.unwrap());
        let (f1, f2) = (f.clone(), f.clone());
        let (pa, qa, req) = (
            p.actor.clone(),
            q.actor.clone(),
            f.request(d.user.id, q.chart, start, 30),
        );
        let confirm = tokio::spawn(async move { f1.svc.confirm(&pa, a.id).await });
        let rival = tokio::spawn(async move { f2.svc.book(&qa, req).await });
        let (c, r) = (confirm.await.unwrap(), rival.await.unwrap());
        // The hold lapsed at this instant: confirming must fail, the rival must win.
        assert!(
            matches!(
                c,
                Err(Error::InvalidState(_)) | Err(Error::PreconditionFailed { .. })
            ),
            "{c:?}"
        );
        assert!(r.is_ok(), "{r:?}");
        assert_no_overlaps(&f).await;
        let stored = f.svc.store().appointment(a.id).await.unwrap().unwrap();
        assert_ne!(stored.status, AppointmentStatus::Confirmed);
    }
    // One tick before the lapse, confirmation wins and a rival conflicts.
    let start = f.at(21, 10, 0);
    let a = f
        .svc
        .book(&p.actor, f.request(d.user.id, p.chart, start, 30))
        .await
        .unwrap();
    f.clock
        .set(a.hold_expires_at.unwrap() - Duration::milliseconds(1));
    f.svc.confirm(&p.actor, a.id).await.unwrap();
    f.clock.advance(Duration::hours(1));
    assert!(matches!(
        f.svc
            .book(&q.actor, f.request(d.user.id, q.chart, start, 30))
            .await,
        Err(Error::Conflict { .. })
    ));
}
