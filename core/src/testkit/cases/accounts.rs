use std::sync::Arc;

use crate::error::Error;
use crate::identity::{PatientDetails, Role, UserStatus};
use crate::notify::NotificationKind;
use crate::service::UserUpdate;
use crate::store::{Page, Store, UserFilter};
use crate::testkit::fixture::Fixture;

/// Admins search, approve, edit and deactivate users; nobody else may.
pub async fn admin_user_management(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let pending = f
        .svc
        .register(crate::service::Registration {
            name: "Nora Pending".into(),
            email: "nora@clinic.test".into(),
            password: crate::testkit::fixture::PASSWORD.into(),
            role: Some(Role::Nurse),
            ..Default::default()
        })
        .await
        .unwrap();
    let all = f
        .svc
        .list_users(&f.admin, &UserFilter::default(), Page::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    let doctors = f
        .svc
        .list_users(
            &f.admin,
            &UserFilter {
                role: Some(Role::Doctor),
                ..Default::default()
            },
            Page::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        doctors.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![d.user.id]
    );
    let waiting = UserFilter {
        status: Some(UserStatus::PendingApproval),
        ..Default::default()
    };
    assert_eq!(
        f.svc
            .list_users(&f.admin, &waiting, Page::default())
            .await
            .unwrap()[0]
            .id,
        pending.id
    );
    let by_name = UserFilter {
        query: Some("GREY".into()),
        ..Default::default()
    };
    assert_eq!(
        f.svc
            .list_users(&f.admin, &by_name, Page::default())
            .await
            .unwrap()
            .len(),
        1
    );
    let paged = f
        .svc
        .list_users(
            &f.admin,
            &UserFilter::default(),
            Page {
                offset: 1,
                limit: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        paged.iter().map(|u| u.id).collect::<Vec<_>>(),
        all[1..3].iter().map(|u| u.id).collect::<Vec<_>>()
    );

    assert!(matches!(
        f.svc
            .list_users(&d.actor, &UserFilter::default(), Page::default())
            .await,
        Err(Error::Forbidden(_))
    ));
    let escalate = UserUpdate {
        role: Some(Role::Admin),
        ..Default::default()
    };
    assert!(
        matches!(
            f.svc.update_user(&p.actor, p.user.id, escalate).await,
            Err(Error::Forbidden(_))
        ),
        "no self-promotion"
    );

    let approved = f.svc.approve_user(&f.admin, pending.id).await.unwrap();
    assert_eq!(approved.status, UserStatus::Active);
    let pa = crate::policy::Actor {
        user_id: pending.id,
        role: Role::Nurse,
        patient_id: None,
    };
    let notes = f
        .svc
        .notifications(&pa, false, Page::default())
        .await
        .unwrap();
    assert!(notes
        .iter()
        .any(|n| n.kind == NotificationKind::AccountChanged));
    let renamed = f
        .svc
        .update_user(
            &f.admin,
            d.user.id,
            UserUpdate {
                name: Some("Dr Meredith Grey".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.version),
        ("Dr Meredith Grey", d.user.version + 1)
    );
    let bad = f
        .svc
        .update_user(
            &f.admin,
            d.user.id,
            UserUpdate {
                role: Some(Role::Patient),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.field_errors()[0].field, "role");
    let blank = f
        .svc
        .update_user(
            &f.admin,
            d.user.id,
            UserUpdate {
                name: Some("  ".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(blank.field_errors()[0].field, "name");
    assert_eq!(f.svc.list_doctors(Page::default()).await.unwrap().len(), 1);
    assert_eq!(
        f.svc.get_user(&p.actor, p.user.id).await.unwrap().id,
        p.user.id
    );
    assert!(f.svc.get_user(&p.actor, d.user.id).await.is_err());
    // Bootstrap is idempotent for the same admin and refuses a non-admin's email.
    assert_eq!(
        f.svc
            .bootstrap_admin("ADMIN@clinic.test", "Ada", "ignored passphrase words")
            .await
            .unwrap()
            .id,
        f.admin.user_id
    );
    assert!(f
        .svc
        .bootstrap_admin("pat.doe@mail.test", "X", "some other passphrase ok")
        .await
        .is_err());
}

/// Charts are updated with optimistic concurrency and archived, never destroyed.
pub async fn charts_are_archived_not_destroyed(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let p = f.patient("Pat Doe").await;
    let chart = f.svc.get_patient(&p.actor, p.chart).await.unwrap();
    let details = PatientDetails {
        name: "Pat A. Doe".into(),
        date_of_birth: chart.date_of_birth,
        sex: Some(chart.sex),
        contact: chart.contact.clone(),
    };
    let updated = f
        .svc
        .update_patient(&p.actor, p.chart, details.clone(), Some(chart.version))
        .await
        .unwrap();
    assert_eq!(
        (updated.name.as_str(), updated.version),
        ("Pat A. Doe", chart.version + 1)
    );
    assert_eq!(updated.mrn, chart.mrn, "the MRN never changes");
    let stale = f
        .svc
        .update_patient(&p.actor, p.chart, details.clone(), Some(chart.version))
        .await
        .unwrap_err();
    assert!(
        matches!(stale, Error::PreconditionFailed { .. }),
        "{stale:?}"
    );
    let future = PatientDetails {
        date_of_birth: chrono::NaiveDate::from_ymd_opt(2099, 1, 1),
        ..details
    };
    assert_eq!(
        f.svc
            .update_patient(&p.actor, p.chart, future, None)
            .await
            .unwrap_err()
            .field_errors()[0]
            .field,
        "date_of_birth"
    );
    assert!(matches!(
        f.svc.archive_patient(&p.actor, p.chart).await,
        Err(Error::Forbidden(_))
    ));
    let archived = f.svc.archive_patient(&f.admin, p.chart).await.unwrap();
    assert!(archived.archived_at.is_some());
    assert!(f
        .svc
        .list_patients(&f.admin, None, Page::default())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        f.svc.get_patient(&f.admin, p.chart).await.unwrap().name,
        "Pat A. Doe",
        "still there"
    );
    assert!(f
        .svc
        .get_patient(&f.admin, crate::ids::PatientId(uuid::Uuid::nil()))
        .await
        .is_err());
}
