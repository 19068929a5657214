//! How close does a MedSync booking come to what the server can do at all? Booking
//! throughput on PostgreSQL next to the raw limit, measured in one run, on one server, at the
//! same concurrency and over the same pool settings:
//!
//! - **raw**: `BEGIN; INSERT` one row into `raw_appointments` (the columns of `appointments`
//!   and only a primary key) `; COMMIT` — the cheapest durable write of an equivalent row;
//! - **store**: [`ScheduleStore::book`]'s transaction with its audit append
//!   (`testing::book_with_audit`): calendar locks, hold expiry, the insert under the
//!   exclusion constraints, the hash-chained audit entry;
//! - **medsync**: [`MedSync::book`] over the store with [`PgNotifier`] — policy
//!   (relationships), doctor, chart and availability reads, the booking transaction, the
//!   stored notification and its `NOTIFY`, received by a `LISTEN` subscription as in
//!   medsync-server. The actor is built directly (no JWT check).
//!
//! ```sh
//! DATABASE_URL=postgres://… cargo run --release -p medsync-storage-postgres \
//!     --features testing --example postgres_throughput [bookings per run] [rounds] [clients,…]
//! ```
//!
//! Defaults: 2000 bookings per run, 3 rounds, 1,8,32,64 clients. Every run gets a fresh
//! database and a pool of one connection per client plus one (which the `LISTEN`
//! subscription holds in medsync runs), warmed up (one write per client) before the clock
//! starts. Each client books back-to-back slots of its own doctor for its
//! own patient, so runs measure the write path, not contention on one calendar. The table
//! shows the median of the interleaved rounds (the order of the modes rotates per round, so
//! background load drifts evenly over them). When the server runs on this machine, a second
//! table splits each mode's CPU time per booking between this process and the server (its
//! postmaster and backends): on shared cores, that says whose work is the limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::future::try_join_all;
use futures::FutureExt;
use medsync_core::ids::NotificationId;
use medsync_core::notify::{Notification, NotificationKind, Notifier};
use medsync_core::scheduling::Appointment;
use medsync_core::store::{NotificationStore, ScheduleStore};
use medsync_core::testkit::cpu::{self, CpuClock, CpuLog};
use medsync_core::testkit::throughput::{
    self, booking_event, now, Args, BoxError, Client, Mode, MODES,
};
use medsync_core::MedSync;
use medsync_storage_postgres::testing::{book_with_audit, fresh_postgres_store_with};
use medsync_storage_postgres::{PgNotifier, PostgresStore};
use uuid::Uuid;

/// The raw table: the columns of `appointments` (types and `NOT NULL`), a primary key, no
/// other constraint, index or trigger.
async fn create_raw_table(store: &PostgresStore) -> Result<(), sqlx::Error> {
    sqlx::query(
        "CREATE TABLE raw_appointments (LIKE appointments, \
                                        CONSTRAINT raw_appointments_pkey PRIMARY KEY (id))",
    )
    .execute(store.pool())
    .await?;
    Ok(())
}

