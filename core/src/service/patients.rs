//! Patient charts: create, read, update, archive, list.

use super::support::Subject;
use super::MedSync;
use crate::audit::Outcome;
use crate::error::{Error, Result};
use crate::identity::{mrn_for, Patient, PatientDetails, Role, Sex};
use crate::ids::PatientId;
use crate::policy::{Action, Actor, Resource};
use crate::store::{Page, PatientFilter};

impl MedSync {
    /// Creates a chart for a patient without an account (admins, doctors). A doctor who
    /// creates a chart joins its care team.
    pub async fn create_patient(&self, actor: &Actor, details: PatientDetails) -> Result<Patient> {
        let subject = Subject::kind("patient");
        self.authorize(
            actor,
            Action::CreateChart,
            Resource::System,
            "patient.create",
            &subject,
        )
        .await?;
        let now = self.now();
        details.validate(now.date_naive())?;
        let id = PatientId(self.uuid(now));
        let patient = Patient {
            id,
            name: details.name.trim().to_owned(),
            date_of_birth: details.date_of_birth,
            sex: details.sex.unwrap_or(Sex::Unknown),
            contact: details.contact,
            mrn: mrn_for(id),
            user_id: None,
            archived_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let subject = Subject::new("patient", id).patient(id);
        let ev = self.event(
            Some(actor),
            "patient.create",
            &subject,
            Outcome::Allowed,
            None,
        );
        self.inner.store.create_patient(&patient, &ev).await?;
        if matches!(actor.role, Role::Doctor | Role::Nurse) {
            let ev = self.event(
                Some(actor),
                "care_team.assign",
                &subject,
                Outcome::Allowed,
                Some("creator".into()),
            );
            self.inner
                .store
                .assign_care_team(id, actor.user_id, &ev)
                .await?;
        }
        Ok(patient)
    }

    /// Reads a chart (audited).
    pub async fn get_patient(&self, actor: &Actor, id: PatientId) -> Result<Patient> {
        let subject = Subject::new("patient", id).patient(id);
        let decision = self
            .authorize(
                actor,
                Action::ReadChart,
                Resource::Chart(id),
                "patient.read",
                &subject,
            )
            .await?;
        let patient = self
            .inner
            .store
            .patient(id)
            .await?
            .ok_or_else(|| Error::not_found("patient", id))?;
        self.audit(
            Some(actor),
            "patient.read",
            &subject,
            Outcome::Allowed,
            Self::decision_detail(&decision),
        )
        .await?;
        Ok(patient)
    }

    /// Replaces a chart's demographics. With `expected_version`, fails with
    /// `PreconditionFailed` if the chart changed since it was read.
    pub async fn update_patient(
        &self,
        actor: &Actor,
        id: PatientId,
        details: PatientDetails,
        expected_version: Option<u64>,
    ) -> Result<Patient> {
        let subject = Subject::new("patient", id).patient(id);
        let decision = self
            .authorize(
                actor,
                Action::UpdateChart,
                Resource::Chart(id),
                "patient.update",
                &subject,
            )
            .await?;
        let now = self.now();
        details.validate(now.date_naive())?;
        let current = self
            .inner
            .store
            .patient(id)
            .await?
            .ok_or_else(|| Error::not_found("patient", id))?;
        let expected = expected_version.unwrap_or(current.version);
        let next = Patient {
            name: details.name.trim().to_owned(),
            date_of_birth: details.date_of_birth,
            sex: details.sex.unwrap_or(current.sex),
            contact: details.contact,
            updated_at: now,
            version: expected + 1,
            ..current
        };
        let ev = self.event(
            Some(actor),
            "patient.update",
            &subject,
            Outcome::Allowed,
            Self::decision_detail(&decision),
        );
        match self.inner.store.update_patient(&next, expected, &ev).await {
            Ok(()) => Ok(next),
            Err(e) => {
                self.failed(Some(actor), "patient.update", &subject, e)
                    .await
            }
        }
    }

    /// Archives a chart. Nothing is destroyed; archived charts drop out of default listings.
    pub async fn archive_patient(&self, actor: &Actor, id: PatientId) -> Result<Patient> {
        let subject = Subject::new("patient", id).patient(id);
        self.authorize(
            actor,
            Action::ArchiveChart,
            Resource::Chart(id),
            "patient.archive",
            &subject,
        )
        .await?;
        let current = self
            .inner
            .store
            .patient(id)
            .await?
            .ok_or_else(|| Error::not_found("patient", id))?;
        if current.archived_at.is_some() {
            return Ok(current);
        }
        let now = self.now();
        let next = Patient {
            archived_at: Some(now),
            updated_at: now,
            version: current.version + 1,
            ..current.clone()
        };
        let ev = self.event(
            Some(actor),
            "patient.archive",
            &subject,
            Outcome::Allowed,
            None,
        );
        self.inner
            .store
            .update_patient(&next, current.version, &ev)
            .await?;
        Ok(next)
    }

    /// Charts the actor may see: all for admins, otherwise those the actor is related to
    /// and allowed to read.
    pub async fn list_patients(
        &self,
        actor: &Actor,
        query: Option<String>,
        page: Page,
    ) -> Result<Vec<Patient>> {
        let ids = if actor.role == Role::Admin {
            None
        } else {
            Some(self.visible_charts(actor, Action::ReadChart, None).await?)
        };
        let filter = PatientFilter {
            query,
            ids,
            include_archived: false,
        };
        let list = self
            .inner
            .store
            .list_patients(&filter, page.clamped())
            .await?;
        self.audit(
            Some(actor),
            "patient.list",
            &Subject::kind("patient"),
            Outcome::Allowed,
            Some(format!("{} charts", list.len())),
        )
        .await?;
        Ok(list)
    }
}
