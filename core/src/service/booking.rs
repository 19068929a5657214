//! Booking: one read of everything the decision depends on, the policy, validation, then
//! the store's atomic book-if-no-conflict.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::appointments::BookRequest;
use super::support::Subject;
use super::MedSync;
use crate::audit::Outcome;
use crate::error::{Error, Result, Validator};
use crate::identity::Role;
use crate::ids::{AppointmentId, PatientId, UserId};
use crate::notify::NotificationKind;
use crate::policy::{Action, Actor, Relationships, Resource};
use crate::scheduling::{
    fits_availability, Appointment, AppointmentStatus, DEFAULT_APPOINTMENT_TYPE,
};
use crate::store::{BookOutcome, BookingFacts, ChartState};

impl MedSync {
    /// Books a `pending` hold that expires after `Config::hold_ttl` unless confirmed.
    ///
    /// Fails with `Conflict` naming the blocking appointment when the doctor (buffers
    /// included) or the patient is already booked; `InvalidInput` when outside the doctor's
    /// availability. The doctor is notified.
    pub async fn book(&self, actor: &Actor, req: BookRequest) -> Result<Appointment> {
        let patient_id = req
            .patient_id
            .or(actor.patient_id)
            .ok_or_else(|| Error::invalid("patient_id", "is required"))?;
        let subject = Subject::kind("appointment").patient(patient_id);
        let now = self.now();
        // One read of everything when the store offers it; else the relationships alone, so
        // a refused booking reads nothing more.
        let store = &self.inner.store;
        let prefetched = store
            .booking_facts(actor.user_id, req.doctor_id, patient_id, now)
            .await?;
        let relationships = match &prefetched {
            Some(facts) => facts.relationships.clone(),
            None => store.relationships(actor.user_id, patient_id, now).await?,
        };
        self.authorize_with(
            actor,
            Action::BookAppointment,
            &Resource::Chart(patient_id),
            &relationships,
            "appointment.book",
            &subject,
        )
        .await?;
        let facts = match prefetched {
            Some(facts) => facts,
            None => {
                self.read_booking_facts(relationships, req.doctor_id, patient_id)
                    .await?
            }
        };
        let prepared = self.prepare_booking(actor, &req, patient_id, now, &facts);
        let appt = self
            .or_failed(actor, "appointment.book", &subject, prepared)
            .await?;
        let subject = Subject::new("appointment", appt.id).patient(patient_id);
        let ev = self.event(
            Some(actor),
            "appointment.book",
            &subject,
            Outcome::Allowed,
            None,
        );
        match self.inner.store.book(&appt, now, &ev).await {
            Ok(BookOutcome::Created(stored)) => {
                self.notify(
                    stored.doctor_id,
                    NotificationKind::AppointmentBooked,
                    format!(
                        "New appointment request for {}",
                        stored.start.format("%Y-%m-%d %H:%M UTC")
                    ),
                    json!({ "appointment_id": stored.id, "start": stored.start }),
                )
                .await;
                Ok(stored)
            }
            Ok(BookOutcome::Existing(existing)) => {
                // The store wrote nothing: record the replay against the real appointment.
                let same = existing.doctor_id == appt.doctor_id
                    && existing.patient_id == appt.patient_id
                    && existing.start == appt.start
                    && existing.end == appt.end
                    && existing.appointment_type == appt.appointment_type
                    && existing.reason == appt.reason;
                let replay = Subject::new("appointment", existing.id).patient(existing.patient_id);
                if same {
                    let detail = Some("idempotent replay".to_owned());
                    self.audit(
                        Some(actor),
                        "appointment.book",
                        &replay,
                        Outcome::Allowed,
                        detail,
                    )
                    .await?;
                    Ok(existing)
                } else {
                    let e = Error::conflict(
                        "idempotency key reused with a different request",
                        Some(existing.id.to_string()),
                    );
                    self.failed(Some(actor), "appointment.book", &replay, e)
                        .await
                }
            }
            Err(e) => {
                self.failed(Some(actor), "appointment.book", &subject, e)
                    .await
            }
        }
    }

    /// The rest of the booking facts, read one by one, for stores that do not offer
    /// [`ScheduleStore::booking_facts`](crate::store::ScheduleStore::booking_facts).
    async fn read_booking_facts(
        &self,
        relationships: Relationships,
        doctor_id: UserId,
        patient_id: PatientId,
    ) -> Result<BookingFacts> {
        let store = &self.inner.store;
        let doctor = store.user(doctor_id).await?;
        let chart = store.patient(patient_id).await?;
        let availability = store.availability(doctor_id).await?;
        Ok(BookingFacts::from_reads(
            relationships,
            doctor.as_ref(),
            chart.as_ref(),
            availability,
        ))
    }

    /// Validates a booking request against `facts` and builds the pending appointment (not
    /// yet stored). The checks, in order: a doctor books into their own schedule only; the
    /// input; the doctor is bookable; the chart exists and is writable; the doctor has
    /// availability and the interval fits it.
    fn prepare_booking(
        &self,
        actor: &Actor,
        req: &BookRequest,
        patient_id: PatientId,
        now: DateTime<Utc>,
        facts: &BookingFacts,
    ) -> Result<Appointment> {
        if actor.role == Role::Doctor && req.doctor_id != actor.user_id {
            return Err(Error::Forbidden(
                "doctors book into their own schedule only".into(),
            ));
        }
        self.validate_times(req.start, req.end, now)?;
        let mut v = Validator::new();
        if let Some(r) = &req.reason {
            v.check(
                r.chars().count() <= 500,
                "reason",
                "must be at most 500 characters",
            );
        }
        if let Some(t) = &req.appointment_type {
            let ok = (1..=64).contains(&t.len())
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            v.check(
                ok,
                "appointment_type",
                "must be 1 to 64 letters, digits, '_' or '-'",
            );
        }
        if let Some(k) = &req.idempotency_key {
            let ok = (1..=255).contains(&k.len()) && k.chars().all(|c| c.is_ascii_graphic());
            v.check(
                ok,
                "idempotency_key",
                "must be 1 to 255 visible ASCII characters",
            );
        }
        v.finish()?;
        if !facts.doctor_bookable {
            return Err(Error::not_found("doctor", req.doctor_id));
        }
        match facts.chart {
            ChartState::Missing => return Err(Error::not_found("patient", patient_id)),
            ChartState::Archived => {
                return Err(Error::InvalidState("the chart is archived".into()));
            }
            ChartState::Writable => {}
        }
        let availability = facts
            .availability
            .as_ref()
            .ok_or_else(|| Error::not_found("availability", req.doctor_id))?;
        if !fits_availability(availability, req.start, req.end) {
            return Err(Error::invalid("start", "outside the doctor's availability"));
        }
        Ok(Appointment {
            id: AppointmentId(self.uuid(now)),
            doctor_id: req.doctor_id,
            patient_id,
            start: req.start,
            end: req.end,
            buffer_minutes: availability.buffer_minutes,
            appointment_type: req
                .appointment_type
                .clone()
                .unwrap_or_else(|| DEFAULT_APPOINTMENT_TYPE.to_owned()),
            status: AppointmentStatus::Pending,
            hold_expires_at: Some(now + self.inner.config.hold_ttl),
            reason: req
                .reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned),
            cancellation: None,
            idempotency_key: req.idempotency_key.clone(),
            booked_by: actor.user_id,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }
}
