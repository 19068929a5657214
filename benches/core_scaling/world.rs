//! The benchmark world: a [`MemoryStore`] behind a [`MedSync`] service, one doctor whose
//! calendar is pre-filled through the store, and deterministic taken and free slots on it.
//!
//! The doctor works Mon–Fri 09:00–17:00 UTC with 30-minute slots and a 10-minute buffer, so
//! the grid has 12 slots a day, 60 a week. Grid position `k` is pre-filled with a confirmed
//! appointment unless `k % 4 == 3`: a calendar of `n` appointments spans `4n / 3` positions
//! (about 427 years for one million) and keeps `n / 3` free gaps spread all over it. New
//! bookings either fill those gaps in a scrambled order, so every insert lands somewhere inside
//! the indexes (the cache-unfriendly case), or append after the pre-filled range (the common
//! case: new bookings cluster near "now", at the right edge of the indexes). Either way the
//! calendar grows by at most a third before the world is rebuilt.

use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use medsync::core::audit::{AuditEvent, Outcome};
use medsync::core::clock::ManualClock;
use medsync::core::identity::Role;
use medsync::core::ids::{AppointmentId, AuditId, PatientId, UserId};
use medsync::core::policy::Actor;
use medsync::core::scheduling::{Appointment, AppointmentStatus};
use medsync::core::store::ScheduleStore;
use medsync::core::testkit::throughput;
use medsync::core::testkit::{BUFFER_MINUTES, SLOT_MINUTES};
use medsync::memory::MemoryStore;
use medsync::{BookRequest, MedSync};

/// Week 0 of the grid, and the start of grid position `k` (12 slots a day, 60 a week).
pub use medsync::core::testkit::throughput::{monday, slot as grid_start};

/// Slot length in minutes.
const SLOT_MIN: i64 = SLOT_MINUTES as i64;
/// Synthetic charts the pre-filled appointments rotate over.
const CHARTS: u64 = 1_000;

/// Grid position of the `i`-th pre-filled appointment.
fn taken_position(i: u64) -> u64 {
    i / 3 * 4 + i % 3
}

/// Grid position of the `g`-th free gap.
fn gap_position(g: u64) -> u64 {
    4 * g + 3
}

/// A deterministic id: `kind` in the top byte, `n` below (parsed, since the bench has no
/// direct `uuid` dependency).
fn id<T: FromStr>(kind: u8, n: u64) -> T
where
    T::Err: std::fmt::Debug,
{
    let v = (u128::from(kind) << 120) | u128::from(n);
    format!("{v:032x}")
        .parse()
        .expect("32 hex digits are a UUID")
}

/// A stride coprime with `n`, so `j * stride mod n` visits every residue once.
fn coprime_stride(n: u64) -> u64 {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    let mut s = 2_654_435_761 % n.max(1);
    while s == 0 || gcd(s, n) != 1 {
        s += 1;
    }
    s
}

/// One doctor holding `size` confirmed appointments, plus a service over the same store.
pub struct World {
    /// The store (clones share state with the service's).
    pub store: MemoryStore,
    /// The service over `store`.
    pub svc: MedSync,
    /// The service's pinned clock (set before the first grid slot).
    pub clock: Arc<ManualClock>,
    /// The doctor whose calendar is pre-filled.
    pub doctor: UserId,
    /// A patient with an account and a chart, for service bookings.
    pub patient: Actor,
    /// How many appointments were pre-filled.
    pub size: u64,
    /// `now` for direct store calls: before the first grid slot, never advanced.
    pub now: DateTime<Utc>,
    gap_stride: u64,
    taken_stride: u64,
    used_gaps: u64,
    appended: u64,
    conflicts_tried: u64,
    next_id: u64,
}

impl World {
    /// Builds the world: the service, an approved doctor with availability and a patient (see
    /// [`throughput::world`]), and `size` appointments booked through [`ScheduleStore::book`]
    /// directly.
    pub async fn build(size: u64) -> Self {
        let store = MemoryStore::new();
        let now = throughput::now();
        let clock = Arc::new(ManualClock::new(now));
        let svc = throughput::service_builder(Arc::new(store.clone()))
            .expect("valid argon2 parameters")
            .clock(clock.clone())
            .build()
            .expect("service builds");
        let client = throughput::world(&svc, 1)
            .await
            .expect("register the doctor and the patient")
            .remove(0);
        let mut world = Self {
            store,
            svc,
            clock,
            doctor: client.doctor,
            patient: client.patient,
            size,
            now,
            gap_stride: coprime_stride(size / 3),
            taken_stride: coprime_stride(size),
            used_gaps: 0,
            appended: 0,
            conflicts_tried: 0,
            next_id: 0,
        };
        for i in 0..size {
            let (a, ev) = world.appointment_at(grid_start(taken_position(i)));
            world
                .store
                .book(&a, now, &ev)
                .await
                .expect("pre-filled appointments never collide");
        }
        world
    }

