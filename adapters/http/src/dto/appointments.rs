//! Appointments.

use chrono::{DateTime, Utc};
use medsync_core::ids::{PatientId, UserId};
use medsync_core::scheduling::{Appointment, AppointmentStatus, Cancellation};
use medsync_core::service::{AppointmentQuery, BookRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::users::RoleDto;
use crate::error::ApiError;

/// Lifecycle state of an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatusDto {
    /// A hold awaiting confirmation (see `hold_expires_at`).
    Pending,
    /// Confirmed.
    Confirmed,
    /// Took place.
    Completed,
    /// Cancelled.
    Cancelled,
    /// The patient did not come.
    NoShow,
    /// The hold lapsed.
    Expired,
}

impl From<AppointmentStatus> for AppointmentStatusDto {
    fn from(s: AppointmentStatus) -> Self {
        match s {
            AppointmentStatus::Pending => Self::Pending,
            AppointmentStatus::Confirmed => Self::Confirmed,
            AppointmentStatus::Completed => Self::Completed,
            AppointmentStatus::Cancelled => Self::Cancelled,
            AppointmentStatus::NoShow => Self::NoShow,
            AppointmentStatus::Expired => Self::Expired,
        }
    }
}

impl From<AppointmentStatusDto> for AppointmentStatus {
    fn from(s: AppointmentStatusDto) -> Self {
        match s {
            AppointmentStatusDto::Pending => Self::Pending,
            AppointmentStatusDto::Confirmed => Self::Confirmed,
            AppointmentStatusDto::Completed => Self::Completed,
            AppointmentStatusDto::Cancelled => Self::Cancelled,
            AppointmentStatusDto::NoShow => Self::NoShow,
            AppointmentStatusDto::Expired => Self::Expired,
        }
    }
}

/// Who cancelled and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CancellationDto {
    /// The user who cancelled.
    pub by: Uuid,
    /// Their role.
    pub by_role: RoleDto,
    /// The reason given.
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<Cancellation> for CancellationDto {
    fn from(c: Cancellation) -> Self {
        Self {
            by: c.by.0,
            by_role: c.by_role.into(),
            reason: c.reason,
            at: c.at,
        }
    }
}

/// An appointment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AppointmentDto {
    /// Id.
    pub id: Uuid,
    /// The doctor's user id.
    pub doctor_id: Uuid,
    /// The patient's chart.
    pub patient_id: Uuid,
    /// Start (UTC).
    pub start: DateTime<Utc>,
    /// End (UTC).
    pub end: DateTime<Utc>,
    /// Lifecycle state.
    pub status: AppointmentStatusDto,
    /// For `pending`: when the hold lapses unless confirmed.
    pub hold_expires_at: Option<DateTime<Utc>>,
    /// Version (also the `ETag`).
    pub version: u64,
    /// Reason for the visit.
    pub reason: Option<String>,
    /// Visit type, e.g. `consultation`.
    pub appointment_type: String,
    /// Set when cancelled.
    pub cancellation: Option<CancellationDto>,
    /// The doctor's buffer after the visit, in minutes.
    pub buffer_minutes: u32,
    /// Who booked.
    pub booked_by: Uuid,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change time.
    pub updated_at: DateTime<Utc>,
}

