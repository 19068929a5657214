//! Doctors' availability and free-slot search.

use chrono::{DateTime, Utc};

use super::support::Subject;
use super::MedSync;
use crate::audit::Outcome;
use crate::error::{Error, Result};
use crate::identity::{Role, User, UserStatus};
use crate::ids::UserId;
use crate::policy::{Action, Actor, Resource};
use crate::scheduling::{free_slots, validate_availability, Availability, Slot};

impl MedSync {
    /// Replaces a doctor's availability (the doctor themself, or an admin).
    pub async fn set_availability(
        &self,
        actor: &Actor,
        availability: Availability,
    ) -> Result<Availability> {
        let doctor = availability.doctor_id;
        let subject = Subject::new("availability", doctor);
        self.authorize(
            actor,
            Action::ManageAvailability,
            Resource::Schedule(doctor),
            "availability.set",
            &subject,
        )
        .await?;
        self.active_doctor(doctor).await?;
        validate_availability(&availability)?;
        let ev = self.event(
            Some(actor),
            "availability.set",
            &subject,
            Outcome::Allowed,
            None,
        );
        self.inner
            .store
            .put_availability(&availability, &ev)
            .await?;
        Ok(availability)
    }

    /// A doctor's availability (public to authenticated callers).
    pub async fn availability(&self, doctor: UserId) -> Result<Availability> {
        self.inner
            .store
            .availability(doctor)
            .await?
            .ok_or_else(|| Error::not_found("availability", doctor))
    }

    /// Free slots of a doctor in `[from, to)`: inside availability, outside time off, not
    /// colliding (buffers included) with active appointments, not in the past. The range may
    /// span at most `Config::max_slot_search`.
    pub async fn free_slots(
        &self,
        doctor: UserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Slot>> {
        if to <= from {
            return Err(Error::invalid("to", "must be after from"));
        }
        if to - from > self.inner.config.max_slot_search {
            let days = self.inner.config.max_slot_search.num_days();
            return Err(Error::invalid(
                "to",
                format!("range must span at most {days} days"),
            ));
        }
        let availability = self.availability(doctor).await?;
        let now = self.now();
        let busy = self.inner.store.doctor_busy(doctor, from, to, now).await?;
        Ok(free_slots(&availability, &busy, from, to, now))
    }

    /// The user `id` if it is an active doctor; `NotFound` otherwise.
    pub(crate) async fn active_doctor(&self, id: UserId) -> Result<User> {
        match self.inner.store.user(id).await? {
            Some(u) if u.role == Role::Doctor && u.status == UserStatus::Active => Ok(u),
            _ => Err(Error::not_found("doctor", id)),
        }
    }
}
