//! Helpers shared by this crate's integration tests.

#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use medsync_core::audit::{AuditEvent, Outcome};
use medsync_core::ids::{AppointmentId, AuditId, PatientId, UserId};
use medsync_core::scheduling::{Appointment, AppointmentStatus};
use uuid::Uuid;

/// A fresh store (with `pool_size` connections), or an early `return` that prints why the
/// test was skipped (no `DATABASE_URL`, outside CI only — under `CI` the factory panics).
#[macro_export]
macro_rules! store_or_skip {
    ($pool_size:expr) => {
        match medsync_storage_postgres::testing::fresh_postgres_store_with($pool_size).await {
            Some(s) => s,
            None => {
                eprintln!("skipped: no database configured (run scripts/test)");
                return;
            }
        }
    };
    () => {
        store_or_skip!(medsync_storage_postgres::testing::DEFAULT_POOL_SIZE)
    };
}

/// A pending hold of `minutes` at `start`, expiring at `hold`, booked by the doctor.
pub fn held(
    doctor: UserId,
    patient: PatientId,
    start: DateTime<Utc>,
    minutes: i64,
    hold: DateTime<Utc>,
) -> Appointment {
    Appointment {
        id: AppointmentId(Uuid::now_v7()),
        doctor_id: doctor,
        patient_id: patient,
        start,
        end: start + Duration::minutes(minutes),
        buffer_minutes: 10,
        appointment_type: "consultation".into(),
        status: AppointmentStatus::Pending,
        hold_expires_at: Some(hold),
        reason: None,
        cancellation: None,
        idempotency_key: None,
        booked_by: doctor,
        version: 1,
        created_at: start - Duration::days(1),
        updated_at: start - Duration::days(1),
    }
}

/// A confirmed appointment of `minutes` at `start`.
pub fn confirmed(
    doctor: UserId,
    patient: PatientId,
    start: DateTime<Utc>,
    minutes: i64,
) -> Appointment {
    Appointment {
        status: AppointmentStatus::Confirmed,
        hold_expires_at: None,
        ..held(doctor, patient, start, minutes, start)
    }
}

/// An allowed audit event for `action` at `at`.
pub fn event(action: &str, at: DateTime<Utc>) -> AuditEvent {
    AuditEvent {
        id: AuditId(Uuid::now_v7()),
        at,
        actor: None,
        actor_role: None,
        action: action.into(),
        resource_kind: "test".into(),
        resource_id: None,
        patient_id: None,
        outcome: Outcome::Allowed,
        detail: None,
    }
}
