//! Notifications across processes: a notification delivered through one pool (one server
//! process) is received by a listener on another pool (another process).

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use futures::StreamExt;
use medsync_core::ids::NotificationId;
use medsync_core::notify::{Notification, NotificationKind, Notifier};
use medsync_core::store::NotificationStore;
use medsync_core::MedSync;
use medsync_storage_postgres::{PgNotifier, PostgresStore};
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;

/// A second, independent pool on the same database: what another server process would have.
async fn other_process(store: &PostgresStore) -> PostgresStore {
    let opts = (*store.pool().connect_options()).clone();
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(opts)
        .await
        .unwrap();
    PostgresStore::from_pool(pool)
}

/// Waits for the next notification, failing the test (rather than hanging) after a minute.
async fn next(sub: &mut medsync_storage_postgres::Subscription) -> Notification {
    tokio::time::timeout(Duration::from_secs(60), sub.recv())
        .await
        .expect("a notification arrives")
        .expect("the listener is running")
}

const SECRET: &[u8] = b"notifier-test-secret-0123456789abcdef";
const PASSWORD: &str = "plum kettle orbit lantern";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_notification_delivered_by_one_process_reaches_another() {
    let a = store_or_skip!(4);
    let b = other_process(&a).await;
    let mut sub = PgNotifier::new(b.pool().clone()).subscribe().await.unwrap();

    // Process A runs the service with the PostgreSQL notifier.
    let svc = MedSync::builder(Arc::new(a.clone()), SECRET.to_vec())
        .hasher(Arc::new(
            medsync_core::auth::Argon2Hasher::with_params(1024, 1, 1).unwrap(),
        ))
        .notifier(Arc::new(PgNotifier::new(a.pool().clone())))
        .build()
        .unwrap();
    let admin = svc
        .bootstrap_admin("admin@clinic.test", "Ada Admin", PASSWORD)
        .await
        .unwrap();
    let admin = medsync_core::policy::Actor {
        user_id: admin.id,
        role: admin.role,
        patient_id: None,
    };
    let doctor = svc
        .register(medsync_core::service::Registration {
            name: "Dr Grey".into(),
            email: "grey@clinic.test".into(),
            password: PASSWORD.into(),
            role: Some(medsync_core::identity::Role::Doctor),
            ..Default::default()
        })
        .await
        .unwrap();
    svc.approve_user(&admin, doctor.id).await.unwrap();

    // Process B hears it, exactly as A stored it.
    let got = next(&mut sub).await;
    assert_eq!(got.user_id, doctor.id);
    assert_eq!(got.kind, NotificationKind::AccountChanged);
    let stored = b
        .notifications(doctor.id, false, medsync_core::store::Page::default())
        .await
        .unwrap();
    assert_eq!(stored, vec![got]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_notification_too_large_for_notify_travels_by_id() {
    let a = store_or_skip!(4);
    let b = other_process(&a).await;
    let mut sub = PgNotifier::new(b.pool().clone()).subscribe().await.unwrap();
    // Also usable as a Stream.
    let mut stream = PgNotifier::new(b.pool().clone()).subscribe().await.unwrap();

    let svc = MedSync::builder(Arc::new(a.clone()), SECRET.to_vec())
        .build()
        .unwrap();
    let admin = svc
        .bootstrap_admin("admin@clinic.test", "Ada Admin", PASSWORD)
        .await
        .unwrap();
    let n = Notification {
        id: NotificationId(Uuid::now_v7()),
        user_id: admin.id,
        kind: NotificationKind::RecordChanged,
        message: "x".repeat(20_000),
        data: serde_json::json!({ "big": "y".repeat(10_000) }),
        created_at: Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
        read_at: None,
    };
    a.insert_notification(&n).await.unwrap();
    PgNotifier::new(a.pool().clone()).deliver(&n).await.unwrap();
    assert_eq!(next(&mut sub).await, n);
    let streamed = tokio::time::timeout(Duration::from_secs(60), stream.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(streamed, n);
}
