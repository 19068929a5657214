//! Races through separate clients (separate connection pools, as separate server processes
//! would have): the server, not a client-side lock, keeps the calendar consistent.

use std::sync::Arc;

use crate::support::{appt, at, event, pid, uid};
use chrono::Duration;
use medsync_core::audit::verify;
use medsync_core::store::{AuditStore, BookOutcome, ScheduleStore};
use medsync_core::Error;
use medsync_storage_mongo::{testing, MongoStore};

const CLIENTS: usize = 8;
const TASKS: u128 = 64;

/// `CLIENTS` stores on one fresh database, each through its own client.
async fn stores() -> Option<Vec<MongoStore>> {
    let db = testing::fresh_db_name();
    let mut out = Vec::new();
    for _ in 0..CLIENTS {
        let client = testing::new_client().await?;
        out.push(MongoStore::from_client(client, &db).await.unwrap());
    }
    Some(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_overlapping_bookings_through_eight_clients_exactly_one_wins() {
    let Some(stores) = stores().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let barrier = Arc::new(tokio::sync::Barrier::new(TASKS as usize));
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let store = stores[i as usize % CLIENTS].clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                // Starts within 9:00..9:31, 60 minutes long: every pair overlaps. Every
                // task books its own patient, so only the doctor lock is shared by all.
                let start = at(9, 0) + Duration::minutes((i % 32) as i64);
                let a = appt(i + 1, uid(1), pid(i), start, 60);
                barrier.wait().await;
                store.book(&a, at(8, 0), &event("appointment.book")).await
            })
        })
        .collect();
    let (mut created, mut blockers) = (Vec::new(), Vec::new());
    for t in tasks {
        match t.await.unwrap() {
            Ok(BookOutcome::Created(a)) => created.push(a.id),
            Err(Error::Conflict { blocking, .. }) => blockers.push(blocking),
            other => panic!("unexpected outcome: {other:?}"),
        }
    }
    assert_eq!(created.len(), 1, "exactly one booking wins");
    assert_eq!(blockers.len(), TASKS as usize - 1);
    let winner = created[0].to_string();
    assert!(
        blockers
            .iter()
            .all(|b| b.as_deref() == Some(winner.as_str())),
        "every loser is told which appointment blocks it: {blockers:?}"
    );
    let busy = stores[0]
        .doctor_busy(uid(1), at(0, 0), at(23, 0), at(8, 0))
        .await
        .unwrap();
    assert_eq!(busy.len(), 1);
    // Exactly one audit entry, and every chain still verifies.
    let mut entries = 0;
    for chain in stores[0].audit_chains().await.unwrap() {
        let c = stores[1].audit_chain(chain, 0, 1000).await.unwrap();
        assert!(verify(&c).ok);
        entries += c.len();
    }
    assert_eq!(entries, 1);
    stores[0].database().drop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_through_many_clients_keep_every_chain_gap_free() {
    let Some(stores) = stores().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let tasks: Vec<_> = (0..TASKS)
        .map(|i| {
            let store = stores[i as usize % CLIENTS].clone();
            tokio::spawn(async move {
                for _ in 0..4 {
                    store.append_audit(&event("chart.read")).await?;
                }
                Ok::<_, Error>(())
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let mut entries = 0;
    for chain in stores[0].audit_chains().await.unwrap() {
        let c = stores[0].audit_chain(chain, 0, 10_000).await.unwrap();
        let report = verify(&c);
        assert!(report.ok, "{report:?}");
        entries += c.len();
    }
    assert_eq!(entries as u128, TASKS * 4);
    stores[0].database().drop().await.unwrap();
}
