use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Page;
use crate::audit::AuditEvent;
use crate::error::Result;
use crate::identity::{Patient, Role, User, UserStatus};
use crate::ids::{AppointmentId, PatientId, UserId};
use crate::policy::Relationships;
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

/// The state of a chart as far as writing to it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartState {
    /// No chart with that id.
    Missing,
    /// The chart exists but is archived (read-only).
    Archived,
    /// The chart exists and accepts writes.
    Writable,
}

/// Everything a booking decision reads besides the calendars: the booker's relationships to
/// the chart, whether the doctor can be booked, the chart's state and the doctor's
/// availability. See [`ScheduleStore::booking_facts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingFacts {
    /// The booker's relationships to the chart (as [`AccessStore::relationships`] answers).
    ///
    /// [`AccessStore::relationships`]: super::AccessStore::relationships
    pub relationships: Relationships,
    /// The doctor exists, has the doctor role and is active.
    pub doctor_bookable: bool,
    /// The chart's state.
    pub chart: ChartState,
    /// The doctor's availability, if set.
    pub availability: Option<Availability>,
}

impl BookingFacts {
    /// The facts from the answers of the single-purpose reads ([`AccessStore::relationships`],
    /// [`UserStore::user`] of the doctor, [`PatientStore::patient`] of the chart,
    /// [`ScheduleStore::availability`]).
    ///
    /// [`AccessStore::relationships`]: super::AccessStore::relationships
    /// [`UserStore::user`]: super::UserStore::user
    /// [`PatientStore::patient`]: super::PatientStore::patient
    pub fn from_reads(
        relationships: Relationships,
        doctor: Option<&User>,
        chart: Option<&Patient>,
        availability: Option<Availability>,
    ) -> Self {
        Self {
            relationships,
            doctor_bookable: doctor
                .is_some_and(|u| u.role == Role::Doctor && u.status == UserStatus::Active),
            chart: match chart {
                None => ChartState::Missing,
                Some(p) if p.archived_at.is_some() => ChartState::Archived,
                Some(_) => ChartState::Writable,
            },
            availability,
        }
    }
}

/// Availability and appointments.
#[async_trait]
pub trait ScheduleStore: Send + Sync {
    /// Replaces the doctor's availability, appending `audit`, atomically.
    async fn put_availability(&self, availability: &Availability, audit: &AuditEvent)
        -> Result<()>;

    /// The doctor's availability, if set.
    async fn availability(&self, doctor_id: UserId) -> Result<Option<Availability>>;

    /// What booking `patient_id` with `doctor_id` on behalf of `actor` depends on, read at
    /// `now` in one consistent snapshot where the backend can (one statement, one
    /// transaction), so a booking costs one read before its write instead of four.
    ///
    /// Answers must equal what the single-purpose reads return (see
    /// [`BookingFacts::from_reads`]); the conformance suite checks this. The default answers
    /// `None`, and the service then makes those four reads itself: override it only to save
    /// round trips.
    async fn booking_facts(
        &self,
        actor: UserId,
        doctor_id: UserId,
        patient_id: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Option<BookingFacts>> {
        let _ = (actor, doctor_id, patient_id, now);
        Ok(None)
    }

    /// Books `appointment` (status `pending` or `confirmed`, `version` 1) in one atomic step:
    /// 1. if `idempotency_key` is set and the same booker already has an appointment with that
    ///    key, returns it as `Existing` and writes nothing at all — not even `audit` (which
    ///    names an appointment that was never created; the service audits the replay itself);
    /// 2. fails with `Conflict { blocking: Some(id) }` if an active appointment collides with it
    ///    for the doctor (`[start, end + buffer)`) or the patient (`[start, end)`) — a pending
    ///    hold whose `hold_expires_at <= now` is not active and never blocks;
    /// 3. marks as `expired` (version + 1) every pending hold of the doctor or patient whose
    ///    `hold_expires_at <= now`, stores the appointment and `audit`, returns `Created`.
    ///
    /// Step 3's expiry is housekeeping, not part of the decision: a refused booking may or may
    /// not have expired lapsed holds (PostgreSQL does, in the refused transaction it commits;
    /// the memory store refuses before touching anything), and either way they block nothing.
    ///
    /// Of any set of concurrent colliding bookings, at most one succeeds. An appointment that
    /// fails [`Appointment::check_span`] (longer than
    /// [`MAX_APPOINTMENT_MINUTES`](crate::scheduling::MAX_APPOINTMENT_MINUTES), a buffer over
    /// the maximum) is `InvalidInput` and writes nothing, so backends may bound their
    /// collision search by [`MAX_BLOCK_MINUTES`](crate::scheduling::MAX_BLOCK_MINUTES).
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
    /// active appointment (reschedule is thus one atomic move). `next` must pass
    /// [`Appointment::check_span`] (`InvalidInput` otherwise), as in `book`.
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
