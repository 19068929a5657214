//! How close does a MedSync booking come to what the server can do at all? Booking
//! throughput on MongoDB next to the raw limit, measured in one run, on one server, at the
//! same concurrency and through the same client (one pooled connection per client, plus one
//! for the change stream):
//!
//! - **raw**: one `insert_one` of a document equivalent to a stored appointment into a plain
//!   collection (only the `_id` index), with the write concern the store's transactions
//!   commit with (`majority`);
//! - **store**: [`ScheduleStore::book`]'s transaction (snapshot reads, majority commit):
//!   collision queries, calendar locks, hold expiry, the insert, the hash-chained audit entry;
//! - **medsync**: [`MedSync::book`] over the store with [`MongoNotifier`] — policy
//!   (relationships), doctor, chart and availability reads, the booking transaction and the
//!   stored notification, received by a change stream as in medsync-server. The actor is
//!   built directly (no JWT check).
//!
//! ```sh
//! MONGODB_URL=mongodb://… cargo run --release -p medsync-storage-mongo \
//!     --example mongo_throughput [bookings per run] [rounds] [clients,…]
//! ```
//!
//! Defaults: 2000 bookings per run, 3 rounds, 1,8,32,64 clients. Every run gets a fresh
//! database (dropped afterwards) and one write per client before the clock starts. Each
//! client books back-to-back slots of its own doctor for its own patient, so runs measure
//! the write path, not contention on one calendar. The table shows the median of the
//! interleaved rounds (the order of the modes rotates per round, so background load drifts
//! evenly over them). When `mongod` runs on this machine, a second table splits each mode's
//! CPU time per booking between this process and the server.
//!
//! [`ScheduleStore::book`]: medsync_core::store::ScheduleStore::book

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use bson::{doc, Document};
use futures::{FutureExt, StreamExt};
use medsync_core::scheduling::Appointment;
use medsync_core::store::ScheduleStore;
use medsync_core::testkit::cpu::{self, CpuClock, CpuLog};
use medsync_core::testkit::throughput::{
    self, booking_event, now, Args, BoxError, Client, Mode, Phase, MODES,
};
use medsync_core::MedSync;
use medsync_storage_mongo::testing::{fresh_db_name, mongodb_url, shared_client};
use medsync_storage_mongo::MongoStore;
use mongodb::event::command::CommandEvent;
use mongodb::event::EventHandler;
use mongodb::options::{ClientOptions, CollectionOptions, WriteConcern};
use mongodb::{Client as MongoClient, Collection};

/// The document the store writes for `a` (same fields, same BSON types).
fn raw_document(a: &Appointment) -> Document {
    let date = bson::DateTime::from_chrono;
    doc! {
        "_id": bson::Uuid::from(a.id.0),
        "doctor_id": bson::Uuid::from(a.doctor_id.0),
        "patient_id": bson::Uuid::from(a.patient_id.0),
        "start": date(a.start),
        "end": date(a.end),
        "block_end": date(a.doctor_block_end()),
        "buffer_minutes": i64::from(a.buffer_minutes),
        "appointment_type": &a.appointment_type,
        "status": "pending",
        "hold_expires_at": a.hold_expires_at.map(date),
        "reason": a.reason.as_deref(),
        "cancellation": bson::Bson::Null,
        "booked_by": bson::Uuid::from(a.booked_by.0),
        "version": 1_i64,
        "created_at": date(a.created_at),
        "updated_at": date(a.updated_at),
    }
}

/// The service over `store` with the MongoDB notifier, and per client an approved doctor
/// with availability and a patient with a chart, all created through the service.
async fn world(store: &MongoStore, clients: usize) -> Result<(MedSync, Vec<Client>), BoxError> {
    let svc = throughput::service_builder(Arc::new(store.clone()))?
        .notifier(Arc::new(store.notifier()))
        .build()?;
    let people = throughput::world(&svc, clients).await?;
    Ok((svc, people))
}