    /// How many more new bookings (gaps or appends, whichever runs out first) the world takes
    /// before it has grown by a third and must be rebuilt.
    pub fn room(&self) -> u64 {
        let budget = self.size / 3;
        (budget - self.used_gaps).min(budget - self.appended)
    }

    /// The start of the next free gap, in scrambled order. Callers check [`World::room`].
    pub fn next_gap(&mut self) -> DateTime<Utc> {
        let g = self.used_gaps * self.gap_stride % (self.size / 3);
        self.used_gaps += 1;
        grid_start(gap_position(g))
    }

    /// The next free grid slot after the pre-filled range (at the right edge of every
    /// index, like a booking near "now" on a calendar whose history lies in the past).
    /// Callers check [`World::room`].
    pub fn next_append(&mut self) -> DateTime<Utc> {
        let k = taken_position(self.size - 1) + 1 + self.appended;
        self.appended += 1;
        grid_start(k)
    }

    /// A start 10 minutes into a pre-filled appointment (so any 30-minute booking there
    /// collides), cycling over the calendar in scrambled order.
    pub fn next_conflict(&mut self) -> DateTime<Utc> {
        let i = self.conflicts_tried * self.taken_stride % self.size;
        self.conflicts_tried += 1;
        grid_start(taken_position(i)) + Duration::minutes(10)
    }

    /// A confirmed 30-minute appointment of the doctor at `start` (a synthetic chart) and the
    /// audit event that goes with booking it.
    pub fn appointment_at(&mut self, start: DateTime<Utc>) -> (Appointment, AuditEvent) {
        let n = self.next_id;
        self.next_id += 1;
        appointment(self.doctor, id(2, n % CHARTS), n, start, self.now)
    }

    /// A service booking request of the bench patient at `start`.
    pub fn request_at(&self, start: DateTime<Utc>) -> BookRequest {
        BookRequest {
            doctor_id: self.doctor,
            patient_id: self.patient.patient_id,
            start,
            end: start + Duration::minutes(SLOT_MIN),
            reason: Some("check-up".into()),
            appointment_type: None,
            idempotency_key: None,
        }
    }
}

/// A confirmed 30-minute appointment (id from `n`) and its `appointment.book` audit event.
pub fn appointment(
    doctor: UserId,
    patient: PatientId,
    n: u64,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> (Appointment, AuditEvent) {
    let appointment_id: AppointmentId = id(1, n);
    let a = Appointment {
        id: appointment_id,
        doctor_id: doctor,
        patient_id: patient,
        start,
        end: start + Duration::minutes(SLOT_MIN),
        buffer_minutes: BUFFER_MINUTES,
        appointment_type: "consultation".into(),
        status: AppointmentStatus::Confirmed,
        hold_expires_at: None,
        reason: Some("check-up".into()),
        cancellation: None,
        idempotency_key: None,
        booked_by: doctor,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    (a, audit_event(doctor, patient, n, now))
}

/// The audit event of booking appointment `n`.
pub fn audit_event(doctor: UserId, patient: PatientId, n: u64, now: DateTime<Utc>) -> AuditEvent {
    let audit_id: AuditId = id(3, n);
    let appointment_id: AppointmentId = id(1, n);
    AuditEvent {
        id: audit_id,
        at: now,
        actor: Some(doctor),
        actor_role: Some(Role::Doctor),
        action: "appointment.book".into(),
        resource_kind: "appointment".into(),
        resource_id: Some(appointment_id.to_string()),
        patient_id: Some(patient),
        outcome: Outcome::Allowed,
        detail: None,
    }
}

/// The `n`-th synthetic doctor or chart id (for throughput runs over many calendars).
pub fn synthetic<T: FromStr>(kind: u8, n: u64) -> T
where
    T::Err: std::fmt::Debug,
{
    id(kind, n)
}
