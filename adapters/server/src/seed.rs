//! `--seed-demo`: demo doctors with availability and demo patients.

use chrono::{NaiveTime, Weekday};
use medsync_core::identity::{Role, Sex};
use medsync_core::policy::Actor;
use medsync_core::scheduling::{Availability, WeeklyRule};
use medsync_core::service::Registration;
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
    let (admin_email, admin_password) = match admin {
        Some(a) => a,
        None => {
            svc.bootstrap_admin(DEMO_ADMIN.1, DEMO_ADMIN.0, DEMO_PASSWORD)
                .await?;
            logins.push(login(Role::Admin, DEMO_ADMIN.0, DEMO_ADMIN.1));
            (DEMO_ADMIN.1, DEMO_PASSWORD)
        }
    };
    let admin = actor(svc, admin_email, admin_password).await?;
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
