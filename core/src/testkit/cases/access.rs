use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Duration;

use crate::error::Error;
use crate::identity::{PatientDetails, Role};
use crate::notify::NotificationKind;
use crate::policy::Action;
use crate::service::AppointmentQuery;
use crate::store::{Page, Store};
use crate::testkit::fixture::Fixture;

/// Patients see only their own chart; doctors see charts of their patients; nurses see
/// charts they are assigned to; admins see demographics; lists are narrowed likewise.
pub async fn chart_access_follows_relationships(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let d2 = f.doctor("Dr House").await;
    let p = f.patient("Pat Doe").await;
    let q = f.patient("Quinn Roe").await;
    let nurse = f.user("Nina Nurse", Role::Nurse).await;

    assert!(
        matches!(
            f.svc.get_patient(&p.actor, q.chart).await,
            Err(Error::Forbidden(_))
        ),
        "IDOR across patients"
    );
    assert!(
        matches!(
            f.svc.get_patient(&d.actor, p.chart).await,
            Err(Error::Forbidden(_))
        ),
        "no relationship yet"
    );
    // Booking is no way into a chart: a doctor cannot book a patient they don't treat.
    let r = f
        .svc
        .book(&d.actor, f.request(d.user.id, p.chart, f.at(2, 10, 0), 30))
        .await;
    assert!(matches!(r, Err(Error::Forbidden(_))), "{r:?}");
    let a = f.confirmed(&d, &p, f.at(0, 10, 0)).await;
    f.svc
        .get_patient(&d.actor, p.chart)
        .await
        .expect("the doctor of an appointment is on the care team");
    assert!(matches!(
        f.svc.get_appointment(&q.actor, a.id).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        f.svc.get_appointment(&d2.actor, a.id).await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        f.svc.cancel(&q.actor, a.id, None).await,
        Err(Error::Forbidden(_))
    ));

    assert!(f.svc.get_patient(&nurse, p.chart).await.is_err());
    f.svc
        .assign_care_team(&f.admin, p.chart, nurse.user_id)
        .await
        .unwrap();
    f.svc
        .get_patient(&nurse, p.chart)
        .await
        .expect("assigned nurse reads the chart");
    assert!(
        f.svc
            .assign_care_team(&f.admin, p.chart, q.user.id)
            .await
            .is_err(),
        "only clinicians join care teams"
    );
    f.svc
        .get_patient(&f.admin, p.chart)
        .await
        .expect("admins read demographics");

    // Lists are narrowed to what the actor may see.
    let mine = f
        .svc
        .list_patients(&p.actor, None, Page::default())
        .await
        .unwrap();
    assert_eq!(mine.iter().map(|c| c.id).collect::<Vec<_>>(), vec![p.chart]);
    assert_eq!(
        f.svc
            .list_patients(&f.admin, None, Page::default())
            .await
            .unwrap()
            .len(),
        2
    );
    let q_sees = f
        .svc
        .list_appointments(&q.actor, AppointmentQuery::default(), Page::default())
        .await
        .unwrap();
    assert!(q_sees.is_empty());
    let q_snoops = AppointmentQuery {
        patient_id: Some(p.chart),
        ..Default::default()
    };
    assert!(f
        .svc
        .list_appointments(&q.actor, q_snoops, Page::default())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        f.svc
            .list_appointments(&d.actor, AppointmentQuery::default(), Page::default())
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(f
        .svc
        .list_appointments(&d2.actor, AppointmentQuery::default(), Page::default())
        .await
        .unwrap()
        .is_empty());
    // A doctor books only into their own schedule; patients only for their own chart.
    let r = f
        .svc
        .book(&d.actor, f.request(d2.user.id, p.chart, f.at(1, 10, 0), 30))
        .await;
    assert!(matches!(r, Err(Error::Forbidden(_))), "{r:?}");
    let r = f
        .svc
        .book(&q.actor, f.request(d.user.id, p.chart, f.at(1, 10, 0), 30))
        .await;
    assert!(matches!(r, Err(Error::Forbidden(_))), "{r:?}");
    // A doctor creates a walk-in chart and joins its care team.
    let walk_in = PatientDetails {
        name: "Walk In".into(),
        ..Default::default()
    };
    let w = f
        .svc
        .create_patient(&d.actor, walk_in.clone())
        .await
        .unwrap();
    f.svc.get_patient(&d.actor, w.id).await.unwrap();
    assert!(matches!(
        f.svc.create_patient(&p.actor, walk_in).await,
        Err(Error::Forbidden(_))
    ));
}

/// A caregiver acts on a chart only within an active grant's scope; expiry and revocation
/// end it; only delegable actions may be granted.
pub async fn caregiver_grants_scope_expire_and_revoke(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let q = f.patient("Quinn Roe").await;
    let carol = f.user("Carol Care", Role::Caregiver).await;
    assert!(f.svc.get_patient(&carol, p.chart).await.is_err());
    let scope: BTreeSet<_> = [
        Action::ReadChart,
        Action::ReadAppointments,
        Action::BookAppointment,
    ]
    .into();
    let bad: BTreeSet<_> = [Action::AmendRecord].into();
    let e = f
        .svc
        .grant_caregiver(&p.actor, p.chart, carol.user_id, bad, None)
        .await
        .unwrap_err();
    assert_eq!(e.field_errors()[0].field, "actions");
    let e = f
        .svc
        .grant_caregiver(&p.actor, p.chart, q.user.id, scope.clone(), None)
        .await
        .unwrap_err();
    assert_eq!(e.field_errors()[0].field, "caregiver_id");
    assert!(matches!(
        f.svc
            .grant_caregiver(&q.actor, p.chart, carol.user_id, scope.clone(), None)
            .await,
        Err(Error::Forbidden(_))
    ));
    let g = f
        .svc
        .grant_caregiver(
            &p.actor,
            p.chart,
            carol.user_id,
            scope.clone(),
            Some(f.at(1, 0, 0)),
        )
        .await
        .unwrap();
    f.svc
        .get_patient(&carol, p.chart)
        .await
        .expect("granted read");
    let a = f
        .svc
        .book(&carol, f.request(d.user.id, p.chart, f.at(0, 10, 0), 30))
        .await
        .expect("granted booking");
    assert!(
        matches!(
            f.svc.cancel(&carol, a.id, None).await,
            Err(Error::Forbidden(_))
        ),
        "manage not granted"
    );
    assert!(
        f.svc.get_patient(&carol, q.chart).await.is_err(),
        "other charts stay closed"
    );
    let listed = f
        .svc
        .list_appointments(&carol, AppointmentQuery::default(), Page::default())
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let kinds: Vec<_> = f
        .svc
        .notifications(&carol, false, Page::default())
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert!(kinds.contains(&NotificationKind::AccessGrantChanged));

    f.clock.set(f.at(1, 0, 0));
    assert!(f.svc.get_patient(&carol, p.chart).await.is_err(), "expired");
    let g2 = f
        .svc
        .grant_caregiver(&p.actor, p.chart, carol.user_id, scope, None)
        .await
        .unwrap();
    f.svc.get_patient(&carol, p.chart).await.unwrap();
    let revoked = f.svc.revoke_grant(&p.actor, g2.id).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(f.svc.get_patient(&carol, p.chart).await.is_err(), "revoked");
    let grants = f.svc.list_grants(&p.actor, p.chart).await.unwrap();
    assert_eq!(
        grants.iter().map(|g| g.id).collect::<Vec<_>>(),
        vec![g.id, g2.id]
    );
    assert!(f.svc.list_grants(&carol, p.chart).await.is_err());
}

/// Break-glass: a doctor outside the care team states a reason and gets time-boxed access;
/// the patient is notified; nurses and patients cannot break glass.
pub async fn break_glass_is_audited_and_notifies_patient(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let nurse = f.user("Nina Nurse", Role::Nurse).await;
    assert!(f.svc.get_patient(&d.actor, p.chart).await.is_err());
    let short = f
        .svc
        .break_glass(&d.actor, p.chart, "help")
        .await
        .unwrap_err();
    assert_eq!(short.field_errors()[0].field, "reason");
    assert!(matches!(
        f.svc
            .break_glass(&nurse, p.chart, "patient collapsed in the ward")
            .await,
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        f.svc
            .break_glass(&p.actor, p.chart, "patient collapsed in the ward")
            .await,
        Err(Error::Forbidden(_))
    ));
    let s = f
        .svc
        .break_glass(&d.actor, p.chart, "unconscious patient in the ER")
        .await
        .unwrap();
    assert_eq!(s.expires_at - s.started_at, f.svc.config().break_glass_ttl);
    f.svc
        .get_patient(&d.actor, p.chart)
        .await
        .expect("break-glass opens the chart");
    let notes = f
        .svc
        .notifications(&p.actor, true, Page::default())
        .await
        .unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.kind == NotificationKind::BreakGlassAccess
                && n.message.contains("unconscious"))
    );
    let log = f
        .svc
        .audit_log(&f.admin, &Default::default(), Page::first(100))
        .await
        .unwrap();
    assert!(log.iter().any(|e| e.event.action == "break_glass.start"
        && e.event.detail.as_deref() == Some("unconscious patient in the ER")));
    assert!(log.iter().any(|e| e.event.action == "patient.read"
        && e.event.actor == Some(d.user.id)
        && e.event
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("break-glass"))));
    f.clock
        .advance(f.svc.config().break_glass_ttl + Duration::seconds(1));
    assert!(
        f.svc.get_patient(&d.actor, p.chart).await.is_err(),
        "time-boxed"
    );
}
