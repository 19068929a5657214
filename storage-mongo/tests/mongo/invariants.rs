//! Server-enforced invariants surface as the domain's errors, never as driver errors.

use crate::support::{appt, at, chart, event, pid, uid, user, write_error_code};
use medsync_core::identity::Role;
use medsync_core::store::{
    AuditStore, BookOutcome, PatientStore, ScheduleStore, TokenStore, UserStore,
};
use medsync_core::Error;
use medsync_storage_mongo::testing;

fn conflict_message<T: std::fmt::Debug>(r: medsync_core::Result<T>) -> String {
    match r {
        Err(Error::Conflict { message, .. }) => message,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unique_indexes_are_named_conflicts_and_nothing_is_half_written() {
    let Some(s) = testing::fresh_mongo_store().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let a = user(1, "ann@example.org", Role::Doctor);
    s.create_user(&a, None, &event("user.create"))
        .await
        .unwrap();
    let same_email = user(2, "ann@example.org", Role::Nurse);
    let msg = conflict_message(
        s.create_user(&same_email, None, &event("user.create"))
            .await,
    );
    assert_eq!(msg, "email already registered");
    let msg = conflict_message(s.create_user(&a, None, &event("user.create")).await);
    assert_eq!(msg, "user id already exists");

    s.create_patient(&chart(1, "Ann", "MRN-1"), &event("chart.create"))
        .await
        .unwrap();
    let mut bob = user(3, "bob@example.org", Role::Patient);
    bob.patient_id = Some(pid(2));
    let taken_mrn = chart(2, "Bob", "MRN-1");
    let msg = conflict_message(
        s.create_user(&bob, Some(&taken_mrn), &event("user.create"))
            .await,
    );
    assert_eq!(msg, "medical record number already in use");
    assert!(s.user(bob.id).await.unwrap().is_none(), "all or nothing");
    assert!(s.patient(pid(2)).await.unwrap().is_none());

    // Refused writes append no audit entry: two successful writes, two entries.
    let mut entries = 0;
    for c in s.audit_chains().await.unwrap() {
        entries += s.audit_chain(c, 0, 100).await.unwrap().len();
    }
    assert_eq!(entries, 2);

    let t = medsync_core::auth::ResetToken {
        token_hash: "h".into(),
        user_id: a.id,
        issued_at: at(8, 0),
        expires_at: at(9, 0),
        used_at: None,
    };
    s.insert_reset_token(&t).await.unwrap();
    let msg = conflict_message(s.insert_reset_token(&t).await);
    assert_eq!(msg, "reset token already exists");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_and_set_names_the_current_version() {
    let Some(s) = testing::fresh_mongo_store().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let mut a = user(1, "ann@example.org", Role::Doctor);
    s.create_user(&a, None, &event("user.create"))
        .await
        .unwrap();
    a.name = "Ann B".into();
    a.version = 2;
    s.update_user(&a, 1, &event("user.update")).await.unwrap();
    let stale = s.update_user(&a, 1, &event("user.update")).await;
    assert!(
        matches!(
            stale,
            Err(Error::PreconditionFailed {
                entity: "user",
                expected: 1,
                current: 2
            })
        ),
        "{stale:?}"
    );
    let ghost = user(9, "ghost@example.org", Role::Admin);
    assert!(matches!(
        s.update_user(&ghost, 1, &event("user.update")).await,
        Err(Error::NotFound { entity: "user", .. })
    ));
    let stored = s.user(a.id).await.unwrap().unwrap();
    assert_eq!((stored.name.as_str(), stored.version), ("Ann B", 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_index_is_partial_and_per_booker() {
    let Some(s) = testing::fresh_mongo_store().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    // Many bookings without a key by one booker: the partial index ignores them.
    for n in 0..3u128 {
        let a = appt(n, uid(n), pid(n), at(9, 0), 30);
        let r = s
            .book(&a, at(8, 0), &event("appointment.book"))
            .await
            .unwrap();
        assert!(matches!(r, BookOutcome::Created(_)));
    }
    let mut keyed = appt(10, uid(10), pid(10), at(9, 0), 30);
    keyed.idempotency_key = Some("k".into());
    s.book(&keyed, at(8, 0), &event("appointment.book"))
        .await
        .unwrap();
    let mut replay = appt(11, uid(11), pid(11), at(11, 0), 30);
    replay.idempotency_key = Some("k".into());
    let r = s
        .book(&replay, at(8, 0), &event("appointment.book"))
        .await
        .unwrap();
    assert_eq!(r, BookOutcome::Existing(keyed.clone()));
    // Another booker's key space is separate.
    replay.booked_by = uid(500);
    let r = s
        .book(&replay, at(8, 0), &event("appointment.book"))
        .await
        .unwrap();
    assert!(matches!(r, BookOutcome::Created(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_appointments_validator_refuses_bad_spans_from_any_writer() {
    use bson::{doc, Bson, DateTime as BsonDate, Document};
    let Some(s) = testing::fresh_mongo_store().await else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let a = appt(1, uid(1), pid(1), at(9, 0), 30);
    s.book(&a, at(8, 0), &event("appointment.book"))
        .await
        .unwrap();
    let coll = s.database().collection::<Document>("appointments");
    let stored = coll.find_one(doc! {}).await.unwrap().unwrap();
    let start = stored.get_datetime("start").unwrap().timestamp_millis();
    let date = |minutes: i64| Bson::DateTime(BsonDate::from_millis(start + minutes * 60_000));
    // A copy of the stored document (a new id) lasting `len` minutes with `buffer`.
    let copy = |len: i64, buffer: i64| {
        let mut d = stored.clone();
        d.remove("_id");
        d.insert("end", date(len));
        d.insert("buffer_minutes", buffer);
        d.insert("block_end", date(len + buffer));
        d
    };
    const CODE: Option<i32> = Some(121);
    for (what, d, refused) in [
        ("a copy", copy(30, 10), false),
        (
            "the longest appointment and buffer",
            copy(24 * 60, 240),
            false,
        ),
        ("25 hours", copy(25 * 60, 10), true),
        ("a 241-minute buffer", copy(30, 241), true),
        ("a negative buffer", copy(30, -1), true),
        ("ends as it starts", copy(0, 10), true),
        ("ends before it starts", copy(-30, 10), true),
        (
            "block_end off by a minute",
            {
                let mut d = copy(30, 10);
                d.insert("block_end", date(41));
                d
            },
            true,
        ),
        (
            "start as text",
            {
                let mut d = copy(30, 10);
                d.insert("start", "2026-03-02T09:00:00Z");
                d
            },
            true,
        ),
        (
            "no buffer",
            {
                let mut d = copy(30, 10);
                d.remove("buffer_minutes");
                d
            },
            true,
        ),
    ] {
        let code = write_error_code(coll.insert_one(d).await);
        assert_eq!(code, if refused { CODE } else { None }, "{what}");
    }
    // Updates are checked too: stretching the stored appointment past 24 hours.
    let stretch = doc! {"$set": {"end": date(25 * 60), "block_end": date(25 * 60 + 10)}};
    let code = write_error_code(
        coll.update_one(doc! {"_id": stored.get("_id").unwrap()}, stretch)
            .await,
    );
    assert_eq!(code, CODE);
    assert_eq!(s.appointment(a.id).await.unwrap(), Some(a));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validators_are_set_once_not_on_every_start() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use mongodb::event::command::CommandEvent;
    use mongodb::event::EventHandler;
    use mongodb::options::ClientOptions;

    let Some(url) = testing::mongodb_url() else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    // Initiates the replica set if needed and waits for a writable primary.
    testing::shared_client().await.unwrap();
    let coll_mods = Arc::new(AtomicUsize::new(0));
    let mut options = ClientOptions::parse(&url).await.unwrap();
    let seen = coll_mods.clone();
    options.command_event_handler = Some(EventHandler::callback(move |e: CommandEvent| {
        if matches!(&e, CommandEvent::Started(s) if s.command_name == "collMod") {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    }));
    let client = mongodb::Client::with_options(options).unwrap();
    let store = medsync_storage_mongo::MongoStore::from_client(client, &testing::fresh_db_name())
        .await
        .unwrap();
    let first = coll_mods.load(Ordering::SeqCst);
    assert!(
        first >= 2,
        "a new database gets its validators ({first} collMod)"
    );
    // A second start (or a second process) finds them in force and changes nothing.
    store.init().await.unwrap();
    assert_eq!(coll_mods.load(Ordering::SeqCst), first);
    // A validator changed behind the store's back is put back on the next start.
    store
        .database()
        .run_command(bson::doc! {"collMod": "appointments", "validator": {}})
        .await
        .unwrap();
    store.init().await.unwrap();
    assert_eq!(coll_mods.load(Ordering::SeqCst), first + 2);
    store.database().drop().await.unwrap();
}
