use std::sync::Arc;

use chrono::Duration;

use crate::error::Error;
use crate::notify::NotificationKind;
use crate::scheduling::{AppointmentStatus, Transition};
use crate::store::{Page, Store};
use crate::testkit::fixture::Fixture;

/// Free slots follow availability, skip the past and shrink around bookings (buffers too).
pub async fn availability_and_free_slots(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    // Monday 09:00–17:00, 30-min slots + 10-min buffer → a slot every 40 minutes: 12 slots.
    let slots = f
        .svc
        .free_slots(d.user.id, f.at(0, 0, 0), f.at(1, 0, 0))
        .await
        .unwrap();
    assert_eq!(slots.len(), 12, "{slots:?}");
    assert_eq!(slots[0].start, f.at(0, 9, 0));
    assert_eq!(slots[1].start, f.at(0, 9, 40));
    assert!(slots
        .iter()
        .all(|s| s.end - s.start == Duration::minutes(30)));
    // Saturday: none.
    assert!(f
        .svc
        .free_slots(d.user.id, f.at(5, 0, 0), f.at(6, 0, 0))
        .await
        .unwrap()
        .is_empty());
    // A booking at 09:40 removes exactly its slot.
    f.svc
        .book(&p.actor, f.request(d.user.id, p.chart, f.at(0, 9, 40), 30))
        .await
        .unwrap();
    let after = f
        .svc
        .free_slots(d.user.id, f.at(0, 0, 0), f.at(1, 0, 0))
        .await
        .unwrap();
    assert_eq!(after.len(), 11);
    assert!(after.iter().all(|s| s.start != f.at(0, 9, 40)));
    // The past is not offered: at 12:00 only slots from 12:00 on remain.
    f.clock.set(f.at(0, 12, 0));
    let later = f
        .svc
        .free_slots(d.user.id, f.at(0, 0, 0), f.at(1, 0, 0))
        .await
        .unwrap();
    assert!(later.iter().all(|s| s.start >= f.at(0, 12, 0)));
    // Ranges are bounded and ordered.
    let err = f
        .svc
        .free_slots(d.user.id, f.at(0, 0, 0), f.at(60, 0, 0))
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field, "to");
    assert!(f
        .svc
        .free_slots(d.user.id, f.at(1, 0, 0), f.at(0, 0, 0))
        .await
        .is_err());
    let inv = crate::scheduling::Availability {
        slot_minutes: 1,
        ..f.svc.availability(d.user.id).await.unwrap()
    };
    let err = f.svc.set_availability(&d.actor, inv).await.unwrap_err();
    assert_eq!(err.field_errors()[0].field, "slot_minutes");
    // Another doctor's schedule is not theirs to set.
    let other = f.doctor("Dr House").await;
    let theirs = f.svc.availability(other.user.id).await.unwrap();
    assert!(matches!(
        f.svc.set_availability(&d.actor, theirs).await,
        Err(Error::Forbidden(_))
    ));
}

/// book → confirm → complete, with the doctor notified of the booking and confirmation and
/// the patient of the completion.
pub async fn booking_lifecycle_and_notifications(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let a = f
        .svc
        .book(&p.actor, f.request(d.user.id, p.chart, f.at(0, 10, 20), 30))
        .await
        .unwrap();
    assert_eq!(a.status, AppointmentStatus::Pending);
    assert_eq!(a.version, 1);
    assert_eq!(a.hold_expires_at, Some(f.at(0, 8, 10)));
    let c = f.svc.confirm(&p.actor, a.id).await.unwrap();
    assert_eq!(
        (c.status, c.version, c.hold_expires_at),
        (AppointmentStatus::Confirmed, 2, None)
    );
    let early = f.svc.complete(&d.actor, a.id).await.unwrap_err();
    assert!(
        matches!(early, Error::InvalidState(_)),
        "cannot complete before the start: {early:?}"
    );
    assert!(
        matches!(
            f.svc.complete(&p.actor, a.id).await,
            Err(Error::Forbidden(_))
        ),
        "patients cannot complete"
    );
    f.clock.set(f.at(0, 10, 50));
    let done = f.svc.complete(&d.actor, a.id).await.unwrap();
    assert_eq!(
        (done.status, done.version),
        (AppointmentStatus::Completed, 3)
    );
    assert_eq!(f.svc.get_appointment(&p.actor, a.id).await.unwrap(), done);

    let doctor_kinds: Vec<_> = f
        .svc
        .notifications(&d.actor, false, Page::default())
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert!(doctor_kinds.contains(&NotificationKind::AppointmentBooked));
    assert!(doctor_kinds.contains(&NotificationKind::AppointmentConfirmed));
    let patient_kinds: Vec<_> = f
        .svc
        .notifications(&p.actor, false, Page::default())
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert_eq!(patient_kinds, vec![NotificationKind::AppointmentCompleted]);
    let delivered: Vec<_> = f.notifier.delivered().into_iter().map(|n| n.id).collect();
    for n in f
        .svc
        .notifications(&d.actor, false, Page::default())
        .await
        .unwrap()
    {
        assert!(
            delivered.contains(&n.id),
            "every stored notification is delivered"
        );
    }

    // Doctor-side cancellation notifies the patient with the reason recorded.
    let b = f.confirmed(&d, &p, f.at(1, 9, 0)).await;
    let x = f
        .svc
        .cancel(&d.actor, b.id, Some("doctor is ill".into()))
        .await
        .unwrap();
    let cancellation = x.cancellation.expect("who and why are recorded");
    assert_eq!(
        (cancellation.by, cancellation.reason.as_deref()),
        (d.user.id, Some("doctor is ill"))
    );
    let kinds: Vec<_> = f
        .svc
        .notifications(&p.actor, true, Page::default())
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert!(kinds.contains(&NotificationKind::AppointmentCancelled));
}

