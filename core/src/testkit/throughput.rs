//! The harness of the booking-throughput examples (`postgres_throughput`, `mongo_throughput`,
//! `audit_overhead`): what a booking looks like, who books, how a timed run is driven and how
//! its rounds are summed up. What differs per backend (raw writes, notifiers, connection
//! pools, breakdowns) stays in the examples.
//!
//! Slot `k` of the week grid is the `k`-th slot of [`weekday_availability`] counted from
//! [`monday`] (12 a day, 60 a week); the clock stays pinned at [`now`], before the first slot,
//! so no hold ever lapses.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use futures::future::{try_join_all, BoxFuture};
use tokio::sync::Barrier;
use uuid::Uuid;

use super::fixture::{weekday_availability, BUFFER_MINUTES, MONDAY, PASSWORD, SLOT_MINUTES};
use crate::audit::{AuditEvent, Outcome};
use crate::auth::Argon2Hasher;
use crate::clock::ManualClock;
use crate::identity::{PatientDetails, Role};
use crate::ids::{AppointmentId, AuditId, PatientId, UserId};
use crate::policy::Actor;
use crate::scheduling::{Appointment, AppointmentStatus};
use crate::service::{BookRequest, MedSync, MedSyncBuilder, Registration};
use crate::store::Store;

/// The error of a run: a service, driver or join error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Grid slots per working day: 09:00–17:00 in steps of slot plus buffer (40 minutes).
pub const SLOTS_PER_DAY: u64 = 12;

/// Grid slots per week (five working days).
pub const SLOTS_PER_WEEK: u64 = 5 * SLOTS_PER_DAY;

/// Monday 2026-03-02 00:00 UTC (the fixture's [`MONDAY`]): week 0 of the grid.
pub fn monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(MONDAY.0, MONDAY.1, MONDAY.2, 0, 0, 0)
        .single()
        .expect("valid date")
}

/// The pinned clock of the runs: Monday 08:00 UTC, before the first slot.
pub fn now() -> DateTime<Utc> {
    monday() + chrono::Duration::hours(8)
}

/// Start of grid position `k`: week `k / 60`, day `k % 60 / 12`, the `k % 12`-th slot of
/// that day.
pub fn slot(k: u64) -> DateTime<Utc> {
    let (week, within) = (k / SLOTS_PER_WEEK, k % SLOTS_PER_WEEK);
    let (day, nth) = (within / SLOTS_PER_DAY, within % SLOTS_PER_DAY);
    let step = i64::from(SLOT_MINUTES + BUFFER_MINUTES);
    monday()
        + chrono::Duration::weeks(week as i64)
        + chrono::Duration::days(day as i64)
        + chrono::Duration::hours(9)
        + chrono::Duration::minutes(step * nth as i64)
}

/// The pending hold the service would build for slot `k` of `doctor` and `patient`: a fresh
/// id, booked by the doctor at [`now`], holding for the service's default ten minutes.
pub fn pending_hold(doctor: UserId, patient: PatientId, k: u64) -> Appointment {
    let start = slot(k);
    Appointment {
        id: AppointmentId(Uuid::now_v7()),
        doctor_id: doctor,
        patient_id: patient,
        start,
        end: start + chrono::Duration::minutes(i64::from(SLOT_MINUTES)),
        buffer_minutes: BUFFER_MINUTES,
        appointment_type: "consultation".into(),
        status: AppointmentStatus::Pending,
        hold_expires_at: Some(now() + chrono::Duration::minutes(10)),
        reason: Some("check-up".into()),
        cancellation: None,
        idempotency_key: None,
        booked_by: doctor,
        version: 1,
        created_at: now(),
        updated_at: now(),
    }
}

/// The `appointment.book` audit event that goes with storing `a` (actor: `a.booked_by`, a
/// doctor; chain: `a`'s chart).
pub fn booking_event(a: &Appointment) -> AuditEvent {
    AuditEvent {
        id: AuditId(Uuid::now_v7()),
        at: now(),
        actor: Some(a.booked_by),
        actor_role: Some(Role::Doctor),
        action: "appointment.book".into(),
        resource_kind: "appointment".into(),
        resource_id: Some(a.id.to_string()),
        patient_id: Some(a.patient_id),
        outcome: Outcome::Allowed,
        detail: None,
    }
}

/// One client of a run: the doctor whose calendar it fills and the patient it books for.
#[derive(Debug, Clone)]
pub struct Client {
    /// The doctor's user id.
    pub doctor: UserId,
    /// The patient as an actor (a patient user with a chart, or synthetic ids).
    pub patient: Actor,
}

