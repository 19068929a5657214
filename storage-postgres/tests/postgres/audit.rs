//! The audit log in PostgreSQL: append-only by trigger, written in the same transaction as
//! the change it records, and tamper-evident — rows altered, deleted or reordered behind the
//! application's back (with the trigger disabled, as a DBA could) are reported by
//! `MedSync::verify_audit_chain()`.

use std::sync::Arc;

use medsync_core::audit::ChainReport;
use medsync_core::store::{AuditStore, Store, UserStore};
use medsync_core::testkit::Fixture;
use medsync_storage_postgres::{PostgresStore, AUDIT_CHAINS};

use crate::common::event;

/// A store with a day's activity: two patients' confirmed appointments, reads, a denial.
async fn busy_store() -> Option<(PostgresStore, Fixture)> {
    let store = medsync_storage_postgres::testing::fresh_postgres_store().await?;
    let f = Fixture::new(Arc::new(store.clone()) as Arc<dyn Store>).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let q = f.patient("Quinn Roe").await;
    let a = f.confirmed(&d, &p, f.at(0, 10, 0)).await;
    f.confirmed(&d, &q, f.at(0, 11, 0)).await;
    f.svc.get_appointment(&p.actor, a.id).await.unwrap();
    assert!(f.svc.get_patient(&q.actor, p.chart).await.is_err());
    let report = f.svc.verify_audit_chain().await.unwrap();
    assert!(report.ok, "{report:?}");
    Some((store, f))
}

/// The (chain, seq) of the `n`th entry (by seq) of the longest chain.
async fn entry_of_longest_chain(store: &PostgresStore, n: i64) -> (i32, i64) {
    sqlx::query_as(
        "SELECT chain, seq FROM audit_log \
         WHERE chain = (SELECT chain FROM audit_heads ORDER BY seq DESC, chain LIMIT 1) \
         ORDER BY seq OFFSET $1 LIMIT 1",
    )
    .bind(n)
    .fetch_one(store.pool())
    .await
    .unwrap()
}

async fn bad_chain(f: &Fixture, chain: i32) -> ChainReport {
    let report = f.svc.verify_audit_chain().await.unwrap();
    assert!(!report.ok, "tampering must be detected: {report:?}");
    let bad: Vec<_> = report.chains.iter().filter(|c| !c.ok).collect();
    assert_eq!(bad.len(), 1, "only the tampered chain fails: {report:?}");
    assert_eq!(bad[0].chain, chain as u32);
    bad[0].clone()
}