/// Bookings outside availability, in the past, off the minute or reversed are invalid input
/// naming the field.
pub async fn booking_outside_availability_is_rejected(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let field = |e: Error| {
        e.field_errors()
            .first()
            .map(|f| f.field.clone())
            .unwrap_or_default()
    };
    let r = f
        .svc
        .book(&p.actor, f.request(d.user.id, p.chart, f.at(0, 16, 45), 30))
        .await
        .unwrap_err();
    assert_eq!(field(r), "start", "straddles the end of the day");
    let r = f
        .svc
        .book(&p.actor, f.request(d.user.id, p.chart, f.at(5, 10, 0), 30))
        .await
        .unwrap_err();
    assert_eq!(field(r), "start", "Saturday");
    f.clock.set(f.at(0, 12, 0));
    let r = f
        .svc
        .book(&p.actor, f.request(d.user.id, p.chart, f.at(0, 10, 0), 30))
        .await
        .unwrap_err();
    assert_eq!(field(r), "start", "in the past");
    let mut req = f.request(d.user.id, p.chart, f.at(1, 10, 0), 30);
    req.end = req.start - Duration::minutes(5);
    assert_eq!(field(f.svc.book(&p.actor, req).await.unwrap_err()), "end");
    let req = f.request(
        d.user.id,
        p.chart,
        f.at(1, 10, 0) + Duration::seconds(30),
        30,
    );
    assert_eq!(field(f.svc.book(&p.actor, req).await.unwrap_err()), "start");
    let r = f
        .svc
        .book(&p.actor, f.request(p.user.id, p.chart, f.at(1, 10, 0), 30))
        .await
        .unwrap_err();
    assert!(
        matches!(
            r,
            Error::NotFound {
                entity: "doctor",
                ..
            }
        ),
        "{r:?}"
    );
}

/// Overlaps for the doctor (buffer included) and for the patient are conflicts naming the
/// appointment in the way; touching the buffer's end is fine.
pub async fn conflicts_name_the_blocking_appointment(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let d2 = f.doctor("Dr House").await;
    let p = f.patient("Pat Doe").await;
    let q = f.patient("Quinn Roe").await;
    let a = f
        .svc
        .book(&p.actor, f.request(d.user.id, p.chart, f.at(0, 10, 0), 30))
        .await
        .unwrap();
    for (start, why) in [
        (f.at(0, 10, 0), "same slot"),
        (f.at(0, 10, 15), "overlap"),
        (f.at(0, 10, 35), "inside the buffer"),
        (f.at(0, 9, 40), "its buffer reaches into ours"),
    ] {
        match f
            .svc
            .book(&q.actor, f.request(d.user.id, q.chart, start, 20))
            .await
        {
            Err(Error::Conflict { blocking, .. }) => {
                assert_eq!(blocking, Some(a.id.to_string()), "{why}")
            }
            other => panic!("{why}: expected a conflict, got {other:?}"),
        }
    }
    f.svc
        .book(&q.actor, f.request(d.user.id, q.chart, f.at(0, 10, 40), 30))
        .await
        .expect("after the buffer");
    // Same patient with another doctor at an overlapping time.
    match f
        .svc
        .book(
            &p.actor,
            f.request(d2.user.id, p.chart, f.at(0, 10, 10), 30),
        )
        .await
    {
        Err(Error::Conflict { blocking, .. }) => assert_eq!(blocking, Some(a.id.to_string())),
        other => panic!("expected a patient conflict, got {other:?}"),
    }
    // A cancelled appointment frees the slot.
    f.svc.cancel(&p.actor, a.id, None).await.unwrap();
    f.svc
        .book(
            &p.actor,
            f.request(d2.user.id, p.chart, f.at(0, 10, 10), 30),
        )
        .await
        .unwrap();
}

