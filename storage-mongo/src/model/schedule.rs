//! Availability and appointments.

use chrono_tz::Tz;
use medsync_core::identity::Role;
use medsync_core::ids::{AppointmentId, PatientId, UserId};
use medsync_core::scheduling::{
    Appointment, AppointmentStatus, Availability, Cancellation, TimeOff, WeeklyRule,
};
use serde::{Deserialize, Serialize};

use crate::convert::{bdate, bdate_opt, bid, cdate, cdate_opt, i64_of, u64_of, uid};

/// A doctor's availability in `availability` (`_id` is the doctor).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AvailabilityDoc {
    #[serde(rename = "_id")]
    pub(crate) doctor_id: bson::Uuid,
    /// IANA name.
    pub(crate) timezone: Tz,
    /// Weekday names and local times as strings.
    pub(crate) weekly: Vec<WeeklyRule>,
    pub(crate) exceptions: Vec<TimeOffDoc>,
    pub(crate) slot_minutes: i64,
    pub(crate) buffer_minutes: i64,
}

/// A period of time off.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TimeOffDoc {
    pub(crate) start: bson::DateTime,
    pub(crate) end: bson::DateTime,
    pub(crate) reason: Option<String>,
}

/// A minute count as stored, back as `u32` (out-of-range values saturate).
fn minutes(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

impl From<&Availability> for AvailabilityDoc {
    fn from(a: &Availability) -> Self {
        Self {
            doctor_id: bid(a.doctor_id.0),
            timezone: a.timezone,
            weekly: a.weekly.clone(),
            exceptions: a
                .exceptions
                .iter()
                .map(|t| TimeOffDoc {
                    start: bdate(t.start),
                    end: bdate(t.end),
                    reason: t.reason.clone(),
                })
                .collect(),
            slot_minutes: i64::from(a.slot_minutes),
            buffer_minutes: i64::from(a.buffer_minutes),
        }
    }
}

impl From<AvailabilityDoc> for Availability {
    fn from(d: AvailabilityDoc) -> Self {
        Self {
            doctor_id: UserId(uid(d.doctor_id)),
            timezone: d.timezone,
            weekly: d.weekly,
            exceptions: d
                .exceptions
                .into_iter()
                .map(|t| TimeOff {
                    start: cdate(t.start),
                    end: cdate(t.end),
                    reason: t.reason,
                })
                .collect(),
            slot_minutes: minutes(d.slot_minutes),
            buffer_minutes: minutes(d.buffer_minutes),
        }
    }
}

/// Who cancelled an appointment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CancellationDoc {
    pub(crate) by: bson::Uuid,
    pub(crate) by_role: Role,
    pub(crate) reason: Option<String>,
    pub(crate) at: bson::DateTime,
}

/// An appointment in `appointments`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AppointmentDoc {
    #[serde(rename = "_id")]
    pub(crate) id: bson::Uuid,
    pub(crate) doctor_id: bson::Uuid,
    pub(crate) patient_id: bson::Uuid,
    pub(crate) start: bson::DateTime,
    pub(crate) end: bson::DateTime,
    /// `end + buffer_minutes`: the end of the doctor's blocked interval (for collision
    /// queries).
    pub(crate) block_end: bson::DateTime,
    pub(crate) buffer_minutes: i64,
    pub(crate) appointment_type: String,
    pub(crate) status: AppointmentStatus,
    pub(crate) hold_expires_at: Option<bson::DateTime>,
    pub(crate) reason: Option<String>,
    pub(crate) cancellation: Option<CancellationDoc>,
    /// Absent (not null) when unset, so the partial unique index ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) idempotency_key: Option<String>,
    pub(crate) booked_by: bson::Uuid,
    pub(crate) version: i64,
    pub(crate) created_at: bson::DateTime,
    pub(crate) updated_at: bson::DateTime,
}

impl From<&Appointment> for AppointmentDoc {
    fn from(a: &Appointment) -> Self {
        Self {
            id: bid(a.id.0),
            doctor_id: bid(a.doctor_id.0),
            patient_id: bid(a.patient_id.0),
            start: bdate(a.start),
            end: bdate(a.end),
            block_end: bdate(a.doctor_block_end()),
            buffer_minutes: i64::from(a.buffer_minutes),
            appointment_type: a.appointment_type.clone(),
            status: a.status,
            hold_expires_at: bdate_opt(a.hold_expires_at),
            reason: a.reason.clone(),
            cancellation: a.cancellation.as_ref().map(|c| CancellationDoc {
                by: bid(c.by.0),
                by_role: c.by_role,
                reason: c.reason.clone(),
                at: bdate(c.at),
            }),
            idempotency_key: a.idempotency_key.clone(),
            booked_by: bid(a.booked_by.0),
            version: i64_of(a.version),
            created_at: bdate(a.created_at),
            updated_at: bdate(a.updated_at),
        }
    }
}

impl From<AppointmentDoc> for Appointment {
    fn from(d: AppointmentDoc) -> Self {
        Self {
            id: AppointmentId(uid(d.id)),
            doctor_id: UserId(uid(d.doctor_id)),
            patient_id: PatientId(uid(d.patient_id)),
            start: cdate(d.start),
            end: cdate(d.end),
            buffer_minutes: minutes(d.buffer_minutes),
            appointment_type: d.appointment_type,
            status: d.status,
            hold_expires_at: cdate_opt(d.hold_expires_at),
            reason: d.reason,
            cancellation: d.cancellation.map(|c| Cancellation {
                by: UserId(uid(c.by)),
                by_role: c.by_role,
                reason: c.reason,
                at: cdate(c.at),
            }),
            idempotency_key: d.idempotency_key,
            booked_by: UserId(uid(d.booked_by)),
            version: u64_of(d.version),
            created_at: cdate(d.created_at),
            updated_at: cdate(d.updated_at),
        }
    }
}
