//! Care-team assignment, caregiver delegation grants and break-glass.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::support::Subject;
use super::MedSync;
use crate::access::{BreakGlass, Grant};
use crate::audit::Outcome;
use crate::error::{Error, Result, Validator};
use crate::identity::{Role, UserStatus};
use crate::ids::{BreakGlassId, GrantId, PatientId, UserId};
use crate::notify::NotificationKind;
use crate::policy::{Action, Actor, Resource};

impl MedSync {
    /// Adds an active doctor or nurse to a chart's care team (admins).
    pub async fn assign_care_team(
        &self,
        actor: &Actor,
        patient: PatientId,
        member: UserId,
    ) -> Result<()> {
        let subject = Subject::new("care_team", member).patient(patient);
        self.authorize(
            actor,
            Action::ManageCareTeam,
            Resource::Chart(patient),
            "care_team.assign",
            &subject,
        )
        .await?;
        self.inner
            .store
            .patient(patient)
            .await?
            .ok_or_else(|| Error::not_found("patient", patient))?;
        let m = self
            .inner
            .store
            .user(member)
            .await?
            .ok_or_else(|| Error::not_found("user", member))?;
        if !matches!(m.role, Role::Doctor | Role::Nurse) || m.status != UserStatus::Active {
            return Err(Error::invalid(
                "member",
                "must be an active doctor or nurse",
            ));
        }
        let ev = self.event(
            Some(actor),
            "care_team.assign",
            &subject,
            Outcome::Allowed,
            None,
        );
        self.inner
            .store
            .assign_care_team(patient, member, &ev)
            .await
    }

    /// Removes a care-team assignment (admins). Appointments still relate the doctor.
    pub async fn unassign_care_team(
        &self,
        actor: &Actor,
        patient: PatientId,
        member: UserId,
    ) -> Result<()> {
        let subject = Subject::new("care_team", member).patient(patient);
        self.authorize(
            actor,
            Action::ManageCareTeam,
            Resource::Chart(patient),
            "care_team.unassign",
            &subject,
        )
        .await?;
        let ev = self.event(
            Some(actor),
            "care_team.unassign",
            &subject,
            Outcome::Allowed,
            None,
        );
        self.inner
            .store
            .unassign_care_team(patient, member, &ev)
            .await
    }

