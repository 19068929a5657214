//! Builders shared by the scheduling tests.

use chrono::{DateTime, Duration, NaiveTime, TimeZone as _, Utc, Weekday};
use chrono_tz::Tz;
use uuid::Uuid;

use crate::identity::Role;
use crate::ids::{AppointmentId, PatientId, UserId};
use crate::policy::Actor;
use crate::scheduling::{Appointment, AppointmentStatus, Availability, TimeOff, WeeklyRule};

/// A UTC instant.
pub(super) fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("valid test instant")
}

/// A wall time.
pub(super) fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid test time")
}

/// A weekly rule.
pub(super) fn rule(day: Weekday, start: (u32, u32), end: (u32, u32)) -> WeeklyRule {
    WeeklyRule {
        day,
        start: hm(start.0, start.1),
        end: hm(end.0, end.1),
    }
}

/// The test doctor's id.
pub(super) fn doctor() -> UserId {
    UserId(Uuid::from_u128(1))
}

/// An availability in `tz` with the given rules, no exceptions.
pub(super) fn availability(
    tz: Tz,
    weekly: Vec<WeeklyRule>,
    slot: u32,
    buffer: u32,
) -> Availability {
    Availability {
        doctor_id: doctor(),
        timezone: tz,
        weekly,
        exceptions: Vec::new(),
        slot_minutes: slot,
        buffer_minutes: buffer,
    }
}

/// Time off `[start, end)`.
pub(super) fn time_off(start: DateTime<Utc>, end: DateTime<Utc>) -> TimeOff {
    TimeOff {
        start,
        end,
        reason: None,
    }
}

/// A confirmed appointment of the test doctor `[start, end)` with `buffer` minutes.
pub(super) fn appointment(start: DateTime<Utc>, end: DateTime<Utc>, buffer: u32) -> Appointment {
    Appointment {
        id: AppointmentId(Uuid::from_u128(100)),
        doctor_id: doctor(),
        patient_id: PatientId(Uuid::from_u128(200)),
        start,
        end,
        buffer_minutes: buffer,
        appointment_type: "consultation".into(),
        status: AppointmentStatus::Confirmed,
        hold_expires_at: None,
        reason: None,
        cancellation: None,
        idempotency_key: None,
        booked_by: UserId(Uuid::from_u128(300)),
        version: 1,
        created_at: start - Duration::days(7),
        updated_at: start - Duration::days(7),
    }
}

/// The same appointment as a pending hold lapsing at `hold`.
pub(super) fn pending(mut a: Appointment, hold: DateTime<Utc>) -> Appointment {
    a.status = AppointmentStatus::Pending;
    a.hold_expires_at = Some(hold);
    a
}

/// An actor.
pub(super) fn actor(role: Role) -> Actor {
    Actor {
        user_id: UserId(Uuid::from_u128(42)),
        role,
        patient_id: None,
    }
}

/// The starts of `slots`.
pub(super) fn starts(slots: &[crate::scheduling::Slot]) -> Vec<DateTime<Utc>> {
    slots.iter().map(|s| s.start).collect()
}
