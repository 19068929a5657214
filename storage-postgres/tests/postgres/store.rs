//! Store-level behaviour of the PostgreSQL backend: constraint violations become semantic
//! errors, and the scheduling edge cases (buffers, lapsed holds, atomic moves, replays).

use chrono::{DateTime, TimeZone, Utc};
use medsync_core::identity::{Contact, PasswordHash, Patient, Role, Sex, User, UserStatus};
use medsync_core::ids::{PatientId, UserId};
use medsync_core::scheduling::{Appointment, AppointmentStatus};
use medsync_core::store::{BookOutcome, PatientStore, ScheduleStore, UserStore};
use medsync_core::Error;
use medsync_storage_postgres::PostgresStore;
use uuid::Uuid;

use crate::common::{confirmed, event, held};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
}

fn user(email: &str, role: Role) -> User {
    User {
        id: UserId(Uuid::now_v7()),
        email: email.into(),
        name: email.into(),
        role,
        status: UserStatus::Active,
        password_hash: PasswordHash("$argon2id$placeholder".into()),
        patient_id: None,
        specialization: None,
        created_at: at(0, 0),
        updated_at: at(0, 0),
        version: 1,
    }
}

fn chart(name: &str, mrn: &str) -> Patient {
    Patient {
        id: PatientId(Uuid::now_v7()),
        name: name.into(),
        date_of_birth: None,
        sex: Sex::Unknown,
        contact: Contact::default(),
        mrn: mrn.into(),
        user_id: None,
        archived_at: None,
        created_at: at(0, 0),
        updated_at: at(0, 0),
        version: 1,
    }
}

/// `n` doctors and `n` charts.
async fn people(s: &PostgresStore, n: usize) -> (Vec<UserId>, Vec<PatientId>) {
    let (mut doctors, mut patients) = (Vec::new(), Vec::new());
    for i in 0..n {
        let d = user(&format!("doctor{i}@clinic.test"), Role::Doctor);
        s.create_user(&d, None, &event("user.create", at(0, 0)))
            .await
            .unwrap();
        doctors.push(d.id);
        let p = chart(&format!("Patient {i}"), &format!("MRN-{i}"));
        s.create_patient(&p, &event("patient.create", at(0, 0)))
            .await
            .unwrap();
        patients.push(p.id);
    }
    (doctors, patients)
}

async fn book(
    s: &PostgresStore,
    a: &Appointment,
    now: DateTime<Utc>,
) -> medsync_core::Result<BookOutcome> {
    s.book(a, now, &event("appointment.book", now)).await
}