/// An unconfirmed hold stops blocking when it lapses; the next booking expires it.
pub async fn lapsed_hold_frees_the_slot(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let q = f.patient("Quinn Roe").await;
    let a = f
        .svc
        .book(&p.actor, f.request(d.user.id, p.chart, f.at(0, 11, 0), 30))
        .await
        .unwrap();
    assert!(f
        .svc
        .book(&q.actor, f.request(d.user.id, q.chart, f.at(0, 11, 0), 30))
        .await
        .is_err());
    f.clock.advance(f.svc.config().hold_ttl);
    let b = f
        .svc
        .book(&q.actor, f.request(d.user.id, q.chart, f.at(0, 11, 0), 30))
        .await
        .unwrap();
    assert_eq!(b.status, AppointmentStatus::Pending);
    let old = f.svc.get_appointment(&f.admin, a.id).await.unwrap();
    assert_eq!(old.status, AppointmentStatus::Expired);
    let err = f.svc.confirm(&p.actor, a.id).await.unwrap_err();
    assert!(matches!(err, Error::InvalidState(_)), "{err:?}");
}

/// Moving an appointment is atomic: into a free slot it moves; into a taken one it stays.
pub async fn reschedule_is_one_atomic_move(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let q = f.patient("Quinn Roe").await;
    let a = f.confirmed(&d, &p, f.at(0, 10, 0)).await;
    let b = f.confirmed(&d, &q, f.at(0, 11, 0)).await;
    let moved = f
        .svc
        .reschedule(&p.actor, a.id, f.at(0, 10, 20), f.at(0, 10, 50))
        .await
        .expect("overlapping its own old interval is fine");
    assert_eq!(
        (moved.start, moved.status, moved.version),
        (f.at(0, 10, 20), AppointmentStatus::Confirmed, 3)
    );
    match f
        .svc
        .reschedule(&p.actor, a.id, f.at(0, 11, 0), f.at(0, 11, 30))
        .await
    {
        Err(Error::Conflict { blocking, .. }) => assert_eq!(blocking, Some(b.id.to_string())),
        other => panic!("expected conflict, got {other:?}"),
    }
    assert_eq!(
        f.svc.get_appointment(&p.actor, a.id).await.unwrap(),
        moved,
        "a failed move changes nothing"
    );
    let r = f
        .svc
        .reschedule(&p.actor, a.id, f.at(5, 10, 0), f.at(5, 10, 30))
        .await
        .unwrap_err();
    assert_eq!(r.field_errors()[0].field, "start");
    // The old interval is free again.
    f.confirmed(&d, &q, f.at(0, 9, 20)).await;
}

/// Transitions the state machine forbids are `InvalidState`, and change nothing.
pub async fn illegal_transitions_are_errors(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    // Keep the doctor on the care team after the cancellation.
    f.svc
        .assign_care_team(&f.admin, p.chart, d.user.id)
        .await
        .unwrap();
    let a = f.confirmed(&d, &p, f.at(0, 9, 0)).await;
    assert!(matches!(
        f.svc.confirm(&p.actor, a.id).await,
        Err(Error::InvalidState(_))
    ));
    f.svc
        .cancel(&p.actor, a.id, Some("feeling better".into()))
        .await
        .unwrap();
    for t in [
        Transition::Confirm,
        Transition::Cancel { reason: None },
        Transition::Complete,
        Transition::NoShow,
    ] {
        let actor = if matches!(t, Transition::Complete | Transition::NoShow) {
            &d.actor
        } else {
            &p.actor
        };
        let r = f.svc.transition(actor, a.id, t.clone(), None).await;
        assert!(
            matches!(r, Err(Error::InvalidState(_))),
            "{t:?} on cancelled: {r:?}"
        );
    }
    assert_eq!(
        f.svc.get_appointment(&p.actor, a.id).await.unwrap().version,
        3
    );
}