/// `BEGIN; INSERT …; COMMIT` of one row equivalent to `a`.
async fn raw_insert(store: &PostgresStore, a: &Appointment) -> Result<(), sqlx::Error> {
    let mut tx = store.pool().begin().await?;
    sqlx::query(
        "INSERT INTO raw_appointments (id, doctor_id, patient_id, start_at, end_at, \
             buffer_minutes, appointment_type, status, hold_expires_at, reason, cancelled_by, \
             cancelled_by_role, cancellation_reason, cancelled_at, idempotency_key, booked_by, \
             version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                 $18, $19)",
    )
    .bind(a.id.0)
    .bind(a.doctor_id.0)
    .bind(a.patient_id.0)
    .bind(a.start)
    .bind(a.end)
    .bind(i32::try_from(a.buffer_minutes).unwrap_or(i32::MAX))
    .bind(&a.appointment_type)
    .bind("pending")
    .bind(a.hold_expires_at)
    .bind(&a.reason)
    .bind(None::<Uuid>)
    .bind(None::<String>)
    .bind(None::<String>)
    .bind(None::<DateTime<Utc>>)
    .bind(&a.idempotency_key)
    .bind(a.booked_by.0)
    .bind(1_i64)
    .bind(a.created_at)
    .bind(a.updated_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The service over `store` with the PostgreSQL notifier, and per client an approved doctor
/// with availability and a patient with a chart, all created through the service.
async fn world(store: &PostgresStore, clients: usize) -> Result<(MedSync, Vec<Client>), BoxError> {
    let svc = throughput::service_builder(Arc::new(store.clone()))?
        .notifier(Arc::new(PgNotifier::new(store.pool().clone())))
        .build()?;
    let people = throughput::world(&svc, clients).await?;
    Ok((svc, people))
}

/// What a run writes through.
#[derive(Clone)]
struct Target {
    store: PostgresStore,
    svc: Option<MedSync>,
}

/// One booking (or raw insert) of slot `k` by `client`.
async fn one(mode: Mode, t: &Target, client: &Client, k: u64) -> Result<(), BoxError> {
    match mode {
        Mode::Raw => raw_insert(&t.store, &client.hold(k)).await?,
        Mode::Store => {
            let a = client.hold(k);
            book_with_audit(&t.store, &a, now(), &booking_event(&a)).await?;
        }
        Mode::Service => {
            let svc = t.svc.as_ref().ok_or("no service")?;
            svc.book(&client.patient, client.request(k)).await?;
        }
    }
    Ok(())
}

/// The postmaster's pid, if the server runs on this machine (the parent of this session's
/// backend, checked by name: a server in another pid namespace gives `None`).
async fn local_postmaster(store: &PostgresStore) -> Result<Option<u32>, BoxError> {
    let backend: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(store.pool())
        .await?;
    Ok(u32::try_from(backend)
        .ok()
        .and_then(|pid| cpu::parent_if_named(pid, "postgres"))
        .filter(|&parent| cpu::is_named(parent, "postgres")))
}

/// `per_client` bookings from each of `clients` concurrent tasks on a fresh database;
/// bookings per second. The run's CPU per booking, here and in a local server, goes to `log`.
async fn run(mode: Mode, clients: usize, per_client: u64, log: CpuLog) -> Result<f64, BoxError> {
    // One connection per client, plus the one the LISTEN subscription holds (medsync runs);
    // the same pool settings for every mode.
    let pool_size = u32::try_from(clients + 1).unwrap_or(u32::MAX);
    let store = fresh_postgres_store_with(pool_size)
        .await
        .ok_or("DATABASE_URL is not set")?;
    let (svc, people) = match mode {
        Mode::Raw => {
            create_raw_table(&store).await?;
            (None, (0..clients).map(|_| Client::synthetic()).collect())
        }
        // The store-level runs need the doctor and chart rows (foreign keys).
        Mode::Store => (None, world(&store, clients).await?.1),
        Mode::Service => {
            let (svc, people) = world(&store, clients).await?;
            (Some(svc), people)
        }
    };
    // Notifications on, as in medsync-server: one LISTEN subscription drains them.
    let drain = match mode {
        Mode::Service => {
            let mut sub = PgNotifier::new(store.pool().clone()).subscribe().await?;
            Some(tokio::spawn(
                async move { while sub.recv().await.is_some() {} },
            ))
        }
        Mode::Raw | Mode::Store => None,
    };
    // Open every connection of the pool before the clock starts.
    drop(try_join_all((0..clients).map(|_| store.pool().acquire())).await?);
    let target = Target {
        store: store.clone(),
        svc,
    };
    let per_task: Vec<_> = people.into_iter().map(|c| (c, target.clone())).collect();
    let clock = CpuClock::new(local_postmaster(&store).await?);
    let timed = throughput::timed(
        per_task,
        per_client,
        move |(client, t): &(Client, Target), k| one(mode, t, client, k).boxed(),
        clock.on_clock(),
    )
    .await;
    if let Some(drain) = drain {
        drain.abort();
    }
    store.pool().close().await;
    let timed = timed?;
    if let Some(cpu) = clock.per_op(timed.ops) {
        log.record(clients, mode, cpu);
    }
    Ok(timed.per_second())
}

/// The steps of `MedSync::book`, each timed alone on one connection: mean µs per step over
/// `n` bookings by one client (what the service spends outside the store shows as the
/// difference between the sum and the whole call).
async fn breakdown(n: u64) -> Result<Vec<(&'static str, f64)>, BoxError> {
    let store = fresh_postgres_store_with(2)
        .await
        .ok_or("DATABASE_URL is not set")?;
    let notifier = PgNotifier::new(store.pool().clone());
    let (svc, people) = world(&store, 1).await?;
    let client = people.into_iter().next().ok_or("no client")?;
    let patient = client.chart();
    let target = Target {
        store: store.clone(),
        svc: Some(svc),
    };
    let mut steps: Vec<(&'static str, Duration)> = [
        "booking_facts (one read)",
        "book (store, audited)",
        "insert_notification",
        "notifier.deliver (NOTIFY)",
        "sum of the steps",
        "MedSync::book",
    ]
    .into_iter()
    .map(|s| (s, Duration::ZERO))
    .collect();
    for k in 1..=n {
        let started = Instant::now();
        let mut at = started;
        let mut lap = |steps: &mut Vec<(&'static str, Duration)>, i: usize| {
            let t = Instant::now();
            steps[i].1 += t - at;
            at = t;
        };
        store
            .booking_facts(client.patient.user_id, client.doctor, patient, now())
            .await?;
        lap(&mut steps, 0);
        let a = client.hold(k);
        store.book(&a, now(), &booking_event(&a)).await?;
        lap(&mut steps, 1);
        let note = Notification {
            id: NotificationId(Uuid::now_v7()),
            user_id: client.doctor,
            kind: NotificationKind::AppointmentBooked,
            message: format!(
                "New appointment request for {}",
                a.start.format("%Y-%m-%d %H:%M UTC")
            ),
            data: serde_json::json!({ "appointment_id": a.id, "start": a.start }),
            created_at: now(),
            read_at: None,
        };
        store.insert_notification(&note).await?;
        lap(&mut steps, 2);
        notifier.deliver(&note).await?;
        lap(&mut steps, 3);
        steps[4].1 += started.elapsed();
    }
    for k in n + 1..=2 * n {
        let started = Instant::now();
        one(Mode::Service, &target, &client, k).await?;
        steps[5].1 += started.elapsed();
    }
    store.pool().close().await;
    Ok(steps
        .into_iter()
        .map(|(s, d)| (s, d.as_secs_f64() * 1e6 / n as f64))
        .collect())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), BoxError> {
    if medsync_storage_postgres::testing::database_url().is_none() {
        eprintln!("set DATABASE_URL to a PostgreSQL server (scripts/test starts one)");
        return Ok(());
    }
    let args = Args::from_env(&[1, 8, 32, 64]);
    throughput::print_comparison_header("PostgreSQL", &args);
    let log = CpuLog::default();
    for &clients in &args.levels {
        let per_client = args.per_client(clients);
        let rates = throughput::interleaved(MODES, args.rounds, |mode| {
            run(mode, clients, per_client, log.clone())
        })
        .await?;
        throughput::print_comparison_row(clients, rates);
    }
    log.print("PostgreSQL");
    println!("\none client, mean µs per step of MedSync::book (each step alone):");
    let n = u64::try_from(args.total).unwrap_or(u64::MAX).min(1_000);
    for (step, us) in breakdown(n).await? {
        println!("  {step:<28} {us:>8.0}");
    }
    println!("load average at the end: {}", throughput::load_average());
    Ok(())
}