impl Client {
    /// A client made of fresh ids with no rows behind them: for runs whose backend does not
    /// check references (raw writes, a store without foreign keys).
    pub fn synthetic() -> Self {
        Self {
            doctor: UserId(Uuid::now_v7()),
            patient: Actor {
                user_id: UserId(Uuid::now_v7()),
                role: Role::Patient,
                patient_id: Some(PatientId(Uuid::now_v7())),
            },
        }
    }

    /// The patient's chart. Panics if the patient has none (clients always do).
    pub fn chart(&self) -> PatientId {
        self.patient.patient_id.expect("patients have a chart")
    }

    /// [`pending_hold`] of slot `k` for this client.
    pub fn hold(&self, k: u64) -> Appointment {
        pending_hold(self.doctor, self.chart(), k)
    }

    /// The service request booking slot `k` for this client.
    pub fn request(&self, k: u64) -> BookRequest {
        let start = slot(k);
        BookRequest {
            doctor_id: self.doctor,
            patient_id: self.patient.patient_id,
            start,
            end: start + chrono::Duration::minutes(i64::from(SLOT_MINUTES)),
            reason: Some("check-up".into()),
            appointment_type: None,
            idempotency_key: None,
        }
    }
}

/// A builder of the service the runs book through: over `store`, the clock pinned at [`now`],
/// cheap password hashing (only the setup registers users). The caller adds its notifier
/// (or its own clock) and builds.
pub fn service_builder(store: Arc<dyn Store>) -> Result<MedSyncBuilder, BoxError> {
    let hasher = Argon2Hasher::with_params(1024, 1, 1)?;
    Ok(MedSync::builder(
        store,
        b"throughput-example-secret-0123456789abcdef".to_vec(),
    )
    .clock(Arc::new(ManualClock::new(now())))
    .hasher(Arc::new(hasher)))
}

/// Registers, through `svc`, an admin and per client an approved doctor with
/// [`weekday_availability`] and a patient with an account and a chart (concurrently; emails
/// `doctor{c}@bench.test`, `patient{c}@bench.test`). Fails on a store that already has them.
pub async fn world(svc: &MedSync, clients: usize) -> Result<Vec<Client>, BoxError> {
    let admin = svc
        .bootstrap_admin("admin@bench.test", "Ada Admin", PASSWORD)
        .await?;
    let admin = actor(admin.id, Role::Admin, None);
    try_join_all((0..clients).map(|c| {
        let admin = &admin;
        async move {
            let doctor = svc
                .register(Registration {
                    name: format!("Doctor {c}"),
                    email: format!("doctor{c}@bench.test"),
                    password: PASSWORD.into(),
                    role: Some(Role::Doctor),
                    specialization: Some("General practice".into()),
                    ..Default::default()
                })
                .await?;
            svc.approve_user(admin, doctor.id).await?;
            let doctor_actor = actor(doctor.id, Role::Doctor, None);
            svc.set_availability(&doctor_actor, weekday_availability(doctor.id))
                .await?;
            let patient = svc
                .register(Registration {
                    name: format!("Patient {c}"),
                    email: format!("patient{c}@bench.test"),
                    password: PASSWORD.into(),
                    role: Some(Role::Patient),
                    patient: Some(PatientDetails {
                        name: format!("Patient {c}"),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .await?;
            Ok::<_, BoxError>(Client {
                doctor: doctor.id,
                patient: actor(patient.id, Role::Patient, patient.patient_id),
            })
        }
    }))
    .await
}

fn actor(user_id: UserId, role: Role, patient_id: Option<PatientId>) -> Actor {
    Actor {
        user_id,
        role,
        patient_id,
    }
}

/// The edges of the measured interval of [`timed`], for callers that record something only
/// while the clock runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Every warm-up is done; the clock starts right after this.
    Start,
    /// The last operation finished; the clock has stopped.
    Stop,
}

/// What a timed run did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timed {
    /// Operations inside the measured interval.
    pub ops: u64,
    /// The measured interval (at least 1 µs).
    pub elapsed: Duration,
}

impl Timed {
    /// Operations per second.
    pub fn per_second(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64()
    }
}

/// Drives one task per client, all at once: each runs `op(client, 0)` as its warm-up
/// (connections, prepared statements, caches), then every task waits on one barrier, and the
/// clock measures `op(client, k)` for `k` in `1..=per_client` on every client until the last
/// task finishes. `on_clock` is told just before the clock starts and just after it stops.
///
/// The first error of any operation (warm-up included) or a panic after the warm-up fails the
/// run once every task has ended (a panic during the warm-up leaves the barrier waiting).
pub async fn timed<C, F>(
    clients: Vec<C>,
    per_client: u64,
    op: F,
    mut on_clock: impl FnMut(Phase),
) -> Result<Timed, BoxError>
where
    C: Send + Sync + 'static,
    F: for<'a> Fn(&'a C, u64) -> BoxFuture<'a, Result<(), BoxError>> + Send + Sync + 'static,
{
    let n = clients.len() as u64;
    let op = Arc::new(op);
    let barrier = Arc::new(Barrier::new(clients.len() + 1));
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|client| {
            let (op, barrier) = (op.clone(), barrier.clone());
            tokio::spawn(async move {
                let warm_up = op(&client, 0).await;
                barrier.wait().await;
                warm_up?;
                for k in 1..=per_client {
                    op(&client, k).await?;
                }
                Ok::<(), BoxError>(())
            })
        })
        .collect();
    barrier.wait().await;
    on_clock(Phase::Start);
    let started = Instant::now();
    let mut outcome = Ok(());
    for t in tasks {
        let result = t.await.map_err(BoxError::from).and_then(|r| r);
        outcome = outcome.and(result);
    }
    let elapsed = started.elapsed().max(Duration::from_micros(1));
    on_clock(Phase::Stop);
    outcome?;
    Ok(Timed {
        ops: per_client * n,
        elapsed,
    })
}

