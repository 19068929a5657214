//! A ready-made world for conformance cases: a pinned clock, a fast hasher, an admin, doctors
//! with availability and patients with accounts.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc, Weekday};

use crate::auth::Argon2Hasher;
use crate::clock::ManualClock;
use crate::identity::{PatientDetails, Role, User};
use crate::ids::{PatientId, UserId};
use crate::notify::CollectingNotifier;
use crate::policy::Actor;
use crate::scheduling::{Appointment, Availability, WeeklyRule};
use crate::service::{BookRequest, MedSync, Registration};
use crate::store::{FileStore, Store};

/// Monday 2026-03-02 08:00 UTC: the fixture clock's start.
pub const MONDAY: (i32, u32, u32) = (2026, 3, 2);

/// A password that passes the policy.
pub const PASSWORD: &str = "plum kettle orbit lantern";

/// Slot length (minutes) of [`weekday_availability`].
pub const SLOT_MINUTES: u32 = 30;

/// Buffer after each appointment (minutes) of [`weekday_availability`].
pub const BUFFER_MINUTES: u32 = 10;

/// The fixture doctors' week: Mon–Fri 09:00–17:00 UTC, [`SLOT_MINUTES`]-minute slots and a
/// [`BUFFER_MINUTES`]-minute buffer, no exceptions.
pub fn weekday_availability(doctor: UserId) -> Availability {
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
        start: NaiveTime::from_hms_opt(9, 0, 0).expect("valid time"),
        end: NaiveTime::from_hms_opt(17, 0, 0).expect("valid time"),
    })
    .collect();
    Availability {
        doctor_id: doctor,
        timezone: chrono_tz::UTC,
        weekly,
        exceptions: vec![],
        slot_minutes: SLOT_MINUTES,
        buffer_minutes: BUFFER_MINUTES,
    }
}

/// A confirmed appointment of `doctor` (who booked it) for `patient` from `start`, `minutes`
/// long and blocking `buffer` minutes more, created at the fixture clock's start — for tests
/// that call a store directly.
pub fn confirmed_appointment(
    doctor: UserId,
    patient: PatientId,
    start: DateTime<Utc>,
    minutes: i64,
    buffer: u32,
) -> Appointment {
    let created = Utc
        .with_ymd_and_hms(MONDAY.0, MONDAY.1, MONDAY.2, 8, 0, 0)
        .unwrap();
    Appointment {
        id: crate::ids::AppointmentId(uuid::Uuid::now_v7()),
        doctor_id: doctor,
        patient_id: patient,
        start,
        end: start + Duration::minutes(minutes),
        buffer_minutes: buffer,
        appointment_type: crate::scheduling::DEFAULT_APPOINTMENT_TYPE.into(),
        status: crate::scheduling::AppointmentStatus::Confirmed,
        hold_expires_at: None,
        reason: None,
        cancellation: None,
        idempotency_key: None,
        booked_by: doctor,
        version: 1,
        created_at: created,
        updated_at: created,
    }
}

/// A doctor with an account and [`weekday_availability`].
#[derive(Debug, Clone)]
pub struct FixtureDoctor {
    /// The doctor's user.
    pub user: User,
    /// The doctor as an actor.
    pub actor: Actor,
}

/// A patient with an account and a chart.
#[derive(Debug, Clone)]
pub struct FixturePatient {
    /// The patient's user.
    pub user: User,
    /// The patient as an actor.
    pub actor: Actor,
    /// Their chart.
    pub chart: PatientId,
}

/// The conformance world.
pub struct Fixture {
    /// The service under test.
    pub svc: MedSync,
    /// The pinned clock.
    pub clock: Arc<ManualClock>,
    /// What was delivered in real time.
    pub notifier: Arc<CollectingNotifier>,
    /// The bootstrap admin.
    pub admin: Actor,
}

fn actor(u: &User) -> Actor {
    Actor {
        user_id: u.id,
        role: u.role,
        patient_id: u.patient_id,
    }
}

impl Fixture {
    /// A service over `store` with the clock at Monday 08:00 UTC and an admin.
    pub async fn new(store: Arc<dyn Store>) -> Self {
        Self::build(store, None).await
    }

    /// Like [`Fixture::new`], with file storage for uploads.
    pub async fn with_files(store: Arc<dyn Store>, files: Arc<dyn FileStore>) -> Self {
        Self::build(store, Some(files)).await
    }

