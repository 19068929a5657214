use std::sync::Arc;

use chrono::Duration;

use crate::clock::Clock;
use crate::error::Error;
use crate::ids::PatientId;
use crate::scheduling::{Appointment, MAX_APPOINTMENT_MINUTES, MAX_BUFFER_MINUTES};
use crate::store::{BookOutcome, Store};
use crate::testkit::fixture::{confirmed_appointment, Fixture, FixtureDoctor};
use crate::testkit::throughput::booking_event;

fn confirmed(
    doctor: &FixtureDoctor,
    patient: PatientId,
    start: chrono::DateTime<chrono::Utc>,
    minutes: i64,
    buffer: u32,
) -> Appointment {
    confirmed_appointment(doctor.user.id, patient, start, minutes, buffer)
}

fn field_of(r: crate::error::Result<impl std::fmt::Debug>) -> String {
    match r {
        Err(e @ Error::InvalidInput(_)) => e.field_errors()[0].field.clone(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn blocker(r: crate::error::Result<BookOutcome>) -> Option<String> {
    match r {
        Err(Error::Conflict { blocking, .. }) => blocking,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// Stores refuse appointments longer than a day or with a buffer over the maximum (written
/// nowhere), and the longest accepted ones still block their whole span: backends may bound
/// their collision search by it, never miss a blocker.
pub async fn stores_bound_appointment_spans(store: Arc<dyn Store>) {
    let f = Fixture::new(store.clone()).await;
    let d = f.doctor("Dr Long").await;
    let d2 = f.doctor("Dr Other").await;
    let p = f.patient("Pat Long").await;
    let q = f.patient("Quinn Long").await;
    let now = f.clock.now();
    let base = f.at(7, 0, 0);
    let day = i64::from(MAX_APPOINTMENT_MINUTES);
    let buffer = MAX_BUFFER_MINUTES;
    let book = |a: Appointment| {
        let store = store.clone();
        async move { store.book(&a, now, &booking_event(&a)).await }
    };

    let too_long = confirmed(&d, p.chart, base, day + 1, 0);
    assert_eq!(field_of(book(too_long.clone()).await), "end");
    let wide = confirmed(&d, p.chart, base, 30, buffer + 1);
    assert_eq!(field_of(book(wide).await), "buffer_minutes");
    assert_eq!(store.appointment(too_long.id).await.unwrap(), None);

    // The longest accepted appointment blocks its doctor for a day and the largest buffer…
    let long = confirmed(&d, p.chart, base, day, buffer);
    assert!(matches!(
        book(long.clone()).await,
        Ok(BookOutcome::Created(_))
    ));
    let block_end = base + Duration::minutes(day + i64::from(buffer));
    let last_minute = confirmed(&d, q.chart, block_end - Duration::minutes(1), 30, 0);
    assert_eq!(blocker(book(last_minute).await), Some(long.id.to_string()));
    let after = confirmed(&d, q.chart, block_end, 30, 0);
    assert!(matches!(book(after).await, Ok(BookOutcome::Created(_))));
    // …and its patient for the day, with any doctor.
    let end = base + Duration::minutes(day);
    let elsewhere = confirmed(&d2, p.chart, end - Duration::minutes(1), 30, 0);
    assert_eq!(blocker(book(elsewhere).await), Some(long.id.to_string()));
    let next_day = confirmed(&d2, p.chart, end, 30, 0);
    assert!(matches!(book(next_day).await, Ok(BookOutcome::Created(_))));

    // A move may not stretch it either.
    let mut stretched = long.clone();
    stretched.end += Duration::minutes(1);
    let r = store
        .update_appointment(&stretched, long.version, now, &booking_event(&stretched))
        .await;
    assert_eq!(field_of(r), "end");
    let stored = store.appointment(long.id).await.unwrap().expect("stored");
    assert_eq!((stored.end, stored.version), (long.end, long.version));
}
