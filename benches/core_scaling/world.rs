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

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc, Weekday};
use medsync::core::audit::{AuditEvent, Outcome};
use medsync::core::auth::Argon2Hasher;
use medsync::core::clock::ManualClock;
use medsync::core::identity::{PatientDetails, Role};
use medsync::core::ids::{AppointmentId, AuditId, PatientId, UserId};
use medsync::core::policy::Actor;
use medsync::core::scheduling::{Appointment, AppointmentStatus, Availability, WeeklyRule};
use medsync::core::store::ScheduleStore;
use medsync::memory::MemoryStore;
use medsync::{BookRequest, MedSync, Registration};

/// Slot length in minutes.
const SLOT_MIN: i64 = 30;
/// Buffer after each appointment in minutes.
const BUFFER_MIN: u32 = 10;
/// Grid slots per working day (09:00–17:00 in steps of 40 minutes).
const PER_DAY: u64 = 12;
/// Grid slots per week (five working days).
const PER_WEEK: u64 = 5 * PER_DAY;
/// Synthetic charts the pre-filled appointments rotate over.
const CHARTS: u64 = 1_000;
/// A passphrase the password policy accepts.
const PASSWORD: &str = "plum kettle orbit lantern";

/// Monday 2026-03-02 00:00 UTC: week 0 of the grid.
pub fn monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap()
}

/// Start of grid position `k`.
pub fn grid_start(k: u64) -> DateTime<Utc> {
    let (week, within) = (k / PER_WEEK, k % PER_WEEK);
    let (day, slot) = (within / PER_DAY, within % PER_DAY);
    monday()
        + Duration::weeks(week as i64)
        + Duration::days(day as i64)
        + Duration::hours(9)
        + Duration::minutes(40 * slot as i64)
}

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
    /// Builds the world: the service, an approved doctor with availability, a patient, and
    /// `size` appointments booked through [`ScheduleStore::book`] directly.
    pub async fn build(size: u64) -> Self {
        let store = MemoryStore::new();
        let now = monday() + Duration::hours(8);
        let clock = Arc::new(ManualClock::new(now));
        let hasher = Argon2Hasher::with_params(1024, 1, 1).expect("valid argon2 parameters");
        let svc = MedSync::builder(
            Arc::new(store.clone()),
            b"core-scaling-bench-secret-0123456789abcdef".to_vec(),
        )
        .clock(clock.clone())
        .hasher(Arc::new(hasher))
        .build()
        .expect("service builds");
        let admin = svc
            .bootstrap_admin("admin@bench.test", "Ada Admin", PASSWORD)
            .await
            .expect("bootstrap admin");
        let admin = actor(admin.id, Role::Admin, None);
        let doctor = svc
            .register(Registration {
                name: "Bench Doctor".into(),
                email: "doctor@bench.test".into(),
                password: PASSWORD.into(),
                role: Some(Role::Doctor),
                specialization: Some("General practice".into()),
                ..Default::default()
            })
            .await
            .expect("register doctor");
        svc.approve_user(&admin, doctor.id)
            .await
            .expect("approve doctor");
        let doctor_actor = actor(doctor.id, Role::Doctor, None);
        svc.set_availability(&doctor_actor, availability(doctor.id))
            .await
            .expect("set availability");
        let patient = svc
            .register(Registration {
                name: "Bench Patient".into(),
                email: "patient@bench.test".into(),
                password: PASSWORD.into(),
                role: Some(Role::Patient),
                patient: Some(PatientDetails {
                    name: "Bench Patient".into(),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await
            .expect("register patient");
        let patient = actor(patient.id, Role::Patient, patient.patient_id);

        let mut world = Self {
            store,
            svc,
            clock,
            doctor: doctor.id,
            patient,
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
        buffer_minutes: BUFFER_MIN,
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

fn actor(user_id: UserId, role: Role, patient_id: Option<PatientId>) -> Actor {
    Actor {
        user_id,
        role,
        patient_id,
    }
}

fn availability(doctor: UserId) -> Availability {
    let weekly = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]
    .into_iter()
    .map(|day| WeeklyRule {
        day,
        start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
    })
    .collect();
    Availability {
        doctor_id: doctor,
        timezone: chrono_tz::UTC,
        weekly,
        exceptions: vec![],
        slot_minutes: SLOT_MIN as u32,
        buffer_minutes: BUFFER_MIN,
    }
}
