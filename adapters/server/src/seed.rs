//! `--seed-demo`: demo doctors with availability and demo patients.
//! `--seed-appointments N` (development only): N appointments for load and memory tests.

use chrono::{DateTime, Duration, NaiveTime, Utc, Weekday};
use futures::{StreamExt as _, TryStreamExt as _};
use medsync_core::identity::{PatientDetails, Role, Sex};
use medsync_core::ids::PatientId;
use medsync_core::policy::Actor;
use medsync_core::scheduling::{Availability, WeeklyRule};
use medsync_core::service::{BookRequest, Registration};
use medsync_core::{Error, MedSync};

/// The password of every demo account (a passphrase, so it satisfies the policy).
pub const DEMO_PASSWORD: &str = "maple harbor signal lantern";

/// The demo admin, used when no admin is configured.
const DEMO_ADMIN: (&str, &str) = ("Demo Admin", "admin@demo-clinic.example");

const DOCTORS: [(&str, &str, &str); 3] = [
    (
        "Amara Okafor",
        "amara.okafor@demo-clinic.example",
        "Cardiology",
    ),
    (
        "Lucas Moreau",
        "lucas.moreau@demo-clinic.example",
        "Dermatology",
    ),
    (
        "Priya Raman",
        "priya.raman@demo-clinic.example",
        "Family medicine",
    ),
];

const PATIENTS: [(&str, &str, &str, Sex); 2] = [
    (
        "Jordan Lee",
        "jordan.lee@demo-mail.example",
        "1985-04-12",
        Sex::Female,
    ),
    (
        "Sam Rivera",
        "sam.rivera@demo-mail.example",
        "1992-11-03",
        Sex::Male,
    ),
];

/// One demo login, for the printed table.
#[derive(Debug, Clone)]
pub struct Login {
    /// Role.
    pub role: Role,
    /// Name.
    pub name: String,
    /// Email (the password is [`DEMO_PASSWORD`]).
    pub email: String,
}

