//! Core scaling on the in-memory backend (issue 7).
//!
//! Run: `cargo bench --bench core_scaling --features memory` (add `-- book/store_new` or any
//! other name filter to run a part; `-- --list` lists them). Takes a few minutes on two cores;
//! the million-appointment calendar takes several seconds to build and about 1.4 GB of memory.
//!
//! What is measured, on one doctor whose calendar already holds `n` confirmed appointments
//! (pre-filled once per size through `ScheduleStore::book`, outside the measured loop; see
//! `core_scaling/world.rs` for the layout):
//!
//! - `book/store_new/{n}`: `MemoryStore::book` of a new, non-conflicting confirmed
//!   appointment (conflict check, indexes, audit append), for n = 1k, 10k, 100k, 1M. Each
//!   iteration fills a different free gap of the calendar; the world is rebuilt (unmeasured)
//!   before the gaps run out, so the calendar never grows by more than a third.
//! - `book/store_append/{n}`: the same, but each new appointment goes right after the
//!   pre-filled range (and the previous one): the right edge of every index, as when new
//!   bookings cluster near "now" on a calendar whose history lies in the past.
//! - `book/store_conflict/{n}`: `MemoryStore::book` of a slot that collides with a stored
//!   appointment; must fail with `Conflict` (checked every iteration).
//! - `book/service_new/{n}`, `book/service_conflict/{n}`: the same through `MedSync::book`
//!   (policy, validation, chart and availability lookups, store call, audit, notification).
//!   Each new booking is confirmed afterwards and the clock moves 1 ms, both unmeasured.
//! - `free_slots/pure_week/100000`: the pure `scheduling::free_slots` over one week of a
//!   doctor holding 100k appointments, given that week's busy list (what the service passes).
//! - `free_slots/store_busy_week/100000`: `ScheduleStore::doctor_busy` for that week alone.
//! - `free_slots/service_week/100000`: `MedSync::free_slots` for that week (both of the above
//!   plus the availability lookup).
//! - `free_slots/pure_all_busy/100000`: the pure function handed all 100k appointments, for
//!   comparison: what a caller that skipped the range query would pay.
//! - `throughput/store_bookings/10000`: bookings per second through `MemoryStore::book` on one
//!   core: 10,000 confirmed appointments of 100 doctors × 100 distinct slots into a fresh
//!   store per iteration (the store is built and dropped outside the measurement).
//! - `throughput/append_audit/10000`: `AuditStore::append_audit` alone with the same 10,000
//!   events, the audit share of a booking.
//! - `throughput/audit_next_entry/1`: the pure hash-chain step (`audit::chain::next_entry`:
//!   canonical JSON + SHA-256 + hex) that every audit append runs under the store's lock.

use std::hint::black_box;
use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use criterion::{criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use medsync::core::audit::chain;
use medsync::core::audit::AuditEvent;
use medsync::core::ids::{PatientId, UserId};
use medsync::core::scheduling::{free_slots, Appointment};
use medsync::core::store::{AuditStore, BookOutcome, ScheduleStore};
use medsync::memory::MemoryStore;
use medsync::Error;
use tokio::runtime::Runtime;

#[path = "core_scaling/world.rs"]
mod world;

use world::{appointment, audit_event, grid_start, monday, synthetic, World};

/// Calendar sizes of the booking benchmarks.
const SIZES: [u64; 4] = [1_000, 10_000, 100_000, 1_000_000];
/// Calendar size of the free-slot benchmarks.
const SLOT_SEARCH_SIZE: u64 = 100_000;
/// Most bookings prepared (unmeasured) ahead of one measured run.
const CHUNK: u64 = 50_000;
/// Bookings per throughput iteration, and how many doctors they spread over.
const BATCH: u64 = 10_000;
const BATCH_DOCTORS: u64 = 100;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("tokio runtime")
}

/// The world of `size`, built on first use (so name filters skip building it).
fn world<'a>(rt: &Runtime, slot: &'a mut Option<World>, size: u64) -> &'a mut World {
    slot.get_or_insert_with(|| timed_build(rt, size))
}

fn timed_build(rt: &Runtime, size: u64) -> World {
    let t = Instant::now();
    let w = rt.block_on(World::build(size));
    if size >= 100_000 {
        eprintln!(
            "built a calendar of {size} appointments in {:.2?}",
            t.elapsed()
        );
    }
    w
}

/// The world of `size`, replaced by a fresh one (built unmeasured) when it has room for fewer
/// than `min_room` new bookings.
fn with_room<'a>(
    rt: &Runtime,
    slot: &'a mut Option<World>,
    size: u64,
    min_room: u64,
) -> &'a mut World {
    if slot.as_ref().is_some_and(|w| w.room() < min_room.max(1)) {
        // Drop first: two million-appointment worlds need not coexist.
        *slot = None;
    }
    world(rt, slot, size)
}

