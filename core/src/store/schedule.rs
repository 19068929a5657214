use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Page;
use crate::audit::AuditEvent;
use crate::error::Result;
use crate::ids::{AppointmentId, PatientId, UserId};
use crate::scheduling::{Appointment, AppointmentStatus, Availability};

/// Which appointments to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppointmentFilter {
    /// Only this doctor's.
    pub doctor_id: Option<UserId>,
    /// Only these charts' (`None`: any).
    pub patient_ids: Option<Vec<PatientId>>,
    /// Only appointments ending after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only appointments starting before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only these statuses (`None`: any).
    pub statuses: Option<Vec<AppointmentStatus>>,
}

/// What [`ScheduleStore::book`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookOutcome {
    /// A new appointment was stored.
    Created(Appointment),
    /// The booker's idempotency key was seen before; this is the appointment it created.
    Existing(Appointment),
}

/// Availability and appointments.
#[async_trait]
pub trait ScheduleStore: Send + Sync {
    /// Replaces the doctor's availability, appending `audit`, atomically.
    async fn put_availability(&self, availability: &Availability, audit: &AuditEvent)
        -> Result<()>;

    /// The doctor's availability, if set.
    async fn availability(&self, doctor_id: UserId) -> Result<Option<Availability>>;

    /// Books `appointment` (status `pending` or `confirmed`, `version` 1) in one atomic step:
    /// 1. if `idempotency_key` is set and the same booker already has an appointment with that
    ///    key, returns it as `Existing` and writes nothing at all — not even `audit` (which
    ///    names an appointment that was never created; the service audits the replay itself);
    /// 2. marks as `expired` (version + 1) every pending hold of the doctor or patient whose
    ///    `hold_expires_at <= now`;
    /// 3. fails with `Conflict { blocking: Some(id) }` if an active appointment collides with it
    ///    for the doctor (`[start, end + buffer)`) or the patient (`[start, end)`);
    /// 4. stores it and `audit`, returns `Created`.
    ///
    /// Of any set of concurrent colliding bookings, at most one succeeds.
    async fn book(
        &self,
        appointment: &Appointment,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<BookOutcome>;

    /// The appointment with this id.
    async fn appointment(&self, id: AppointmentId) -> Result<Option<Appointment>>;

    /// Atomically replaces the stored appointment with `next` if its stored version is still
    /// `expected_version`, storing `next` with `version = expected_version + 1`, and appends
    /// `audit`. When `next` is active at `now`, it first expires lapsed holds as in
    /// [`ScheduleStore::book`] and fails with `Conflict` if `next` collides with another
    /// active appointment (reschedule is thus one atomic move).
    ///
    /// `PreconditionFailed` if the version moved; `NotFound` if absent. Returns what was stored.
    async fn update_appointment(
        &self,
        next: &Appointment,
        expected_version: u64,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Appointment>;

    /// Appointments matching `filter`, ordered by start then id.
    async fn list_appointments(
        &self,
        filter: &AppointmentFilter,
        page: Page,
    ) -> Result<Vec<Appointment>>;

    /// The doctor's appointments active at `now` whose blocked interval
    /// `[start, end + buffer)` intersects `[from, to)`, ordered by start.
    async fn doctor_busy(
        &self,
        doctor_id: UserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Appointment>>;

    /// Marks every pending hold with `hold_expires_at <= now` as `expired` (version + 1);
    /// returns how many. Safe to run concurrently with bookings.
    async fn expire_holds(&self, now: DateTime<Utc>) -> Result<u64>;
}
