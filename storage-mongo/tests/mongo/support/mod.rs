//! Deterministic domain values for this crate's own integration tests.

#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use medsync_core::audit::{AuditEvent, Outcome};
use medsync_core::identity::{Contact, PasswordHash, Patient, Role, Sex, User, UserStatus};
use medsync_core::ids::{AppointmentId, AuditId, NotificationId, PatientId, UserId};
use medsync_core::notify::{Notification, NotificationKind};
use medsync_core::scheduling::{Appointment, AppointmentStatus};
use uuid::Uuid;

/// 2026-03-02 at `h:m` UTC.
pub fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
}

/// User id `n`.
pub fn uid(n: u128) -> UserId {
    UserId(Uuid::from_u128(0x1_0000_0000 + n))
}

/// Chart id `n`.
pub fn pid(n: u128) -> PatientId {
    PatientId(Uuid::from_u128(0x2_0000_0000 + n))
}

/// Appointment id `n`.
pub fn aid(n: u128) -> AppointmentId {
    AppointmentId(Uuid::from_u128(0x3_0000_0000 + n))
}

/// An allowed audit event for `action` with a fresh id.
pub fn event(action: &str) -> AuditEvent {
    AuditEvent {
        id: AuditId(Uuid::now_v7()),
        at: at(8, 0),
        actor: Some(uid(999)),
        actor_role: Some(Role::Admin),
        action: action.to_owned(),
        resource_kind: action.split('.').next().unwrap_or("test").to_owned(),
        resource_id: None,
        patient_id: None,
        outcome: Outcome::Allowed,
        detail: None,
    }
}

/// An active user `n` with `email` and `role`.
pub fn user(n: u128, email: &str, role: Role) -> User {
    User {
        id: uid(n),
        email: email.to_owned(),
        name: format!("User {n}"),
        role,
        status: UserStatus::Active,
        password_hash: PasswordHash("$argon2id$secret-hash".to_owned()),
        patient_id: None,
        specialization: None,
        created_at: at(6, 0) + Duration::seconds(n as i64),
        updated_at: at(6, 0),
        version: 1,
    }
}

/// Chart `n` named `name` with `mrn`.
pub fn chart(n: u128, name: &str, mrn: &str) -> Patient {
    Patient {
        id: pid(n),
        name: name.to_owned(),
        date_of_birth: None,
        sex: Sex::Unknown,
        contact: Contact::default(),
        mrn: mrn.to_owned(),
        user_id: None,
        archived_at: None,
        created_at: at(6, 0),
        updated_at: at(6, 0),
        version: 1,
    }
}

/// A confirmed appointment `n` of `minutes` from `start`, 10 minutes of buffer, version 1.
pub fn appt(
    n: u128,
    doctor: UserId,
    patient: PatientId,
    start: DateTime<Utc>,
    minutes: i64,
) -> Appointment {
    Appointment {
        id: aid(n),
        doctor_id: doctor,
        patient_id: patient,
        start,
        end: start + Duration::minutes(minutes),
        buffer_minutes: 10,
        appointment_type: "consultation".into(),
        status: AppointmentStatus::Confirmed,
        hold_expires_at: None,
        reason: None,
        cancellation: None,
        idempotency_key: None,
        booked_by: uid(999),
        version: 1,
        created_at: at(7, 0),
        updated_at: at(7, 0),
    }
}

/// A notification `n` for `user` raised at `created_at`.
pub fn notification(n: u128, user: UserId, created_at: DateTime<Utc>) -> Notification {
    Notification {
        id: NotificationId(Uuid::from_u128(0x4_0000_0000 + n)),
        user_id: user,
        kind: NotificationKind::AppointmentBooked,
        message: format!("message {n}"),
        data: serde_json::json!({"n": n as u64, "nested": {"$gt": ""}, "x": 1.5}),
        created_at,
        read_at: None,
    }
}

/// The server error code of `r`'s write error, if it failed with one (`None` if it
/// succeeded).
///
/// # Panics
/// When `r` failed with anything but a write error.
pub fn write_error_code<T>(r: mongodb::error::Result<T>) -> Option<i32> {
    use mongodb::error::{ErrorKind, WriteFailure};
    match r.err()?.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => Some(w.code),
        other => panic!("expected a write error, got {other:?}"),
    }
}
