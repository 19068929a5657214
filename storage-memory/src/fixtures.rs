//! Test fixtures: deterministic ids, instants and domain values.

use chrono::{DateTime, Duration, TimeZone, Utc};
use medsync_core::access::Grant;
use medsync_core::audit::{AuditEvent, Outcome};
use medsync_core::auth::RefreshToken;
use medsync_core::identity::{Contact, PasswordHash, Patient, Role, Sex, User, UserStatus};
use medsync_core::ids::{
    AppointmentId, AuditId, GrantId, NotificationId, PatientId, RefreshTokenId, TokenFamilyId,
    UserId,
};
use medsync_core::notify::{Notification, NotificationKind};
use medsync_core::policy::Action;
use medsync_core::scheduling::{Appointment, AppointmentStatus};
use uuid::Uuid;

/// 2026-03-02 at `h:m` UTC.
pub(crate) fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
}

/// Appointment id `n`.
pub(crate) fn id(n: u128) -> AppointmentId {
    AppointmentId(Uuid::from_u128(n))
}

/// User id `n`.
pub(crate) fn uid(n: u128) -> UserId {
    UserId(Uuid::from_u128(0x1_0000_0000 + n))
}

/// Chart id `n`.
pub(crate) fn pid(n: u128) -> PatientId {
    PatientId(Uuid::from_u128(0x2_0000_0000 + n))
}

/// An allowed audit event for `action`.
pub(crate) fn event(action: &str) -> AuditEvent {
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

/// A confirmed appointment `n` of `minutes` from `start`, no buffer, version 1.
pub(crate) fn appt(
    n: u128,
    doctor: UserId,
    patient: PatientId,
    start: DateTime<Utc>,
    minutes: i64,
) -> Appointment {
    Appointment {
        id: id(n),
        doctor_id: doctor,
        patient_id: patient,
        start,
        end: start + Duration::minutes(minutes),
        buffer_minutes: 0,
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

/// Like [`appt`] but a pending hold lapsing at `expires`.
pub(crate) fn held(
    n: u128,
    doctor: UserId,
    patient: PatientId,
    start: DateTime<Utc>,
    minutes: i64,
    expires: DateTime<Utc>,
) -> Appointment {
    Appointment {
        status: AppointmentStatus::Pending,
        hold_expires_at: Some(expires),
        ..appt(n, doctor, patient, start, minutes)
    }
}

/// An active user `n` with `email` and `role`.
pub(crate) fn user(n: u128, email: &str, role: Role) -> User {
    User {
        id: uid(n),
        email: email.to_owned(),
        name: format!("User {n}"),
        role,
        status: UserStatus::Active,
        password_hash: PasswordHash("$argon2id$secret-hash".to_owned()),
        patient_id: None,
        specialization: None,
        created_at: at(6, 0),
        updated_at: at(6, 0),
        version: 1,
    }
}

/// Chart `n` named `name` with `mrn`, owned by `owner`.
pub(crate) fn chart(n: u128, name: &str, mrn: &str, owner: Option<UserId>) -> Patient {
    Patient {
        id: pid(n),
        name: name.to_owned(),
        date_of_birth: None,
        sex: Sex::Unknown,
        contact: Contact::default(),
        mrn: mrn.to_owned(),
        user_id: owner,
        archived_at: None,
        created_at: at(6, 0),
        updated_at: at(6, 0),
        version: 1,
    }
}

/// A fresh refresh token `n` of `family` for `user`, expiring at `expires`.
pub(crate) fn refresh(
    n: u128,
    family: u128,
    user: UserId,
    hash: &str,
    expires: DateTime<Utc>,
) -> RefreshToken {
    RefreshToken {
        id: RefreshTokenId(Uuid::from_u128(n)),
        family_id: TokenFamilyId(Uuid::from_u128(family)),
        user_id: user,
        token_hash: hash.to_owned(),
        issued_at: at(8, 0),
        expires_at: expires,
        rotated_at: None,
        revoked_at: None,
    }
}

/// Grant `n` of `actions` on `patient` to `grantee`, expiring at `expires`.
pub(crate) fn grant(
    n: u128,
    patient: PatientId,
    grantee: UserId,
    actions: &[Action],
    expires: Option<DateTime<Utc>>,
) -> Grant {
    Grant {
        id: GrantId(Uuid::from_u128(n)),
        patient_id: patient,
        grantee,
        actions: actions.iter().copied().collect(),
        granted_by: uid(999),
        created_at: at(7, 0),
        expires_at: expires,
        revoked_at: None,
    }
}

/// Unread notification `n` for `user`, raised at `created_at`.
pub(crate) fn notification(n: u128, user: UserId, created_at: DateTime<Utc>) -> Notification {
    Notification {
        id: NotificationId(Uuid::from_u128(n)),
        user_id: user,
        kind: NotificationKind::AppointmentBooked,
        message: format!("notification {n}"),
        data: Default::default(),
        created_at,
        read_at: None,
    }
}