    /// Delegates `actions` on a chart to a caregiver, until `expires_at` if given. The
    /// patient (or an admin) grants; actions must be delegable; the caregiver is notified.
    pub async fn grant_caregiver(
        &self,
        actor: &Actor,
        patient: PatientId,
        caregiver: UserId,
        actions: BTreeSet<Action>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Grant> {
        let subject = Subject::kind("grant").patient(patient);
        self.authorize(
            actor,
            Action::ManageGrants,
            Resource::Chart(patient),
            "grant.create",
            &subject,
        )
        .await?;
        let now = self.now();
        let mut v = Validator::new();
        v.check(!actions.is_empty(), "actions", "must not be empty");
        v.check(
            actions.iter().all(|a| Action::DELEGABLE.contains(a)),
            "actions",
            "may only contain delegable actions (read_chart, read_appointments, book_appointment, manage_appointment, read_records, read_prescriptions, read_billing)",
        );
        v.check(
            expires_at.is_none_or(|e| e > now),
            "expires_at",
            "must be in the future",
        );
        let grantee = self.inner.store.user(caregiver).await?;
        v.check(
            grantee
                .as_ref()
                .is_some_and(|u| u.role == Role::Caregiver && u.status == UserStatus::Active),
            "caregiver_id",
            "must be an active caregiver",
        );
        v.finish()?;
        let grant = Grant {
            id: GrantId(self.uuid(now)),
            patient_id: patient,
            grantee: caregiver,
            actions,
            granted_by: actor.user_id,
            created_at: now,
            expires_at,
            revoked_at: None,
        };
        let subject = Subject::new("grant", grant.id).patient(patient);
        let scopes: Vec<String> = grant.actions.iter().map(Action::as_str).collect();
        let ev = self.event(
            Some(actor),
            "grant.create",
            &subject,
            Outcome::Allowed,
            Some(scopes.join(",")),
        );
        self.inner.store.create_grant(&grant, &ev).await?;
        self.notify(
            caregiver,
            NotificationKind::AccessGrantChanged,
            "You were granted access to a patient's chart".into(),
            json!({ "grant_id": grant.id, "patient_id": patient }),
        )
        .await;
        Ok(grant)
    }

    /// Revokes a grant (the patient or an admin). The caregiver is notified.
    pub async fn revoke_grant(&self, actor: &Actor, id: GrantId) -> Result<Grant> {
        let grant = self
            .inner
            .store
            .grant(id)
            .await?
            .ok_or_else(|| Error::not_found("grant", id))?;
        let subject = Subject::new("grant", id).patient(grant.patient_id);
        self.authorize(
            actor,
            Action::ManageGrants,
            Resource::Chart(grant.patient_id),
            "grant.revoke",
            &subject,
        )
        .await?;
        let ev = self.event(
            Some(actor),
            "grant.revoke",
            &subject,
            Outcome::Allowed,
            None,
        );
        let revoked = self.inner.store.revoke_grant(id, self.now(), &ev).await?;
        self.notify(
            revoked.grantee,
            NotificationKind::AccessGrantChanged,
            "Your access to a patient's chart was revoked".into(),
            json!({ "grant_id": id, "patient_id": revoked.patient_id }),
        )
        .await;
        Ok(revoked)
    }

    /// Every grant of a chart (those who may manage grants; audited).
    pub async fn list_grants(&self, actor: &Actor, patient: PatientId) -> Result<Vec<Grant>> {
        let subject = Subject::kind("grant").patient(patient);
        self.authorize(
            actor,
            Action::ManageGrants,
            Resource::Chart(patient),
            "grant.list",
            &subject,
        )
        .await?;
        let grants = self.inner.store.grants_for_patient(patient).await?;
        self.audit(Some(actor), "grant.list", &subject, Outcome::Allowed, None)
            .await?;
        Ok(grants)
    }

    /// A doctor declares an emergency to open a chart outside their care team. The reason is
    /// required (at least 10 characters), the session lasts `Config::break_glass_ttl`, the
    /// declaration is audited and the patient is notified.
    pub async fn break_glass(
        &self,
        actor: &Actor,
        patient: PatientId,
        reason: &str,
    ) -> Result<BreakGlass> {
        let subject = Subject::kind("break_glass").patient(patient);
        self.authorize(
            actor,
            Action::BreakGlass,
            Resource::Chart(patient),
            "break_glass.start",
            &subject,
        )
        .await?;
        let reason = reason.trim();
        let mut v = Validator::new();
        v.check(
            reason.chars().count() >= 10,
            "reason",
            "must describe the emergency (at least 10 characters)",
        );
        v.check(
            reason.chars().count() <= 1000,
            "reason",
            "must be at most 1000 characters",
        );
        v.finish()?;
        let chart = self
            .inner
            .store
            .patient(patient)
            .await?
            .ok_or_else(|| Error::not_found("patient", patient))?;
        let now = self.now();
        let session = BreakGlass {
            id: BreakGlassId(self.uuid(now)),
            actor: actor.user_id,
            patient_id: patient,
            reason: reason.to_owned(),
            started_at: now,
            expires_at: now + self.inner.config.break_glass_ttl,
        };
        let subject = Subject::new("break_glass", session.id).patient(patient);
        let ev = self.event(
            Some(actor),
            "break_glass.start",
            &subject,
            Outcome::Allowed,
            Some(reason.to_owned()),
        );
        self.inner.store.start_break_glass(&session, &ev).await?;
        if let Some(owner) = chart.user_id {
            self.notify(
                owner,
                NotificationKind::BreakGlassAccess,
                format!("A clinician opened your chart in an emergency: {reason}"),
                json!({ "break_glass_id": session.id, "doctor_id": actor.user_id, "expires_at": session.expires_at }),
            )
            .await;
        }
        Ok(session)
    }
}