async fn disable_trigger(store: &PostgresStore) {
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        .execute(store.pool())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_log_is_append_only() {
    let Some((store, _f)) = busy_store().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    for sql in [
        "UPDATE audit_log SET event = jsonb_set(event, '{detail}', '\"x\"')",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let err = sqlx::query(sql).execute(store.pool()).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_modified_entry_is_reported() {
    let Some((store, f)) = busy_store().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let (chain, seq) = entry_of_longest_chain(&store, 1).await;
    disable_trigger(&store).await;
    sqlx::query(
        "UPDATE audit_log SET event = jsonb_set(event, '{outcome}', '\"denied\"') \
         WHERE chain = $1 AND seq = $2",
    )
    .bind(chain)
    .bind(seq)
    .execute(store.pool())
    .await
    .unwrap();
    let bad = bad_chain(&f, chain).await;
    assert_eq!(bad.first_bad_seq, Some(seq as u64));
    assert!(bad.problem.unwrap().contains("modified"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_deleted_entry_is_reported() {
    let Some((store, f)) = busy_store().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let (chain, seq) = entry_of_longest_chain(&store, 1).await;
    disable_trigger(&store).await;
    sqlx::query("DELETE FROM audit_log WHERE chain = $1 AND seq = $2")
        .bind(chain)
        .bind(seq)
        .execute(store.pool())
        .await
        .unwrap();
    let bad = bad_chain(&f, chain).await;
    assert_eq!(bad.first_bad_seq, Some(seq as u64 + 1));
    assert!(bad.problem.unwrap().contains("deleted or reordered"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reordered_entries_are_reported() {
    let Some((store, f)) = busy_store().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let (chain, seq) = entry_of_longest_chain(&store, 1).await;
    disable_trigger(&store).await;
    // Swap the events of two neighbours, keeping their hashes and positions.
    sqlx::query(
        "UPDATE audit_log a SET event = b.event, at = b.at FROM audit_log b \
         WHERE a.chain = $1 AND b.chain = $1 \
           AND ((a.seq = $2 AND b.seq = $2 + 1) OR (a.seq = $2 + 1 AND b.seq = $2))",
    )
    .bind(chain)
    .bind(seq)
    .execute(store.pool())
    .await
    .unwrap();
    let bad = bad_chain(&f, chain).await;
    assert_eq!(bad.first_bad_seq, Some(seq as u64));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_write_leaves_no_entry_and_chains_stay_gap_free() {
    let Some(store) = medsync_storage_postgres::testing::fresh_postgres_store().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let f = Fixture::new(Arc::new(store.clone()) as Arc<dyn Store>).await;
    let admin = store.user(f.admin.user_id).await.unwrap().unwrap();
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let mut dup = admin.clone();
    dup.id = medsync_core::ids::UserId(uuid::Uuid::now_v7());
    let r = store
        .create_user(&dup, None, &event("user.create", admin.created_at))
        .await;
    assert!(
        matches!(r, Err(medsync_core::Error::Conflict { .. })),
        "{r:?}"
    );
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(
        before, after,
        "the failed write's audit entry rolled back with it"
    );
    // Appends about charts spread over the chains, each gap-free from 1.
    for i in 0..64 {
        let mut e = event(&format!("test.{i}"), admin.created_at);
        e.patient_id = Some(medsync_core::ids::PatientId(uuid::Uuid::now_v7()));
        store.append_audit(&e).await.unwrap();
    }
    let chains = store.audit_chains().await.unwrap();
    assert!(chains.len() > 1, "{chains:?}");
    assert!(chains.iter().all(|c| *c < AUDIT_CHAINS));
    for c in chains {
        let entries = store.audit_chain(c, 0, 10_000).await.unwrap();
        assert!(entries
            .iter()
            .enumerate()
            .all(|(i, e)| e.seq == i as u64 + 1));
    }
    assert!(f.svc.verify_audit_chain().await.unwrap().ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_round_trip_exactly_even_with_nanoseconds() {
    let Some(store) = medsync_storage_postgres::testing::fresh_postgres_store().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    use chrono::TimeZone;
    let at = chrono::Utc
        .timestamp_opt(1_772_438_400, 123_456_789)
        .single()
        .unwrap();
    let mut e = event("test.precise", at);
    e.detail = Some("quotes \" and unicode é ✓".into());
    let entry = store.append_audit(&e).await.unwrap();
    let stored = store.audit_chain(entry.chain, 0, 10).await.unwrap();
    assert_eq!(stored, vec![entry]);
    assert_eq!(stored[0].event, e);
    assert!(medsync_core::audit::verify(&stored).ok);
}

/// The hex checks of migration 0012 (a cheaper form of `^[0-9a-f]{64}$`) accept exactly 64
/// lower-case hex digits, on every column they guard.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hash_columns_accept_only_64_lower_case_hex_digits() {
    let Some((store, _f)) = busy_store().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let good = "0123456789abcdef".repeat(4);
    let bad = [
        "0123456789ABCDEF".repeat(4),
        good[1..].to_owned(),
        format!("{good}0"),
        format!("{}g", &good[1..]),
        format!("{} ", &good[1..]),
        format!("{}\n", &good[1..]),
        String::new(),
    ];
    let writes = [
        (
            "UPDATE audit_heads SET hash = $1 WHERE chain = 0",
            "audit_heads_hash_check",
        ),
        (
            "UPDATE audit_heads SET prev_hash = $1 WHERE chain = 0",
            "audit_heads_hash_check",
        ),
        (
            "INSERT INTO audit_log (chain, seq, event, at, prev_hash, hash) \
             SELECT chain, seq + 1000, event, at, prev_hash, $1 FROM audit_log LIMIT 1",
            "audit_log_hash_check",
        ),
        (
            "INSERT INTO audit_log (chain, seq, event, at, prev_hash, hash) \
             SELECT chain, seq + 1000, event, at, $1, hash FROM audit_log LIMIT 1",
            "audit_log_hash_check",
        ),
        (
            "INSERT INTO files (id, patient_id, filename, kind, size, sha256, uploaded_by, \
                                uploaded_at) \
             SELECT gen_random_uuid(), id, 'a.pdf', 'pdf', 1, $1, gen_random_uuid(), now() \
             FROM patients LIMIT 1",
            "files_sha256_check",
        ),
    ];
    for (sql, constraint) in writes {
        let mut tx = store.pool().begin().await.unwrap();
        let done = sqlx::query(sql).bind(&good).execute(&mut *tx).await;
        assert_eq!(done.unwrap().rows_affected(), 1, "{sql}");
        tx.rollback().await.unwrap();
        for value in &bad {
            let err = sqlx::query(sql)
                .bind(value)
                .execute(store.pool())
                .await
                .unwrap_err();
            let db = err.as_database_error().expect("a database error");
            assert_eq!(
                db.constraint(),
                Some(constraint),
                "{sql} with {value:?}: {db}"
            );
        }
    }
}