fn book(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("book");
    for size in SIZES {
        let mut slot = None;
        // Worlds are built (or renewed) before `iter_custom`: criterion sizes its runs by the
        // wall time of the routine, which would otherwise include building a calendar.
        group.bench_with_input(BenchmarkId::new("store_new", size), &size, |b, &size| {
            with_room(&rt, &mut slot, size, size / 6);
            b.iter_custom(|iters| store_new(&rt, &mut slot, size, iters, Where::Gap));
        });
        group.bench_with_input(BenchmarkId::new("store_append", size), &size, |b, &size| {
            with_room(&rt, &mut slot, size, size / 6);
            b.iter_custom(|iters| store_new(&rt, &mut slot, size, iters, Where::Append));
        });
        group.bench_with_input(
            BenchmarkId::new("store_conflict", size),
            &size,
            |b, &size| {
                let w = world(&rt, &mut slot, size);
                b.iter_custom(|iters| store_conflict(&rt, w, iters));
            },
        );
        group.bench_with_input(BenchmarkId::new("service_new", size), &size, |b, &size| {
            with_room(&rt, &mut slot, size, size / 6);
            b.iter_custom(|iters| service_new(&rt, &mut slot, size, iters));
        });
        group.bench_with_input(
            BenchmarkId::new("service_conflict", size),
            &size,
            |b, &size| {
                let w = world(&rt, &mut slot, size);
                b.iter_custom(|iters| service_conflict(&rt, w, iters));
            },
        );
    }
    group.finish();
}

/// Where a new booking goes on the calendar.
#[derive(Clone, Copy)]
enum Where {
    /// Into a free gap, scattered over the whole calendar.
    Gap,
    /// After the pre-filled range, each one after the previous.
    Append,
}

/// `iters` direct new bookings, in chunks prepared outside the measurement.
fn store_new(
    rt: &Runtime,
    slot: &mut Option<World>,
    size: u64,
    iters: u64,
    place: Where,
) -> StdDuration {
    let mut total = StdDuration::ZERO;
    let mut left = iters;
    while left > 0 {
        let w = with_room(rt, slot, size, 1);
        let n = left.min(w.room()).min(CHUNK);
        let batch: Vec<(Appointment, AuditEvent)> = (0..n)
            .map(|_| {
                let start = match place {
                    Where::Gap => w.next_gap(),
                    Where::Append => w.next_append(),
                };
                w.appointment_at(start)
            })
            .collect();
        let (store, now) = (&w.store, w.now);
        total += rt.block_on(async {
            let t = Instant::now();
            for (a, ev) in &batch {
                let r = store.book(a, now, ev).await;
                assert!(matches!(r, Ok(BookOutcome::Created(_))), "{r:?}");
            }
            t.elapsed()
        });
        left -= n;
    }
    total
}

/// `iters` direct bookings that collide with stored appointments (nothing is written).
fn store_conflict(rt: &Runtime, w: &mut World, iters: u64) -> StdDuration {
    let mut total = StdDuration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CHUNK);
        let batch: Vec<(Appointment, AuditEvent)> = (0..n)
            .map(|_| {
                let start = w.next_conflict();
                w.appointment_at(start)
            })
            .collect();
        let (store, now) = (&w.store, w.now);
        total += rt.block_on(async {
            let t = Instant::now();
            for (a, ev) in &batch {
                let r = store.book(a, now, ev).await;
                assert!(matches!(r, Err(Error::Conflict { .. })), "{r:?}");
            }
            t.elapsed()
        });
        left -= n;
    }
    total
}

/// `iters` service bookings into free gaps; each is confirmed (unmeasured) so the patient
/// never piles up live holds, and the clock moves 1 ms between bookings.
fn service_new(rt: &Runtime, slot: &mut Option<World>, size: u64, iters: u64) -> StdDuration {
    let mut total = StdDuration::ZERO;
    for _ in 0..iters {
        let w = with_room(rt, slot, size, 1);
        let start = w.next_gap();
        let req = w.request_at(start);
        total += rt.block_on(async {
            let t = Instant::now();
            let booked = w.svc.book(&w.patient, req).await;
            let elapsed = t.elapsed();
            let booked = booked.expect("a free gap books");
            w.svc
                .confirm(&w.patient, booked.id)
                .await
                .expect("the patient confirms");
            elapsed
        });
        w.clock.advance(Duration::milliseconds(1));
    }
    total
}

/// `iters` service bookings that collide with stored appointments (requests prepared
/// unmeasured).
fn service_conflict(rt: &Runtime, w: &mut World, iters: u64) -> StdDuration {
    let reqs: Vec<_> = (0..iters)
        .map(|_| {
            let start = w.next_conflict();
            w.request_at(start)
        })
        .collect();
    rt.block_on(async {
        let t = Instant::now();
        for req in reqs {
            let r = w.svc.book(&w.patient, req).await;
            assert!(matches!(r, Err(Error::Conflict { .. })), "{r:?}");
        }
        t.elapsed()
    })
}