/// Runs every mode `rounds` times (at least once), rotating the order per round so that
/// background load drifts evenly over the modes; the [`median`] result of each mode, in the
/// order of `modes`.
pub async fn interleaved<M, const N: usize, F, Fut>(
    modes: [M; N],
    rounds: usize,
    mut run: F,
) -> Result<[f64; N], BoxError>
where
    M: Copy,
    F: FnMut(M) -> Fut,
    Fut: Future<Output = Result<f64, BoxError>>,
{
    let mut results: [Vec<f64>; N] = std::array::from_fn(|_| Vec::new());
    for round in 0..rounds.max(1) {
        for i in 0..N {
            let m = (i + round) % N;
            results[m].push(run(modes[m]).await?);
        }
    }
    Ok(results.map(median))
}

/// The median of `v` (the upper one of an even count); NaN if `v` is empty.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The 1, 5 and 15 minute load averages from `/proc/loadavg`, or `"unknown"`.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The command line of the examples: `[bookings per run] [rounds] [clients,…]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// Bookings per run, split evenly over the clients (default 2000).
    pub total: usize,
    /// Interleaved rounds per number of clients (default 3).
    pub rounds: usize,
    /// The numbers of concurrent clients, one table row each.
    pub levels: Vec<usize>,
}

impl Args {
    /// Parses the process arguments; what is absent or unparsable takes its default
    /// (`levels`: `default_levels`).
    pub fn from_env(default_levels: &[usize]) -> Self {
        let mut args = std::env::args().skip(1);
        Self {
            total: args.next().and_then(|s| s.parse().ok()).unwrap_or(2_000),
            rounds: args.next().and_then(|s| s.parse().ok()).unwrap_or(3),
            levels: args
                .next()
                .map(|s| s.split(',').filter_map(|n| n.parse().ok()).collect())
                .unwrap_or_else(|| default_levels.to_vec()),
        }
    }

    /// Bookings per client of a run with `clients` clients (at least one).
    pub fn per_client(&self, clients: usize) -> u64 {
        (self.total / clients.max(1)).max(1) as u64
    }
}

/// What a run of the raw-versus-MedSync comparison measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The cheapest durable write of an equivalent row or document.
    Raw,
    /// The store's booking transaction with its audit append.
    Store,
    /// `MedSync::book` with the backend's notifier.
    Service,
}

/// The modes, in the columns' order.
pub const MODES: [Mode; 3] = [Mode::Raw, Mode::Store, Mode::Service];

impl Mode {
    /// The mode's column name in the comparison table.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Raw => "raw",
            Mode::Store => "store",
            Mode::Service => "medsync",
        }
    }
}

/// Prints the title and column heads of the comparison table of `backend`.
pub fn print_comparison_header(backend: &str, args: &Args) {
    println!(
        "{backend} bookings/s, median of {} interleaved rounds ({} per run, fresh database \
         each); load average {}",
        args.rounds,
        args.total,
        load_average()
    );
    println!(
        "{:>8} {:>9} {:>9} {:>9} {:>12} {:>14}",
        "clients", "raw", "store", "medsync", "store/raw", "medsync/raw"
    );
}

/// Prints the row of `clients`: bookings/s per mode (in [`MODES`] order) and the store's and
/// the service's share of the raw rate.
pub fn print_comparison_row(clients: usize, [raw, store, svc]: [f64; 3]) {
    println!(
        "{clients:>8} {raw:>9.0} {store:>9.0} {svc:>9.0} {:>11.0}% {:>13.0}%",
        store / raw * 100.0,
        svc / raw * 100.0
    );
}