fn blocking(r: medsync_core::Result<impl std::fmt::Debug>) -> (String, Option<String>) {
    match r {
        Err(Error::Conflict { message, blocking }) => (message, blocking),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

async fn audit_rows(s: &PostgresStore) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(s.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn constraint_violations_are_semantic_errors() {
    let s = store_or_skip!(2);
    let a = user("ann@clinic.test", Role::Doctor);
    s.create_user(&a, None, &event("user.create", at(0, 0)))
        .await
        .unwrap();
    // The unique index is on lower(email).
    let mut b = user("ANN@clinic.test", Role::Nurse);
    let r = s
        .create_user(&b, None, &event("user.create", at(0, 0)))
        .await;
    assert!(
        matches!(r, Err(Error::Conflict { ref message, .. }) if message.contains("email")),
        "{r:?}"
    );
    // A user and its chart are written together or not at all.
    b.email = "bob@clinic.test".into();
    let taken = chart("Ann", "MRN-1");
    s.create_patient(&taken, &event("patient.create", at(0, 0)))
        .await
        .unwrap();
    let mut own = chart("Bob", "MRN-1");
    own.user_id = Some(b.id);
    b.patient_id = Some(own.id);
    let r = s
        .create_user(&b, Some(&own), &event("user.create", at(0, 0)))
        .await;
    assert!(
        matches!(r, Err(Error::Conflict { ref message, .. }) if message.contains("medical record number")),
        "{r:?}"
    );
    assert!(s.user(b.id).await.unwrap().is_none());
    // A missing row referenced is NotFound; a refused value is InvalidInput naming the field.
    let stranger = PatientId(Uuid::now_v7());
    let r = book(&s, &confirmed(a.id, stranger, at(9, 0), 30), at(8, 0)).await;
    assert!(
        matches!(
            r,
            Err(Error::NotFound {
                entity: "patient",
                ..
            })
        ),
        "{r:?}"
    );
    let mut backwards = confirmed(a.id, taken.id, at(9, 0), 30);
    backwards.end = backwards.start;
    let r = book(&s, &backwards, at(8, 0)).await;
    assert_eq!(r.unwrap_err().field_errors()[0].field, "end");
    // Stale compare-and-set names both versions.
    let mut next = a.clone();
    next.name = "Ann B".into();
    s.update_user(&next, 1, &event("user.update", at(0, 0)))
        .await
        .unwrap();
    let r = s
        .update_user(&next, 1, &event("user.update", at(0, 0)))
        .await;
    assert!(
        matches!(
            r,
            Err(Error::PreconditionFailed {
                entity: "user",
                expected: 1,
                current: 2
            })
        ),
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buffers_block_the_doctor_not_the_patient() {
    let s = store_or_skip!(2);
    let (d, p) = people(&s, 3).await;
    let mut first = confirmed(d[0], p[0], at(9, 0), 30);
    first.buffer_minutes = 15;
    book(&s, &first, at(8, 0)).await.unwrap();
    let (message, by) = blocking(book(&s, &confirmed(d[0], p[1], at(9, 40), 20), at(8, 0)).await);
    assert!(message.contains("doctor"), "{message}");
    assert_eq!(by, Some(first.id.to_string()));
    assert!(matches!(
        book(&s, &confirmed(d[0], p[1], at(9, 45), 20), at(8, 0)).await,
        Ok(BookOutcome::Created(_))
    ));
    // The patient is only blocked for [start, end): another doctor at 9:30 is fine…
    assert!(matches!(
        book(&s, &confirmed(d[1], p[0], at(9, 30), 10), at(8, 0)).await,
        Ok(BookOutcome::Created(_))
    ));
    // …but not during the appointment.
    let (message, by) = blocking(book(&s, &confirmed(d[2], p[0], at(9, 10), 10), at(8, 0)).await);
    assert!(message.contains("patient"), "{message}");
    assert_eq!(by, Some(first.id.to_string()));
    // doctor_busy sees the buffer.
    let busy = s
        .doctor_busy(d[0], at(9, 35), at(9, 40), at(8, 0))
        .await
        .unwrap();
    assert_eq!(
        busy.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![first.id]
    );
    // A new appointment's own buffer runs into the next one.
    let mut before = confirmed(d[0], p[2], at(8, 30), 20);
    before.buffer_minutes = 15;
    let (_, by) = blocking(book(&s, &before, at(8, 0)).await);
    assert_eq!(by, Some(first.id.to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lapsed_holds_are_expired_in_the_booking_transaction() {
    let s = store_or_skip!(2);
    let (d, p) = people(&s, 3).await;
    let lapsing = held(d[0], p[0], at(9, 0), 30, at(8, 10));
    let elsewhere = held(d[0], p[1], at(14, 0), 30, at(8, 5));
    book(&s, &lapsing, at(8, 0)).await.unwrap();
    book(&s, &elsewhere, at(8, 0)).await.unwrap();
    // Still live at 8:09: the hold blocks. The refused booking still expired the doctor's
    // hold that had lapsed by then (expiring is always right, whatever the booking's fate).
    let (_, by) = blocking(book(&s, &confirmed(d[0], p[2], at(9, 0), 30), at(8, 9)).await);
    assert_eq!(by, Some(lapsing.id.to_string()));
    let a = s.appointment(elsewhere.id).await.unwrap().unwrap();
    assert_eq!(
        (a.status, a.version, a.updated_at),
        (AppointmentStatus::Expired, 2, at(8, 9))
    );
    // At 8:10 the first hold lapsed too: the booking expires it in its transaction and wins.
    let now = at(8, 10);
    assert!(matches!(
        book(&s, &confirmed(d[0], p[2], at(9, 0), 30), now).await,
        Ok(BookOutcome::Created(_))
    ));
    let a = s.appointment(lapsing.id).await.unwrap().unwrap();
    assert_eq!(
        (a.status, a.version, a.updated_at),
        (AppointmentStatus::Expired, 2, now)
    );
    assert_eq!(s.expire_holds(at(23, 0)).await.unwrap(), 0);
    // The sweep counts only lapsed pending holds.
    book(&s, &held(d[1], p[0], at(9, 0), 30, at(8, 30)), at(8, 20))
        .await
        .unwrap();
    book(&s, &held(d[2], p[1], at(9, 0), 30, at(8, 40)), at(8, 20))
        .await
        .unwrap();
    assert_eq!(s.expire_holds(at(8, 30)).await.unwrap(), 1);
    assert_eq!(s.expire_holds(at(8, 30)).await.unwrap(), 0);
    assert_eq!(s.expire_holds(at(9, 0)).await.unwrap(), 1);
}

/// A move expires the other lapsed holds of its calendars in its own transaction, but never
/// the appointment it moves (that would bump the version its compare-and-set matches).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_expires_other_lapsed_holds_but_not_itself() {
    let s = store_or_skip!(2);
    let (d, p) = people(&s, 2).await;
    let other = held(d[0], p[1], at(14, 0), 30, at(8, 5));
    let moved = held(d[0], p[0], at(9, 0), 30, at(8, 10));
    book(&s, &other, at(8, 0)).await.unwrap();
    book(&s, &moved, at(8, 0)).await.unwrap();
    // At 8:20 both holds have lapsed; the store confirms `moved` as told (whether a lapsed
    // hold may still be confirmed is the service's decision).
    let now = at(8, 20);
    let mut next = moved.clone();
    next.status = AppointmentStatus::Confirmed;
    next.hold_expires_at = None;
    let stored = s
        .update_appointment(&next, 1, now, &event("appointment.confirm", now))
        .await
        .unwrap();
    assert_eq!(
        (stored.status, stored.version),
        (AppointmentStatus::Confirmed, 2)
    );
    let o = s.appointment(other.id).await.unwrap().unwrap();
    assert_eq!(
        (o.status, o.version, o.updated_at),
        (AppointmentStatus::Expired, 2, now)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reschedule_is_one_atomic_move() {
    let s = store_or_skip!(2);
    let (d, p) = people(&s, 3).await;
    let a = confirmed(d[0], p[0], at(9, 0), 30);
    let b = confirmed(d[0], p[1], at(10, 0), 30);
    book(&s, &a, at(8, 0)).await.unwrap();
    book(&s, &b, at(8, 0)).await.unwrap();
    let before = audit_rows(&s).await;
    // Onto the other appointment: refused, nothing moves, nothing is audited.
    let mut onto = a.clone();
    onto.start = at(10, 15);
    onto.end = at(10, 45);
    let (_, by) = blocking(
        s.update_appointment(
            &onto,
            1,
            at(8, 0),
            &event("appointment.reschedule", at(8, 0)),
        )
        .await,
    );
    assert_eq!(by, Some(b.id.to_string()));
    let stored = s.appointment(a.id).await.unwrap().unwrap();
    assert_eq!((stored.start, stored.version), (at(9, 0), 1));
    assert_eq!(audit_rows(&s).await, before);
    // Within its own slot it never collides with itself; the old time is free at once.
    let mut shifted = a.clone();
    shifted.start = at(9, 15);
    shifted.end = at(9, 45);
    let stored = s
        .update_appointment(
            &shifted,
            1,
            at(8, 0),
            &event("appointment.reschedule", at(8, 0)),
        )
        .await
        .unwrap();
    assert_eq!((stored.start, stored.version), (at(9, 15), 2));
    assert_eq!(audit_rows(&s).await, before + 1);
    assert!(matches!(
        book(&s, &confirmed(d[1], p[0], at(9, 0), 30), at(8, 0)).await,
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        book(&s, &confirmed(d[0], p[2], at(8, 50), 15), at(8, 0)).await,
        Ok(BookOutcome::Created(_))
    ));
    // A stale version loses; an unknown id is NotFound.
    let r = s
        .update_appointment(&shifted, 1, at(8, 0), &event("x", at(8, 0)))
        .await;
    assert!(
        matches!(
            r,
            Err(Error::PreconditionFailed {
                entity: "appointment",
                expected: 1,
                current: 2
            })
        ),
        "{r:?}"
    );
    let mut ghost = shifted.clone();
    ghost.id = medsync_core::ids::AppointmentId(Uuid::now_v7());
    let r = s
        .update_appointment(&ghost, 1, at(8, 0), &event("x", at(8, 0)))
        .await;
    assert!(
        matches!(
            r,
            Err(Error::NotFound {
                entity: "appointment",
                ..
            })
        ),
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotent_replay_writes_nothing() {
    let s = store_or_skip!(2);
    let (d, p) = people(&s, 1).await;
    let mut first = confirmed(d[0], p[0], at(9, 0), 30);
    first.idempotency_key = Some("k1".into());
    book(&s, &first, at(8, 0)).await.unwrap();
    let before = audit_rows(&s).await;
    let mut again = confirmed(d[0], p[0], at(11, 0), 30);
    again.idempotency_key = Some("k1".into());
    let stored = s.appointment(first.id).await.unwrap().unwrap();
    assert_eq!(
        book(&s, &again, at(8, 0)).await.unwrap(),
        BookOutcome::Existing(stored)
    );
    assert_eq!(
        audit_rows(&s).await,
        before,
        "a replay writes nothing, not even audit"
    );
    // Another booker's keys are separate.
    again.booked_by = UserId(Uuid::now_v7());
    assert!(matches!(
        book(&s, &again, at(8, 0)).await,
        Ok(BookOutcome::Created(_))
    ));
}
