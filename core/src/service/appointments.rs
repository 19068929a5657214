//! Booking and the appointment lifecycle.

use chrono::{DateTime, Timelike, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::support::Subject;
use super::MedSync;
use crate::audit::Outcome;
use crate::error::{Error, Result, Validator};
use crate::identity::Role;
use crate::ids::{AppointmentId, PatientId, UserId};
use crate::notify::NotificationKind;
use crate::policy::{Action, Actor, Resource};
use crate::scheduling::{
    apply_transition, fits_availability, Appointment, AppointmentStatus, Transition,
};
use crate::store::{AppointmentFilter, Page};

/// A booking request ([`MedSync::book`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookRequest {
    /// The doctor's user id.
    pub doctor_id: UserId,
    /// The chart; defaults to the actor's own chart (patients).
    pub patient_id: Option<PatientId>,
    /// Start, on a whole minute, in the future.
    pub start: DateTime<Utc>,
    /// End, on a whole minute, after `start`.
    pub end: DateTime<Utc>,
    /// Reason for the visit (at most 500 characters).
    pub reason: Option<String>,
    /// Visit type (1–64 characters of letters, digits, `_` and `-`); defaults to
    /// `"consultation"`. Selects the doctor's fee when the visit is billed.
    #[serde(default)]
    pub appointment_type: Option<String>,
    /// Retry key (1–255 visible ASCII characters): the same booker and key return the same
    /// appointment instead of booking twice.
    pub idempotency_key: Option<String>,
}

/// Which appointments to list; the service narrows it to what the actor may see.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentQuery {
    /// Only this doctor's.
    pub doctor_id: Option<UserId>,
    /// Only this chart's.
    pub patient_id: Option<PatientId>,
    /// Only appointments ending after.
    pub from: Option<DateTime<Utc>>,
    /// Only appointments starting before.
    pub to: Option<DateTime<Utc>>,
    /// Only these statuses.
    pub statuses: Option<Vec<AppointmentStatus>>,
}

impl MedSync {
    /// Checks a requested interval: whole minutes, in the future, ordered, not too long.
    pub(super) fn validate_times(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut v = Validator::new();
        let whole = |t: DateTime<Utc>| t.second() == 0 && t.nanosecond() == 0;
        v.check(whole(start), "start", "must be on a whole minute");
        v.check(whole(end), "end", "must be on a whole minute");
        v.check(start > now, "start", "must be in the future");
        v.check(end > start, "end", "must be after start");
        v.check(
            end - start <= self.inner.config.max_appointment,
            "end",
            "appointment is too long",
        );
        v.finish()
    }

    /// Reads an appointment (audited).
    pub async fn get_appointment(&self, actor: &Actor, id: AppointmentId) -> Result<Appointment> {
        let appt = self.load(id).await?;
        let subject = Subject::new("appointment", id).patient(appt.patient_id);
        let d = self
            .authorize(
                actor,
                Action::ReadAppointments,
                Resource::Chart(appt.patient_id),
                "appointment.read",
                &subject,
            )
            .await?;
        self.audit(
            Some(actor),
            "appointment.read",
            &subject,
            Outcome::Allowed,
            Self::decision_detail(&d),
        )
        .await?;
        Ok(appt)
    }

    /// Appointments the actor may see, narrowed by `query`: admins see all; doctors their own
    /// schedule; others the charts they may read appointments of.
    pub async fn list_appointments(
        &self,
        actor: &Actor,
        query: AppointmentQuery,
        page: Page,
    ) -> Result<Vec<Appointment>> {
        let mut filter = AppointmentFilter {
            doctor_id: query.doctor_id,
            patient_ids: query.patient_id.map(|p| vec![p]),
            from: query.from,
            to: query.to,
            statuses: query.statuses,
        };
        match actor.role {
            Role::Admin => {}
            Role::Doctor => filter.doctor_id = Some(actor.user_id),
            _ => {
                let visible = self
                    .visible_charts(actor, Action::ReadAppointments, query.patient_id)
                    .await?;
                filter.patient_ids = Some(visible);
            }
        }
        let list = self
            .inner
            .store
            .list_appointments(&filter, page.clamped())
            .await?;
        let subject = Subject::kind("appointment");
        self.audit(
            Some(actor),
            "appointment.list",
            &subject,
            Outcome::Allowed,
            Some(format!("{} appointments", list.len())),
        )
        .await?;
        Ok(list)
    }

    /// Confirms a pending hold before it lapses. The doctor is notified.
    pub async fn confirm(&self, actor: &Actor, id: AppointmentId) -> Result<Appointment> {
        self.transition(actor, id, Transition::Confirm, None).await
    }

    /// Cancels a pending or confirmed appointment; the other side is notified.
    pub async fn cancel(
        &self,
        actor: &Actor,
        id: AppointmentId,
        reason: Option<String>,
    ) -> Result<Appointment> {
        self.transition(actor, id, Transition::Cancel { reason }, None)
            .await
    }