/// The same booker and idempotency key return the same appointment; reusing the key for a
/// different request is a conflict; concurrent retries create one appointment.
pub async fn idempotency_key_returns_the_same_appointment(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store).await);
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let mut req = f.request(d.user.id, p.chart, f.at(0, 10, 0), 30);
    req.idempotency_key = Some("retry-1".into());
    let a = f.svc.book(&p.actor, req.clone()).await.unwrap();
    assert_eq!(f.svc.book(&p.actor, req.clone()).await.unwrap(), a);
    // The replay is audited against the real appointment; no entry names a phantom id.
    let log = f
        .svc
        .audit_log(&f.admin, &Default::default(), Page::first(500))
        .await
        .unwrap();
    let books: Vec<_> = log
        .iter()
        .filter(|e| e.event.action == "appointment.book")
        .collect();
    assert_eq!(books.len(), 2, "one for the booking, one for the replay");
    assert!(books
        .iter()
        .all(|e| e.event.resource_id == Some(a.id.to_string())));
    assert!(books
        .iter()
        .any(|e| e.event.detail.as_deref() == Some("idempotent replay")));
    let mut other = req.clone();
    other.start = f.at(0, 14, 0);
    other.end = f.at(0, 14, 30);
    assert!(matches!(
        f.svc.book(&p.actor, other).await,
        Err(Error::Conflict { .. })
    ));
    let mut bad = req.clone();
    bad.idempotency_key = Some("has space".into());
    assert_eq!(
        f.svc.book(&p.actor, bad).await.unwrap_err().field_errors()[0].field,
        "idempotency_key"
    );

    let mut req2 = f.request(d.user.id, p.chart, f.at(1, 10, 0), 30);
    req2.idempotency_key = Some("retry-2".into());
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (f, actor, req) = (f.clone(), p.actor.clone(), req2.clone());
            tokio::spawn(async move { f.svc.book(&actor, req).await })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap().expect("every retry succeeds").id);
    }
    assert_eq!(ids.len(), 1, "one appointment for one key");
}

/// A transition from a stale version fails with `PreconditionFailed` naming both versions.
pub async fn stale_version_is_a_precondition_failure(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let a = f
        .svc
        .book(&p.actor, f.request(d.user.id, p.chart, f.at(0, 10, 0), 30))
        .await
        .unwrap();
    f.svc.confirm(&p.actor, a.id).await.unwrap();
    let r = f
        .svc
        .transition(&p.actor, a.id, Transition::Cancel { reason: None }, Some(1))
        .await;
    match r {
        Err(Error::PreconditionFailed {
            expected: 1,
            current: 2,
            ..
        }) => {}
        other => panic!("expected a precondition failure, got {other:?}"),
    }
    // Straight at the store: a stale compare-and-set loses.
    let stored = f.svc.store().appointment(a.id).await.unwrap().unwrap();
    let ev = crate::audit::AuditEvent {
        id: crate::ids::AuditId(uuid::Uuid::now_v7()),
        at: f.at(0, 8, 0),
        actor: None,
        actor_role: None,
        action: "test.stale".into(),
        resource_kind: "appointment".into(),
        resource_id: None,
        patient_id: None,
        outcome: crate::audit::Outcome::Allowed,
        detail: None,
    };
    let r = f
        .svc
        .store()
        .update_appointment(&stored, 1, f.at(0, 8, 0), &ev)
        .await;
    assert!(
        matches!(r, Err(Error::PreconditionFailed { current: 2, .. })),
        "{r:?}"
    );
}

/// The sweep marks lapsed holds expired and leaves live ones.
pub async fn expire_holds_sweeps_lapsed_holds(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let a = f
        .svc
        .book(&p.actor, f.request(d.user.id, p.chart, f.at(0, 10, 0), 30))
        .await
        .unwrap();
    f.clock.advance(Duration::minutes(5));
    let b = f
        .svc
        .book(&p.actor, f.request(d.user.id, p.chart, f.at(0, 12, 0), 30))
        .await
        .unwrap();
    assert_eq!(f.svc.expire_holds().await.unwrap(), 0);
    f.clock.advance(Duration::minutes(6));
    assert_eq!(f.svc.expire_holds().await.unwrap(), 1);
    assert_eq!(
        f.svc.get_appointment(&p.actor, a.id).await.unwrap().status,
        AppointmentStatus::Expired
    );
    assert_eq!(
        f.svc.get_appointment(&p.actor, b.id).await.unwrap().status,
        AppointmentStatus::Pending
    );
    assert_eq!(f.svc.expire_holds().await.unwrap(), 0, "idempotent");
}
