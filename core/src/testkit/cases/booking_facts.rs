use std::collections::BTreeSet;
use std::sync::Arc;

use crate::clock::Clock;
use crate::identity::Role;
use crate::ids::{PatientId, UserId};
use crate::policy::Action;
use crate::service::Registration;
use crate::store::{BookingFacts, ChartState, Store};
use crate::testkit::fixture::{Fixture, PASSWORD};

/// [`ScheduleStore::booking_facts`](crate::store::ScheduleStore::booking_facts), where the
/// backend offers it, answers exactly what the single-purpose reads answer — for owners,
/// care teams, grantees, strangers, break-glass sessions; bookable, pending and unknown
/// doctors; doctors without availability; writable, archived and unknown charts.
pub async fn booking_facts_match_the_single_reads(store: Arc<dyn Store>) {
    let f = Fixture::new(store.clone()).await;
    let d = f.doctor("Dr Grey").await;
    let d2 = f.doctor("Dr House").await;
    let p = f.patient("Pat Doe").await;
    let q = f.patient("Quinn Roe").await;
    let archived = f.patient("Ari Archived").await;
    let carol = f.user("Carol Care", Role::Caregiver).await;
    let nurse = f.user("Nina Nurse", Role::Nurse).await;
    let pending = f
        .svc
        .register(Registration {
            name: "Dr Pending".into(),
            email: "pending@clinic.test".into(),
            password: PASSWORD.into(),
            role: Some(Role::Doctor),
            ..Default::default()
        })
        .await
        .expect("register a doctor awaiting approval");
    // Relationships of every kind.
    f.confirmed(&d, &p, f.at(0, 10, 0)).await;
    f.confirmed(&d, &archived, f.at(0, 11, 0)).await;
    f.svc
        .assign_care_team(&f.admin, q.chart, nurse.user_id)
        .await
        .expect("assign a nurse");
    let scope: BTreeSet<_> = [Action::ReadChart, Action::BookAppointment].into();
    f.svc
        .grant_caregiver(&p.actor, p.chart, carol.user_id, scope, None)
        .await
        .expect("grant");
    f.svc
        .break_glass(&d2.actor, q.chart, "unconscious in the emergency room")
        .await
        .expect("break glass");
    f.svc
        .archive_patient(&f.admin, archived.chart)
        .await
        .expect("archive");
    // A doctor without availability.
    let bare = f
        .svc
        .register(Registration {
            name: "Dr Bare".into(),
            email: "bare@clinic.test".into(),
            password: PASSWORD.into(),
            role: Some(Role::Doctor),
            ..Default::default()
        })
        .await
        .expect("register");
    f.svc
        .approve_user(&f.admin, bare.id)
        .await
        .expect("approve");

    let actors = [
        p.user.id,
        q.user.id,
        d.user.id,
        d2.user.id,
        carol.user_id,
        nurse.user_id,
        f.admin.user_id,
    ];
    let doctors = [
        d.user.id,
        bare.id,
        pending.id,
        p.user.id,
        UserId(uuid::Uuid::from_u128(0xD0C)),
    ];
    let charts = [
        p.chart,
        q.chart,
        archived.chart,
        PatientId(uuid::Uuid::from_u128(0xC4A7)),
    ];
    let now = f.clock.now();
    let mut seen = BTreeSet::new();
    for actor in actors {
        for doctor in doctors {
            for chart in charts {
                let Some(facts) = store
                    .booking_facts(actor, doctor, chart, now)
                    .await
                    .expect("booking facts")
                else {
                    // The backend does not offer the combined read; the service makes the
                    // single reads itself.
                    continue;
                };
                let expected = BookingFacts::from_reads(
                    store.relationships(actor, chart, now).await.expect("rel"),
                    store.user(doctor).await.expect("user").as_ref(),
                    store.patient(chart).await.expect("chart").as_ref(),
                    store.availability(doctor).await.expect("availability"),
                );
                assert_eq!(
                    facts, expected,
                    "actor {actor}, doctor {doctor}, chart {chart}"
                );
                let r = &facts.relationships;
                for (kind, present) in [
                    ("owner", r.owner),
                    ("care team", r.care_team),
                    ("grantee", !r.granted.is_empty()),
                    ("break glass", r.break_glass),
                    ("bookable doctor", facts.doctor_bookable),
                    ("unbookable doctor", !facts.doctor_bookable),
                    (
                        "doctor without availability",
                        facts.doctor_bookable && facts.availability.is_none(),
                    ),
                    ("missing chart", facts.chart == ChartState::Missing),
                    ("archived chart", facts.chart == ChartState::Archived),
                    ("writable chart", facts.chart == ChartState::Writable),
                ] {
                    if present {
                        seen.insert(kind);
                    }
                }
            }
        }
    }
    // Where the combined read is offered, the grid covered every kind of answer.
    if !seen.is_empty() {
        assert_eq!(seen.len(), 10, "{seen:?}");
    }
}