    /// Moves an appointment in one atomic step (the old interval is freed only if the new one
    /// is free); the other side is notified.
    pub async fn reschedule(
        &self,
        actor: &Actor,
        id: AppointmentId,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Appointment> {
        self.transition(actor, id, Transition::Reschedule { start, end }, None)
            .await
    }

    /// Marks a confirmed appointment completed (its doctor, once it has started).
    pub async fn complete(&self, actor: &Actor, id: AppointmentId) -> Result<Appointment> {
        self.transition(actor, id, Transition::Complete, None).await
    }

    /// Marks a confirmed appointment as no-show (its doctor, once it has started).
    pub async fn no_show(&self, actor: &Actor, id: AppointmentId) -> Result<Appointment> {
        self.transition(actor, id, Transition::NoShow, None).await
    }

    /// Applies `transition` if the appointment is still at `expected_version` (when given;
    /// otherwise at the version just read). `PreconditionFailed` when it moved meanwhile.
    pub async fn transition(
        &self,
        actor: &Actor,
        id: AppointmentId,
        transition: Transition,
        expected_version: Option<u64>,
    ) -> Result<Appointment> {
        let appt = self.load(id).await?;
        let action_name = format!("appointment.{}", transition.name());
        let subject = Subject::new("appointment", id).patient(appt.patient_id);
        let action = match transition {
            Transition::Complete | Transition::NoShow => Action::CompleteAppointment,
            _ => Action::ManageAppointment,
        };
        let d = self
            .authorize(
                actor,
                action,
                Resource::Chart(appt.patient_id),
                &action_name,
                &subject,
            )
            .await?;
        if actor.role == Role::Doctor && appt.doctor_id != actor.user_id && !d.via_break_glass {
            let e = Error::Forbidden("only the appointment's doctor may change it".into());
            return self.failed(Some(actor), &action_name, &subject, e).await;
        }
        if let Some(v) = expected_version.filter(|v| *v != appt.version) {
            let e = Error::PreconditionFailed {
                entity: "appointment",
                expected: v,
                current: appt.version,
            };
            return self.failed(Some(actor), &action_name, &subject, e).await;
        }
        let now = self.now();
        let next = match self.next_state(&appt, &transition, actor, now).await {
            Ok(n) => n,
            Err(e) => return self.failed(Some(actor), &action_name, &subject, e).await,
        };
        let ev = self.event(
            Some(actor),
            &action_name,
            &subject,
            Outcome::Allowed,
            Self::decision_detail(&d),
        );
        let write = if matches!(transition, Transition::Complete) {
            self.complete_and_bill(&next, appt.version, now, &ev).await
        } else {
            self.inner
                .store
                .update_appointment(&next, appt.version, now, &ev)
                .await
        };
        let stored = match write {
            Ok(s) => s,
            Err(e) => return self.failed(Some(actor), &action_name, &subject, e).await,
        };
        self.notify_transition(actor, &stored, &transition).await;
        Ok(stored)
    }

    async fn next_state(
        &self,
        appt: &Appointment,
        transition: &Transition,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Appointment> {
        if let Transition::Reschedule { start, end } = transition {
            self.validate_times(*start, *end, now)?;
            let availability = self.availability(appt.doctor_id).await?;
            if !fits_availability(&availability, *start, *end) {
                return Err(Error::invalid("start", "outside the doctor's availability"));
            }
        }
        apply_transition(appt, transition, actor, now)
    }

    async fn notify_transition(&self, actor: &Actor, appt: &Appointment, transition: &Transition) {
        let when = appt.start.format("%Y-%m-%d %H:%M UTC");
        let doctor_side = matches!(actor.role, Role::Doctor | Role::Nurse | Role::Admin);
        let (kind, message) = match transition {
            Transition::Confirm => (
                NotificationKind::AppointmentConfirmed,
                format!("Appointment on {when} confirmed"),
            ),
            Transition::Cancel { .. } => (
                NotificationKind::AppointmentCancelled,
                format!("Appointment on {when} cancelled"),
            ),
            Transition::Reschedule { .. } => (
                NotificationKind::AppointmentRescheduled,
                format!("Appointment moved to {when}"),
            ),
            Transition::Complete => (
                NotificationKind::AppointmentCompleted,
                format!("Appointment on {when} completed"),
            ),
            Transition::NoShow => (
                NotificationKind::AppointmentNoShow,
                format!("Appointment on {when} marked no-show"),
            ),
            Transition::Expire => return,
        };
        let data = json!({ "appointment_id": appt.id, "status": appt.status, "start": appt.start });
        // The doctor hears of every change made by someone else; the patient of every
        // doctor-side change.
        if appt.doctor_id != actor.user_id {
            self.notify(appt.doctor_id, kind, message.clone(), data.clone())
                .await;
        }
        if doctor_side {
            if let Ok(Some(patient)) = self.inner.store.patient(appt.patient_id).await {
                if let Some(owner) = patient.user_id.filter(|o| *o != actor.user_id) {
                    self.notify(owner, kind, message, data).await;
                }
            }
        }
    }

    /// Marks every lapsed hold as expired (a maintenance job; bookings also expire the holds
    /// they meet). Returns how many.
    pub async fn expire_holds(&self) -> Result<u64> {
        self.inner.store.expire_holds(self.now()).await
    }

    async fn load(&self, id: AppointmentId) -> Result<Appointment> {
        self.inner
            .store
            .appointment(id)
            .await?
            .ok_or_else(|| Error::not_found("appointment", id))
    }
}