/// The commands the runs send, counted from the driver's command events while a run is timed:
/// how many round trips a booking takes, and how long each kind takes.
#[derive(Default)]
struct Commands {
    /// `1 + ` the index in [`MODES`] of the run being timed; 0 between runs.
    recording: AtomicUsize,
    /// Per mode and command name: how many, and their total duration.
    seen: Mutex<BTreeMap<(usize, String), (u64, Duration)>>,
    /// Per mode: the bookings timed.
    bookings: Mutex<[u64; MODES.len()]>,
}

static COMMANDS: LazyLock<Commands> = LazyLock::new(Commands::default);

impl Commands {
    fn record(&self, event: CommandEvent) {
        let mode = self.recording.load(Ordering::Relaxed);
        let (name, took) = match event {
            CommandEvent::Succeeded(e) => (e.command_name, e.duration),
            CommandEvent::Failed(e) => (e.command_name, e.duration),
            _ => return,
        };
        if let (Some(mode), Ok(mut seen)) = (mode.checked_sub(1), self.seen.lock()) {
            let entry = seen.entry((mode, name)).or_default();
            entry.0 += 1;
            entry.1 += took;
        }
    }

    /// Per mode: each command's count per booking and mean duration (ms).
    fn report(&self) {
        let (Ok(seen), Ok(bookings)) = (self.seen.lock(), self.bookings.lock()) else {
            return;
        };
        for (m, mode) in MODES.iter().enumerate() {
            let n = bookings[m].max(1) as f64;
            let per_booking: Vec<String> = seen
                .iter()
                .filter(|((mm, _), _)| *mm == m)
                .map(|((_, name), (count, took))| {
                    let ms = took.as_secs_f64() * 1e3 / (*count).max(1) as f64;
                    format!("{name} {:.2} ({ms:.2} ms)", *count as f64 / n)
                })
                .collect();
            let total: u64 = seen
                .iter()
                .filter(|((mm, name), _)| *mm == m && name != "getMore")
                .map(|(_, (count, _))| count)
                .sum();
            println!(
                "  {:<8} {:.2} round trips per booking (getMore excluded): {}",
                format!("{mode:?}").to_lowercase(),
                total as f64 / n,
                per_booking.join(", ")
            );
        }
    }
}

/// What a run writes through.
#[derive(Clone)]
struct Target {
    store: MongoStore,
    raw: Collection<Document>,
    svc: Option<MedSync>,
}

/// One booking (or raw insert) of slot `k` by `client`.
async fn one(mode: Mode, t: &Target, client: &Client, k: u64) -> Result<(), BoxError> {
    match mode {
        Mode::Raw => {
            t.raw.insert_one(raw_document(&client.hold(k))).await?;
        }
        Mode::Store => {
            let a = client.hold(k);
            t.store.book(&a, now(), &booking_event(&a)).await?;
        }
        Mode::Service => {
            let svc = t.svc.as_ref().ok_or("no service")?;
            svc.book(&client.patient, client.request(k)).await?;
        }
    }
    Ok(())
}

/// `per_client` bookings from each of `clients` concurrent tasks on a fresh database
/// (dropped afterwards); bookings per second.
async fn run(
    mongo: &MongoClient,
    mode: Mode,
    clients: usize,
    per_client: u64,
    log: CpuLog,
) -> Result<f64, BoxError> {
    let store = MongoStore::from_client(mongo.clone(), &fresh_db_name()).await?;
    let raw = store.database().collection_with_options::<Document>(
        "raw_appointments",
        CollectionOptions::builder()
            .write_concern(WriteConcern::majority())
            .build(),
    );
    let result = measure(store.clone(), raw, mode, clients, per_client, log).await;
    store.database().drop().await?;
    result
}

