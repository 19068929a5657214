//! Notifications reach subscribers in other processes: an insert through one client is
//! received by a change-stream subscription opened through another.

use std::time::Duration;

use crate::support::{at, notification, uid};
use futures::StreamExt;
use medsync_core::notify::{Notification, Notifier};
use medsync_core::store::NotificationStore;
use medsync_storage_mongo::{testing, MongoStore, NotificationStream};

/// Fails the test instead of hanging if nothing arrives.
const WITHIN: Duration = Duration::from_secs(20);

/// The next notification of `s`.
async fn next(s: &mut NotificationStream) -> Notification {
    tokio::time::timeout(WITHIN, s.next())
        .await
        .expect("delivered in time")
        .expect("stream open")
        .expect("decoded")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insert_through_one_client_reaches_a_subscriber_on_another() {
    let Some(first) = testing::new_client().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let second = testing::new_client().await.unwrap();
    let db = testing::fresh_db_name();
    let writer = MongoStore::from_client(first, &db).await.unwrap();
    let reader = MongoStore::from_client(second, &db).await.unwrap();

    let notifier = reader.notifier();
    let mut everything = notifier.subscribe().await.unwrap();
    let mut only_user_2 = notifier.subscribe_user(uid(2)).await.unwrap();

    let for_1 = notification(1, uid(1), at(9, 0));
    let for_2 = notification(2, uid(2), at(9, 1));
    for n in [&for_1, &for_2] {
        writer.insert_notification(n).await.unwrap();
        // Delivery is the stored insert itself; `deliver` adds nothing.
        writer.notifier().deliver(n).await.unwrap();
    }

    assert_eq!(next(&mut everything).await, for_1);
    assert_eq!(next(&mut everything).await, for_2);
    assert_eq!(next(&mut only_user_2).await, for_2);
    // The stored copy round-trips exactly, `$`-keys in the data included.
    let stored = reader
        .notifications(uid(1), false, Default::default())
        .await
        .unwrap();
    assert_eq!(stored, vec![for_1]);
    writer.database().drop().await.unwrap();
}
