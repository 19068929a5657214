//! Scheduling data: availability rules, slots and appointments.

use chrono::{DateTime, Duration, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::identity::Role;
use crate::ids::{AppointmentId, PatientId, UserId};

/// One weekly opening of a doctor, in the doctor's local wall time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyRule {
    /// Day of the week.
    pub day: Weekday,
    /// Local start time.
    pub start: NaiveTime,
    /// Local end time (after `start`; windows do not cross midnight).
    pub end: NaiveTime,
}

/// A period the doctor is not available (time off), in UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeOff {
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
    /// Optional reason, e.g. "conference".
    pub reason: Option<String>,
}

/// A doctor's availability: weekly rules in an IANA time zone, exceptions, slot length and
/// the buffer kept free after each appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    /// The doctor's user id.
    pub doctor_id: UserId,
    /// IANA time zone the weekly rules are in.
    pub timezone: Tz,
    /// Weekly openings.
    pub weekly: Vec<WeeklyRule>,
    /// Time off.
    pub exceptions: Vec<TimeOff>,
    /// Length of a bookable slot in minutes (5..=480).
    pub slot_minutes: u32,
    /// Minutes kept free after each appointment (0..=240).
    pub buffer_minutes: u32,
}

/// A free, bookable interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Slot {
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
}

/// The lifecycle of an appointment.
///
/// `pending` (a hold that expires) → `confirmed` → `completed` | `no_show`;
/// `pending` | `confirmed` → `cancelled`; `pending` → `expired` when the hold lapses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    /// A hold awaiting confirmation; blocks the slot until `hold_expires_at`.
    Pending,
    /// Confirmed; blocks the slot.
    Confirmed,
    /// Took place.
    Completed,
    /// Cancelled by the patient side or the doctor side.
    Cancelled,
    /// The patient did not come.
    NoShow,
    /// The hold lapsed without confirmation.
    Expired,
}

impl AppointmentStatus {
    /// The status's wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::NoShow => "no_show",
            Self::Expired => "expired",
        }
    }
}

/// Who cancelled and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    /// The user who cancelled.
    pub by: UserId,
    /// Their role at the time.
    pub by_role: Role,
    /// The reason given.
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// An appointment between a doctor and a patient chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    /// Id.
    pub id: AppointmentId,
    /// The doctor's user id.
    pub doctor_id: UserId,
    /// The patient's chart.
    pub patient_id: PatientId,
    /// Start (inclusive, UTC).
    pub start: DateTime<Utc>,
    /// End (exclusive, UTC).
    pub end: DateTime<Utc>,
    /// The doctor's buffer at booking time: the doctor is blocked until `end + buffer`.
    pub buffer_minutes: u32,
    /// What kind of visit, e.g. `"consultation"`; selects the fee when billed.
    pub appointment_type: String,
    /// Lifecycle state.
    pub status: AppointmentStatus,
    /// For `pending`: when the hold lapses.
    pub hold_expires_at: Option<DateTime<Utc>>,
    /// Reason for the visit, as the booker wrote it.
    pub reason: Option<String>,
    /// Set when cancelled.
    pub cancellation: Option<Cancellation>,
    /// The booker's idempotency key, unique per booker.
    pub idempotency_key: Option<String>,
    /// Who booked.
    pub booked_by: UserId,
    /// Optimistic-concurrency version, starts at 1, +1 per stored change.
    pub version: u64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change time.
    pub updated_at: DateTime<Utc>,
}

/// The appointment type used when a booking names none.
pub const DEFAULT_APPOINTMENT_TYPE: &str = "consultation";

/// The longest an appointment may last, whatever the service is configured with (24 hours).
/// Stores refuse longer ones, so a backend may bound its collision search by
/// [`MAX_BLOCK_MINUTES`].
pub const MAX_APPOINTMENT_MINUTES: u32 = 24 * 60;

/// The largest buffer after an appointment (as availability validation allows).
pub const MAX_BUFFER_MINUTES: u32 = 240;

/// The longest interval an appointment can block a doctor's calendar: the longest
/// appointment plus the largest buffer. An appointment colliding with one that starts at
/// `t` therefore starts after `t - MAX_BLOCK_MINUTES`.
pub const MAX_BLOCK_MINUTES: u32 = MAX_APPOINTMENT_MINUTES + MAX_BUFFER_MINUTES;

impl Appointment {
    /// Whether the appointment blocks its interval at `now`: confirmed, or pending with an
    /// unexpired hold.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        match self.status {
            AppointmentStatus::Confirmed => true,
            AppointmentStatus::Pending => self.hold_expires_at.is_some_and(|t| t > now),
            _ => false,
        }
    }

    /// Checks the interval a store is asked to keep: `end` after `start`, at most
    /// [`MAX_APPOINTMENT_MINUTES`] long, `buffer_minutes` at most [`MAX_BUFFER_MINUTES`].
    /// `InvalidInput` naming the field otherwise.
    pub fn check_span(&self) -> crate::error::Result<()> {
        let mut v = crate::error::Validator::new();
        v.check(self.end > self.start, "end", "must be after start");
        v.check(
            self.end - self.start <= Duration::minutes(i64::from(MAX_APPOINTMENT_MINUTES)),
            "end",
            "an appointment lasts at most 24 hours",
        );
        v.check(
            self.buffer_minutes <= MAX_BUFFER_MINUTES,
            "buffer_minutes",
            "must be between 0 and 240",
        );
        v.finish()
    }

    /// End of the doctor's blocked interval: `end + buffer_minutes` (saturating at the
    /// largest representable instant).
    pub fn doctor_block_end(&self) -> DateTime<Utc> {
        self.end
            .checked_add_signed(Duration::minutes(i64::from(self.buffer_minutes)))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Whether the two appointments collide on the doctor's calendar, buffers included
    /// (`[start, end + buffer)` intervals intersect). Ignores status.
    pub fn collides_for_doctor(&self, other: &Appointment) -> bool {
        self.doctor_id == other.doctor_id
            && self.start < other.doctor_block_end()
            && other.start < self.doctor_block_end()
    }

    /// Whether the two appointments collide on the patient's calendar (`[start, end)`).
    pub fn collides_for_patient(&self, other: &Appointment) -> bool {
        self.patient_id == other.patient_id && self.start < other.end && other.start < self.end
    }
}