    async fn build(store: Arc<dyn Store>, files: Option<Arc<dyn FileStore>>) -> Self {
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(MONDAY.0, MONDAY.1, MONDAY.2, 8, 0, 0)
                .unwrap(),
        ));
        let notifier = Arc::new(CollectingNotifier::default());
        let mut builder =
            MedSync::builder(store, b"conformance-suite-secret-0123456789abcdef".to_vec());
        if let Some(files) = files {
            builder = builder.files(files);
        }
        let svc = builder
            .clock(clock.clone())
            .hasher(Arc::new(
                Argon2Hasher::with_params(1024, 1, 1).expect("valid argon2 params"),
            ))
            .notifier(notifier.clone())
            .build()
            .expect("service builds");
        let admin = svc
            .bootstrap_admin("admin@clinic.test", "Ada Admin", PASSWORD)
            .await
            .expect("bootstrap admin");
        Self {
            svc,
            clock,
            notifier,
            admin: actor(&admin),
        }
    }

    /// `hour:minute` UTC on the fixture Monday plus `days`.
    pub fn at(&self, days: i64, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(MONDAY.0, MONDAY.1, MONDAY.2, hour, minute, 0)
            .unwrap()
            + Duration::days(days)
    }

    /// Registers, approves and schedules a doctor.
    pub async fn doctor(&self, name: &str) -> FixtureDoctor {
        let email = format!("{}@clinic.test", name.to_lowercase().replace(' ', "."));
        let reg = Registration {
            name: name.into(),
            email,
            password: PASSWORD.into(),
            role: Some(Role::Doctor),
            specialization: Some("General practice".into()),
            ..Default::default()
        };
        let user = self.svc.register(reg).await.expect("register doctor");
        let user = self
            .svc
            .approve_user(&self.admin, user.id)
            .await
            .expect("approve doctor");
        let a = actor(&user);
        self.svc
            .set_availability(&a, weekday_availability(user.id))
            .await
            .expect("set availability");
        FixtureDoctor { user, actor: a }
    }

    /// Registers a patient (account + chart).
    pub async fn patient(&self, name: &str) -> FixturePatient {
        let reg = Registration {
            name: name.into(),
            email: format!("{}@mail.test", name.to_lowercase().replace(' ', ".")),
            password: PASSWORD.into(),
            role: Some(Role::Patient),
            patient: Some(PatientDetails {
                name: name.into(),
                date_of_birth: chrono::NaiveDate::from_ymd_opt(1980, 5, 17),
                ..Default::default()
            }),
            ..Default::default()
        };
        let user = self.svc.register(reg).await.expect("register patient");
        let chart = user.patient_id.expect("patient has a chart");
        FixturePatient {
            actor: actor(&user),
            user,
            chart,
        }
    }

    /// Registers an active user of `role` (caregiver or, after approval, nurse).
    pub async fn user(&self, name: &str, role: Role) -> Actor {
        let reg = Registration {
            name: name.into(),
            email: format!("{}@mail.test", name.to_lowercase().replace(' ', ".")),
            password: PASSWORD.into(),
            role: Some(role),
            ..Default::default()
        };
        let mut user = self.svc.register(reg).await.expect("register user");
        if matches!(role, Role::Doctor | Role::Nurse) {
            user = self
                .svc
                .approve_user(&self.admin, user.id)
                .await
                .expect("approve");
        }
        actor(&user)
    }

    /// A booking request of `minutes` starting at `start`.
    pub fn request(
        &self,
        doctor: UserId,
        patient: PatientId,
        start: DateTime<Utc>,
        minutes: i64,
    ) -> BookRequest {
        BookRequest {
            doctor_id: doctor,
            patient_id: Some(patient),
            start,
            end: start + Duration::minutes(minutes),
            reason: Some("check-up".into()),
            appointment_type: None,
            idempotency_key: None,
        }
    }

    /// Books (as the patient) and confirms a 30-minute appointment.
    pub async fn confirmed(
        &self,
        doctor: &FixtureDoctor,
        patient: &FixturePatient,
        start: DateTime<Utc>,
    ) -> Appointment {
        let a = self
            .svc
            .book(
                &patient.actor,
                self.request(doctor.user.id, patient.chart, start, 30),
            )
            .await
            .expect("book");
        self.svc
            .confirm(&patient.actor, a.id)
            .await
            .expect("confirm")
    }
}
