//! The audit trail is tamper-evident: editing, deleting or re-dating an entry directly in
//! the collection is reported by `MedSync::verify_audit_chain`.

use std::sync::Arc;

use crate::support::{event, user};
use bson::{doc, Document};
use medsync_core::audit::ChainReport;
use medsync_core::identity::Role;
use medsync_core::store::{AuditFilter, AuditStore, Page, Store, UserStore};
use medsync_core::MedSync;
use medsync_storage_mongo::{testing, MongoStore};
use mongodb::Collection;

fn service(store: &MongoStore) -> MedSync {
    let store: Arc<dyn Store> = Arc::new(store.clone());
    MedSync::builder(store, b"audit-test-secret-0123456789abcdef0123".to_vec())
        .build()
        .unwrap()
}

/// A store with 40 entries (20 writes, 20 reads), appended one after the other.
async fn populated() -> Option<MongoStore> {
    let s = testing::fresh_mongo_store().await?;
    for n in 0..20u128 {
        let u = user(n, &format!("u{n}@example.org"), Role::Nurse);
        s.create_user(&u, None, &event("user.create"))
            .await
            .unwrap();
        s.append_audit(&event("user.read")).await.unwrap();
    }
    Some(s)
}

/// The single chain's report after `tamper` ran on the audit collection.
async fn verify_after<F, Fut>(tamper: F) -> Option<ChainReport>
where
    F: FnOnce(Collection<Document>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let s = populated().await?;
    let svc = service(&s);
    let clean = svc.verify_audit_chain().await.unwrap();
    assert!(clean.ok, "{clean:?}");
    assert_eq!(clean.entries_checked, 40);
    assert_eq!(clean.chains.len(), 1, "a quiet store keeps one dense chain");
    tamper(s.database().collection("audit_log")).await;
    let report = svc.verify_audit_chain().await.unwrap();
    assert!(!report.ok, "{report:?}");
    Some(report.chains.into_iter().next().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edited_entry_is_reported() {
    let report = verify_after(|log| async move {
        let r = log
            .update_one(
                doc! {"chain": 0_i64, "seq": 2_i64},
                doc! {"$set": {"action": "user.forged"}},
            )
            .await
            .unwrap();
        assert_eq!(r.modified_count, 1);
    })
    .await;
    let Some(bad) = report else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    assert_eq!(bad.first_bad_seq, Some(2));
    assert!(bad.problem.unwrap().contains("modified"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_entry_is_reported() {
    let report = verify_after(|log| async move {
        let r = log
            .delete_one(doc! {"chain": 0_i64, "seq": 5_i64})
            .await
            .unwrap();
        assert_eq!(r.deleted_count, 1);
    })
    .await;
    let Some(bad) = report else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    assert_eq!(bad.first_bad_seq, Some(6), "the entry after the gap");
    assert!(bad.problem.unwrap().contains("deleted"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redated_entry_is_reported() {
    let report = verify_after(|log| async move {
        let later = bson::DateTime::from_millis(4_000_000_000_000);
        log.update_one(
            doc! {"chain": 0_i64, "seq": 7_i64},
            doc! {"$set": {"at": later}},
        )
        .await
        .unwrap();
    })
    .await;
    let Some(bad) = report else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    assert_eq!(bad.first_bad_seq, Some(7));
    assert!(bad.problem.unwrap().contains("modified"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_filter_on_exactly_what_is_hashed() {
    let Some(s) = populated().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let reads = AuditFilter {
        action_prefix: Some("user.r".into()),
        ..Default::default()
    };
    let found = s.query_audit(&reads, Page::first(100)).await.unwrap();
    assert_eq!(found.len(), 20);
    assert!(found.iter().all(|e| e.event.action == "user.read"));
    let literal = AuditFilter {
        action_prefix: Some("user.".replace('.', "?")),
        ..Default::default()
    };
    assert!(s
        .query_audit(&literal, Page::first(100))
        .await
        .unwrap()
        .is_empty());
    // Editing the stored action moves the entry between queries *and* breaks the chain.
    s.database()
        .collection::<Document>("audit_log")
        .update_one(
            doc! {"chain": 0_i64, "seq": 2_i64},
            doc! {"$set": {"action": "user.create"}},
        )
        .await
        .unwrap();
    assert_eq!(
        s.query_audit(&reads, Page::first(100)).await.unwrap().len(),
        19
    );
    assert!(!service(&s).verify_audit_chain().await.unwrap().ok);
}