/// Seeds the demo data. `admin` is the configured admin's login, if any; otherwise a demo
/// admin is created. Accounts that exist already are left alone.
pub async fn seed(svc: &MedSync, admin: Option<(&str, &str)>) -> Result<Vec<Login>, Error> {
    let mut logins = Vec::new();
    let admin = admin_actor(svc, admin, &mut logins).await?;
    for (name, email, specialization) in DOCTORS {
        let created = register(
            svc,
            Registration {
                name: name.into(),
                email: email.into(),
                password: DEMO_PASSWORD.into(),
                role: Some(Role::Doctor),
                specialization: Some(specialization.into()),
                ..Default::default()
            },
        )
        .await?;
        if let Some(user) = created {
            svc.approve_user(&admin, user.id).await?;
            svc.set_availability(&admin, weekdays(user.id)).await?;
        }
        logins.push(login(Role::Doctor, name, email));
    }
    for (name, email, dob, sex) in PATIENTS {
        register(
            svc,
            Registration {
                name: name.into(),
                email: email.into(),
                password: DEMO_PASSWORD.into(),
                patient: Some(medsync_core::identity::PatientDetails {
                    name: name.into(),
                    date_of_birth: dob.parse().ok(),
                    sex: Some(sex),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await?;
        logins.push(login(Role::Patient, name, email));
    }
    Ok(logins)
}

/// The configured admin, or the demo admin (created if absent, and listed in `logins`).
async fn admin_actor(
    svc: &MedSync,
    admin: Option<(&str, &str)>,
    logins: &mut Vec<Login>,
) -> Result<Actor, Error> {
    let (email, password) = match admin {
        Some(a) => a,
        None => {
            svc.bootstrap_admin(DEMO_ADMIN.1, DEMO_ADMIN.0, DEMO_PASSWORD)
                .await?;
            logins.push(login(Role::Admin, DEMO_ADMIN.0, DEMO_ADMIN.1));
            (DEMO_ADMIN.1, DEMO_PASSWORD)
        }
    };
    actor(svc, email, password).await
}

fn login(role: Role, name: &str, email: &str) -> Login {
    Login {
        role,
        name: name.into(),
        email: email.into(),
    }
}

/// Registers, or `None` when the email is taken (seeded before).
async fn register(
    svc: &MedSync,
    reg: Registration,
) -> Result<Option<medsync_core::identity::User>, Error> {
    match svc.register(reg).await {
        Ok(u) => Ok(Some(u)),
        Err(Error::Conflict { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn actor(svc: &MedSync, email: &str, password: &str) -> Result<Actor, Error> {
    let tokens = svc.login(email, password).await?;
    svc.authenticate(&tokens.access_token).await
}

/// Monday to Friday, 09:00–17:00 New York time, 30-minute slots, 10-minute buffer.
fn weekdays(doctor: medsync_core::ids::UserId) -> Availability {
    let (nine, five) = (
        NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
        NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default(),
    );
    Availability {
        doctor_id: doctor,
        timezone: chrono_tz::America::New_York,
        weekly: [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ]
        .map(|day| WeeklyRule {
            day,
            start: nine,
            end: five,
        })
        .to_vec(),
        exceptions: Vec::new(),
        slot_minutes: 30,
        buffer_minutes: 10,
    }
}

/// Appointments per seeded doctor before another doctor is added (at most [`MAX_LOAD_DOCTORS`]).
const APPOINTMENTS_PER_DOCTOR: u64 = 10_000;
/// The most doctors `--seed-appointments` creates.
const MAX_LOAD_DOCTORS: u64 = 100;
/// Patient charts each seeded doctor creates and books for.
const PATIENTS_PER_DOCTOR: u64 = 10;
/// Length of a seeded appointment; also the seeded doctors' slot length.
const LOAD_SLOT_MINUTES: u32 = 15;
/// Seeded appointments per doctor and day: 00:00, 00:15 … 23:30 UTC (the window ends 23:59).
const LOAD_SLOTS_PER_DAY: u64 = 95;
/// How many bookings are in flight at once while seeding.
const LOAD_CONCURRENCY: usize = 8;

/// What [`seed_appointments`] created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadSeed {
    /// Appointments booked (all `pending`).
    pub appointments: u64,
    /// Doctors created (open every day 00:00–23:59 UTC, 15-minute slots, no buffer).
    pub doctors: u64,
    /// Patient charts created (without accounts), ten per doctor.
    pub patients: u64,
}

/// `--seed-appointments N`: books `n` appointments through the service, so audit entries,
/// notifications and every index are the real ones. Meant for load and memory tests on a
/// fresh store (the seeded emails must be free). `admin` is the configured admin's login;
/// without one the demo admin is created.
///
/// Creates `ceil(n / 10 000)` doctors (1 to 100) open every day 00:00–23:59 UTC; each creates
/// ten patient charts (so it is on their care team, like a clinic booking for its patients)
/// and books its own calendar for them. Appointment `j` (0-based) is 15 minutes with doctor
/// `j mod doctors`, in that doctor's `s = j div doctors`-th slot counting from tomorrow
/// 00:00 UTC (95 a day), for the doctor's chart `s mod 10`: a chart only ever books with its
/// own doctor, whose slots never repeat, so nothing overlaps. All are `pending` holds (they
/// expire after the configured hold time, like any hold).
pub async fn seed_appointments(
    svc: &MedSync,
    admin: Option<(&str, &str)>,
    n: u64,
) -> Result<LoadSeed, Error> {
    let admin = admin_actor(svc, admin, &mut Vec::new()).await?;
    let doctors = n
        .div_ceil(APPOINTMENTS_PER_DOCTOR)
        .clamp(1, MAX_LOAD_DOCTORS);
    let clinics: Vec<LoadDoctor> =
        futures::future::try_join_all((0..doctors).map(|i| load_doctor(svc, &admin, i))).await?;
    let day0 = (Utc::now() + Duration::days(1))
        .date_naive()
        .and_time(NaiveTime::MIN)
        .and_utc();
    let clinics = &clinics;
    futures::stream::iter(0..n)
        .map(Ok)
        .try_for_each_concurrent(LOAD_CONCURRENCY, |j| async move {
            let (doctor, req) = load_booking(day0, clinics, j);
            svc.book(&doctor.actor, req).await?;
            if (j + 1) % 100_000 == 0 {
                tracing::info!(booked = j + 1, of = n, "seeding appointments");
            }
            Ok(())
        })
        .await?;
    Ok(LoadSeed {
        appointments: n,
        doctors,
        patients: doctors * PATIENTS_PER_DOCTOR,
    })
}

/// A seeded doctor, logged in, with the charts it created.
struct LoadDoctor {
    actor: Actor,
    charts: Vec<PatientId>,
}

/// Registers, approves and opens seeded doctor `i`, logs it in and lets it create its charts.
async fn load_doctor(svc: &MedSync, admin: &Actor, i: u64) -> Result<LoadDoctor, Error> {
    let email = format!("load.doctor.{i}@seed.example");
    let user = svc
        .register(Registration {
            name: format!("Load Doctor {i}"),
            email: email.clone(),
            password: DEMO_PASSWORD.into(),
            role: Some(Role::Doctor),
            specialization: Some("Load testing".into()),
            ..Default::default()
        })
        .await?;
    svc.approve_user(admin, user.id).await?;
    let (start, end) = (
        NaiveTime::MIN,
        NaiveTime::from_hms_opt(23, 59, 0).unwrap_or_default(),
    );
    let weekly = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]
    .map(|day| WeeklyRule { day, start, end })
    .to_vec();
    svc.set_availability(
        admin,
        Availability {
            doctor_id: user.id,
            timezone: chrono_tz::UTC,
            weekly,
            exceptions: Vec::new(),
            slot_minutes: LOAD_SLOT_MINUTES,
            buffer_minutes: 0,
        },
    )
    .await?;
    let actor = actor(svc, &email, DEMO_PASSWORD).await?;
    let mut charts = Vec::new();
    for c in 0..PATIENTS_PER_DOCTOR {
        let details = PatientDetails {
            name: format!("Load Patient {i}-{c}"),
            ..Default::default()
        };
        charts.push(svc.create_patient(&actor, details).await?.id);
    }
    Ok(LoadDoctor { actor, charts })
}

/// The `j`-th seeded booking and the doctor who makes it (see [`seed_appointments`]).
fn load_booking(day0: DateTime<Utc>, doctors: &[LoadDoctor], j: u64) -> (&LoadDoctor, BookRequest) {
    let count = doctors.len() as u64;
    let doctor = &doctors[(j % count) as usize];
    let slot = j / count;
    let day = Duration::days((slot / LOAD_SLOTS_PER_DAY) as i64);
    let length = Duration::minutes(i64::from(LOAD_SLOT_MINUTES));
    let start = day0 + day + length * ((slot % LOAD_SLOTS_PER_DAY) as i32);
    let chart = doctor.charts[(slot % doctor.charts.len() as u64) as usize];
    let req = BookRequest {
        doctor_id: doctor.actor.user_id,
        patient_id: Some(chart),
        start,
        end: start + length,
        reason: None,
        appointment_type: None,
        idempotency_key: None,
    };
    (doctor, req)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use medsync_core::auth::Argon2Hasher;
    use medsync_core::scheduling::AppointmentStatus;
    use medsync_core::service::AppointmentQuery;
    use medsync_core::store::Page;
    use medsync_storage_memory::MemoryStore;

    use super::*;

    fn service() -> MedSync {
        MedSync::builder(
            Arc::new(MemoryStore::new()),
            "test-secret-of-at-least-32-bytes!!",
        )
        .hasher(Arc::new(Argon2Hasher::with_params(1024, 1, 1).unwrap()))
        .build()
        .unwrap()
    }

    #[tokio::test]
    async fn seeds_distinct_pending_appointments_through_the_service() {
        let svc = service();
        // Just over one doctor's share: two doctors, twenty charts.
        let seeded = seed_appointments(&svc, None, 10_001).await.unwrap();
        assert_eq!(
            seeded,
            LoadSeed {
                appointments: 10_001,
                doctors: 2,
                patients: 20
            }
        );
        let admin = actor(&svc, DEMO_ADMIN.1, DEMO_PASSWORD).await.unwrap();
        let mut all = Vec::new();
        loop {
            let page = Page {
                offset: all.len() as u64,
                limit: Page::MAX_LIMIT,
            };
            let rows = svc
                .list_appointments(&admin, AppointmentQuery::default(), page)
                .await
                .unwrap();
            if rows.is_empty() {
                break;
            }
            all.extend(rows);
        }
        assert_eq!(all.len(), 10_001);
        assert!(all.iter().all(|a| a.status == AppointmentStatus::Pending));
        let doctors: HashSet<_> = all.iter().map(|a| a.doctor_id).collect();
        let patients: HashSet<_> = all.iter().map(|a| a.patient_id).collect();
        assert_eq!((doctors.len(), patients.len()), (2, 20));
        // Every booking went through the service: audited in the verified hash chains.
        let report = svc.verify_audit_chain().await.unwrap();
        assert!(report.ok && report.entries_checked > 10_001, "{report:?}");
    }
}