fn slot_search(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("free_slots");
    let mut slot = None;
    let size = SLOT_SEARCH_SIZE;
    // A week in the middle of the calendar: 45 appointments, 15 free slots.
    let from = monday() + Duration::weeks(1_000);
    let to = from + Duration::weeks(1);
    let free_in_week = 15;
    group.bench_function(BenchmarkId::new("pure_week", size), |b| {
        let w = world(&rt, &mut slot, size);
        let availability = rt.block_on(w.svc.availability(w.doctor)).unwrap();
        let busy = rt
            .block_on(w.store.doctor_busy(w.doctor, from, to, w.now))
            .unwrap();
        assert_eq!(busy.len(), 45);
        assert_eq!(
            free_slots(&availability, &busy, from, to, w.now).len(),
            free_in_week
        );
        b.iter(|| free_slots(&availability, black_box(&busy), from, to, w.now));
    });
    group.bench_function(BenchmarkId::new("store_busy_week", size), |b| {
        let w = world(&rt, &mut slot, size);
        b.iter(|| {
            rt.block_on(w.store.doctor_busy(w.doctor, black_box(from), to, w.now))
                .unwrap()
        });
    });
    group.bench_function(BenchmarkId::new("service_week", size), |b| {
        let w = world(&rt, &mut slot, size);
        let found = rt.block_on(w.svc.free_slots(w.doctor, from, to)).unwrap();
        assert_eq!(found.len(), free_in_week);
        b.iter(|| {
            rt.block_on(w.svc.free_slots(w.doctor, black_box(from), to))
                .unwrap()
        });
    });
    group.bench_function(BenchmarkId::new("pure_all_busy", size), |b| {
        let w = world(&rt, &mut slot, size);
        let availability = rt.block_on(w.svc.availability(w.doctor)).unwrap();
        let end = grid_start(2 * size);
        let busy = rt
            .block_on(w.store.doctor_busy(w.doctor, monday(), end, w.now))
            .unwrap();
        assert_eq!(busy.len() as u64, size);
        b.iter(|| free_slots(&availability, black_box(&busy), from, to, w.now));
    });
    group.finish();
}

/// `BATCH` bookings of `BATCH_DOCTORS` synthetic doctors, each at distinct slots.
fn throughput_batch() -> Vec<(Appointment, AuditEvent)> {
    let now = monday();
    (0..BATCH)
        .map(|n| {
            let doctor: UserId = synthetic(4, n % BATCH_DOCTORS);
            let patient: PatientId = synthetic(2, n);
            appointment(doctor, patient, n, grid_start(n / BATCH_DOCTORS), now)
        })
        .collect()
}

fn throughput(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("throughput");
    group.throughput(Throughput::Elements(BATCH));
    let template = throughput_batch();
    let now = monday();
    group.bench_function(BenchmarkId::new("store_bookings", BATCH), |b| {
        b.iter_batched(
            || (MemoryStore::new(), template.clone()),
            |(store, batch)| {
                rt.block_on(async {
                    for (a, ev) in &batch {
                        let r = store.book(a, now, ev).await;
                        assert!(matches!(r, Ok(BookOutcome::Created(_))), "{r:?}");
                    }
                });
                (store, batch)
            },
            BatchSize::PerIteration,
        );
    });
    let events: Vec<AuditEvent> = template.iter().map(|(_, ev)| ev.clone()).collect();
    group.bench_function(BenchmarkId::new("append_audit", BATCH), |b| {
        b.iter_batched(
            || (MemoryStore::new(), events.clone()),
            |(store, events)| {
                rt.block_on(async {
                    for ev in &events {
                        store.append_audit(ev).await.unwrap();
                    }
                });
                (store, events)
            },
            BatchSize::PerIteration,
        );
    });
    group.throughput(Throughput::Elements(1));
    let (a, _) = &template[0];
    let prev = chain::next_entry(None, 0, &audit_event(a.doctor_id, a.patient_id, 0, now));
    let ev = audit_event(a.doctor_id, a.patient_id, 1, now);
    group.bench_function(BenchmarkId::new("audit_next_entry", 1), |b| {
        b.iter(|| chain::next_entry(Some(black_box(&prev)), 0, black_box(&ev)));
    });
    group.finish();
}

/// The criterion entry points (a private module: the macro's `pub fn` needs no docs).
mod entry {
    use std::time::Duration as StdDuration;

    use criterion::{criterion_group, Criterion};

    use super::{book, slot_search, throughput};

    criterion_group! {
        name = benches;
        config = Criterion::default()
            .sample_size(20)
            .warm_up_time(StdDuration::from_millis(500))
            .measurement_time(StdDuration::from_secs(2));
        targets = book, slot_search, throughput
    }
}
criterion_main!(entry::benches);