/// The pid of `mongod` if it runs on this machine (checked by name: a server in another pid
/// namespace gives `None`).
async fn local_mongod(store: &MongoStore) -> Result<Option<u32>, BoxError> {
    let status = store
        .database()
        .run_command(doc! {"serverStatus": 1, "repl": 0, "metrics": 0, "locks": 0})
        .await?;
    let pid = match status.get("pid") {
        Some(bson::Bson::Int64(p)) => u32::try_from(*p).ok(),
        Some(bson::Bson::Int32(p)) => u32::try_from(*p).ok(),
        _ => None,
    };
    Ok(pid.filter(|&p| cpu::is_named(p, "mongod")))
}

async fn measure(
    store: MongoStore,
    raw: Collection<Document>,
    mode: Mode,
    clients: usize,
    per_client: u64,
    log: CpuLog,
) -> Result<f64, BoxError> {
    let (svc, people) = match mode {
        Mode::Raw | Mode::Store => (None, (0..clients).map(|_| Client::synthetic()).collect()),
        Mode::Service => {
            let (svc, people) = world(&store, clients).await?;
            (Some(svc), people)
        }
    };
    // Notifications on, as in medsync-server: one change stream drains them.
    let drain = match mode {
        Mode::Service => {
            let mut stream = store.notifier().subscribe().await?;
            Some(tokio::spawn(async move {
                while stream.next().await.is_some() {}
            }))
        }
        Mode::Raw | Mode::Store => None,
    };
    let target = Target { store, raw, svc };
    let per_task: Vec<_> = people.into_iter().map(|c| (c, target.clone())).collect();
    let m = MODES.iter().position(|x| *x == mode).unwrap_or_default();
    let clock = CpuClock::new(local_mongod(&target.store).await?);
    let mut sample_cpu = clock.on_clock();
    let timed = throughput::timed(
        per_task,
        per_client,
        move |(client, t): &(Client, Target), k| one(mode, t, client, k).boxed(),
        move |phase| {
            let recording = if phase == Phase::Start { m + 1 } else { 0 };
            COMMANDS.recording.store(recording, Ordering::Relaxed);
            sample_cpu(phase);
        },
    )
    .await;
    if let Some(drain) = drain {
        drain.abort();
    }
    let timed = timed?;
    if let Some(cpu) = clock.per_op(timed.ops) {
        log.record(clients, mode, cpu);
    }
    if let Ok(mut bookings) = COMMANDS.bookings.lock() {
        bookings[m] += timed.ops;
    }
    Ok(timed.per_second())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), BoxError> {
    let Some(url) = mongodb_url() else {
        eprintln!("set MONGODB_URL to a MongoDB replica set (scripts/test starts one)");
        return Ok(());
    };
    // Initiates the replica set if needed and waits for a writable primary.
    shared_client().await.ok_or("MONGODB_URL is not set")?;
    let args = Args::from_env(&[1, 8, 32, 64]);
    throughput::print_comparison_header("MongoDB", &args);
    let log = CpuLog::default();
    for &clients in &args.levels {
        // One pooled connection per client, plus one for the change stream's waiting
        // `getMore` (the PostgreSQL listener likewise holds a connection of its own).
        let mut options = ClientOptions::parse(&url).await?;
        options.max_pool_size = Some(u32::try_from(clients + 1).unwrap_or(u32::MAX));
        options.command_event_handler = Some(EventHandler::callback(|e| COMMANDS.record(e)));
        let mongo = MongoClient::with_options(options)?;
        let per_client = args.per_client(clients);
        let rates = throughput::interleaved(MODES, args.rounds, |mode| {
            run(&mongo, mode, clients, per_client, log.clone())
        })
        .await?;
        throughput::print_comparison_row(clients, rates);
        mongo.shutdown().await;
    }
    log.print("MongoDB");
    println!("\ncommands per booking while timed (mean duration as the driver saw it):");
    COMMANDS.report();
    println!("load average at the end: {}", throughput::load_average());
    Ok(())
}