impl From<Appointment> for AppointmentDto {
    fn from(a: Appointment) -> Self {
        Self {
            id: a.id.0,
            doctor_id: a.doctor_id.0,
            patient_id: a.patient_id.0,
            start: a.start,
            end: a.end,
            status: a.status.into(),
            hold_expires_at: a.hold_expires_at,
            version: a.version,
            reason: a.reason,
            appointment_type: a.appointment_type,
            cancellation: a.cancellation.map(Into::into),
            buffer_minutes: a.buffer_minutes,
            booked_by: a.booked_by.0,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// A booking. Send an `Idempotency-Key` header to make retries safe.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookBody {
    /// The doctor's user id (an active doctor).
    pub doctor_id: Uuid,
    /// The chart; defaults to the caller's own (patients). Required when the caller has no
    /// chart of their own (clinicians, admins, caregivers).
    pub patient_id: Option<Uuid>,
    /// Start: on a whole minute (seconds and fractions zero), in the future, inside the
    /// doctor's weekly availability.
    #[schema(example = "2030-01-07T15:00:00Z")]
    pub start: DateTime<Utc>,
    /// End: on a whole minute, after `start`, at most 8 hours later by default (the embedder
    /// may configure another limit), inside the same availability window.
    #[schema(example = "2030-01-07T15:30:00Z")]
    pub end: DateTime<Utc>,
    /// Reason for the visit (at most 500 characters; blank counts as absent).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
    /// Visit type (default `consultation`): 1 to 64 ASCII letters, digits, `_` or `-`.
    #[schema(pattern = r"^[A-Za-z0-9_-]{1,64}$", example = "consultation")]
    pub appointment_type: Option<String>,
}

impl BookBody {
    /// The service's booking request.
    pub fn into_core(self, idempotency_key: Option<String>) -> BookRequest {
        BookRequest {
            doctor_id: UserId(self.doctor_id),
            patient_id: self.patient_id.map(PatientId),
            start: self.start,
            end: self.end,
            reason: self.reason,
            appointment_type: self.appointment_type,
            idempotency_key,
        }
    }
}

/// A new interval for an appointment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleBody {
    /// New start: on a whole minute, in the future, inside the doctor's weekly availability.
    #[schema(example = "2030-01-07T16:00:00Z")]
    pub start: DateTime<Utc>,
    /// New end: on a whole minute, after `start`, at most 8 hours later by default, inside
    /// the same availability window.
    #[schema(example = "2030-01-07T16:30:00Z")]
    pub end: DateTime<Utc>,
}

/// Why an appointment is cancelled (optional body of `DELETE`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// The reason (at most 500 characters after trimming; blank counts as absent).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// `?reason=` of `DELETE /api/appointments/{id}`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CancelQuery {
    /// The reason (a JSON body's `reason` wins; at most 500 characters after trimming).
    #[param(max_length = 500)]
    pub reason: Option<String>,
}

/// Filters of the appointment list (narrowed to what the caller may see).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppointmentListQuery {
    /// Only this doctor's.
    pub doctor_id: Option<Uuid>,
    /// Only this chart's.
    pub patient_id: Option<Uuid>,
    /// Only appointments ending after (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only appointments starting before (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Only these statuses, comma-separated (`pending,confirmed`).
    #[param(
        pattern = r"^(pending|confirmed|completed|cancelled|no_show|expired)(,(pending|confirmed|completed|cancelled|no_show|expired))*$",
        example = "pending,confirmed"
    )]
    pub status: Option<String>,
    /// Rows to skip (default 0).
    pub offset: Option<u64>,
    /// Page size (default 50); larger values are treated as 500, and 0 as 1.
    pub limit: Option<u32>,
}

impl AppointmentListQuery {
    /// The service's query; an unknown status answers 422 on `status`.
    pub fn to_core(&self) -> Result<AppointmentQuery, ApiError> {
        let statuses = match &self.status {
            None => None,
            Some(list) => Some(
                list.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        serde_json::from_value::<AppointmentStatusDto>(serde_json::Value::from(s))
                            .map(AppointmentStatus::from)
                            .map_err(|_| {
                                ApiError::invalid(
                                    "status",
                                    "must be a comma-separated list of pending, confirmed, \
                                     completed, cancelled, no_show, expired",
                                )
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        Ok(AppointmentQuery {
            doctor_id: self.doctor_id.map(UserId),
            patient_id: self.patient_id.map(PatientId),
            from: self.from,
            to: self.to,
            statuses,
        })
    }
}
