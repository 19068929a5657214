//! Plumbing shared by the use cases: time, ids, audit events, authorisation, notification.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use uuid::Uuid;

use super::MedSync;
use crate::audit::{AuditEvent, Outcome};
use crate::error::{Error, Result};
use crate::ids::{AuditId, NotificationId, PatientId, UserId};
use crate::notify::{Notification, NotificationKind};
use crate::policy::{Action, Actor, Decision, Relationships, Resource};

/// What an audit event is about.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    pub kind: &'static str,
    pub id: Option<String>,
    pub patient: Option<PatientId>,
}

impl Subject {
    pub fn new(kind: &'static str, id: impl ToString) -> Self {
        Self {
            kind,
            id: Some(id.to_string()),
            patient: None,
        }
    }

    pub fn kind(kind: &'static str) -> Self {
        Self {
            kind,
            id: None,
            patient: None,
        }
    }

    pub fn patient(mut self, patient: PatientId) -> Self {
        self.patient = Some(patient);
        self
    }
}

impl MedSync {
    /// The current time, truncated to milliseconds so every backend stores it exactly.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        let now = self.inner.clock.now();
        now.duration_trunc(TimeDelta::milliseconds(1))
            .unwrap_or(now)
    }

    pub(crate) fn uuid(&self, now: DateTime<Utc>) -> Uuid {
        self.inner.ids.uuid(now)
    }

    /// An audit event stamped now.
    pub(crate) fn event(
        &self,
        actor: Option<&Actor>,
        action: &str,
        subject: &Subject,
        outcome: Outcome,
        detail: Option<String>,
    ) -> AuditEvent {
        let now = self.now();
        AuditEvent {
            id: AuditId(self.uuid(now)),
            at: now,
            actor: actor.map(|a| a.user_id),
            actor_role: actor.map(|a| a.role),
            action: action.to_owned(),
            resource_kind: subject.kind.to_owned(),
            resource_id: subject.id.clone(),
            patient_id: subject.patient,
            outcome,
            detail,
        }
    }

    /// Appends an audit event that accompanies no other write (reads, refusals, failures).
    /// An audit failure fails the call: clinical data is never served unaudited.
    pub(crate) async fn audit(
        &self,
        actor: Option<&Actor>,
        action: &str,
        subject: &Subject,
        outcome: Outcome,
        detail: Option<String>,
    ) -> Result<()> {
        let e = self.event(actor, action, subject, outcome, detail);
        self.inner.store.append_audit(&e).await.map(|_| ())
    }

    /// Passes `Ok` through; audits an `Err` as failed (or denied) and returns it.
    pub(crate) async fn or_failed<T>(
        &self,
        actor: &Actor,
        action: &str,
        subject: &Subject,
        result: Result<T>,
    ) -> Result<T> {
        match result {
            Ok(v) => Ok(v),
            Err(e) => self.failed(Some(actor), action, subject, e).await,
        }
    }

    /// Records that an allowed call failed, then returns the error.
    pub(crate) async fn failed<T>(
        &self,
        actor: Option<&Actor>,
        action: &str,
        subject: &Subject,
        err: Error,
    ) -> Result<T> {
        let outcome = match err {
            Error::Forbidden(_) | Error::Unauthenticated(_) => Outcome::Denied,
            _ => Outcome::Failed,
        };
        // The original error matters more than a failure to audit it.
        if let Err(audit_err) = self
            .audit(actor, action, subject, outcome, Some(err.to_string()))
            .await
        {
            tracing::error!(error = %audit_err, action, "could not audit a failed call");
        }
        Err(err)
    }

    /// The actor's relationships to a chart (empty for non-chart resources).
    pub(crate) async fn relationships(
        &self,
        actor: &Actor,
        resource: &Resource,
    ) -> Result<Relationships> {
        match resource {
            Resource::Chart(p) => {
                self.inner
                    .store
                    .relationships(actor.user_id, *p, self.now())
                    .await
            }
            _ => Ok(Relationships::default()),
        }
    }

    /// Asks the policy engine; on refusal audits a `Denied` entry and returns `Forbidden`.
    pub(crate) async fn authorize(
        &self,
        actor: &Actor,
        action: Action,
        resource: Resource,
        audit_action: &str,
        subject: &Subject,
    ) -> Result<Decision> {
        let rel = self.relationships(actor, &resource).await?;
        self.authorize_with(actor, action, &resource, &rel, audit_action, subject)
            .await
    }

    /// [`MedSync::authorize`] with the relationships already read.
    pub(crate) async fn authorize_with(
        &self,
        actor: &Actor,
        action: Action,
        resource: &Resource,
        rel: &Relationships,
        audit_action: &str,
        subject: &Subject,
    ) -> Result<Decision> {
        let decision = self.inner.policy.decide(actor, action, resource, rel);
        if decision.allowed {
            return Ok(decision);
        }
        let detail = Some(format!("policy: {}", decision.rule));
        if let Err(e) = self
            .audit(Some(actor), audit_action, subject, Outcome::Denied, detail)
            .await
        {
            // The refusal stands whether or not it could be recorded.
            tracing::error!(error = %e, audit_action, "could not audit a denied call");
        }
        Err(Error::Forbidden(format!(
            "{} is not allowed to {}",
            actor.role,
            action.as_str()
        )))
    }

    /// Whether the policy allows `action` on `resource` (no audit; for filtering lists).
    pub(crate) async fn allows(
        &self,
        actor: &Actor,
        action: Action,
        resource: Resource,
    ) -> Result<bool> {
        let rel = self.relationships(actor, &resource).await?;
        Ok(self
            .inner
            .policy
            .decide(actor, action, &resource, &rel)
            .allowed)
    }

    /// The chart `patient` if it exists and is not archived: `NotFound` or `InvalidState`
    /// otherwise. Every write that adds to a chart goes through it.
    pub(crate) async fn writable_chart(
        &self,
        patient: PatientId,
    ) -> Result<crate::identity::Patient> {
        let chart = self
            .inner
            .store
            .patient(patient)
            .await?
            .ok_or_else(|| Error::not_found("patient", patient))?;
        if chart.archived_at.is_some() {
            return Err(Error::InvalidState("the chart is archived".into()));
        }
        Ok(chart)
    }

    /// The charts the actor is related to and may perform `action` on, optionally only `only`
    /// (for narrowing lists of non-admins).
    pub(crate) async fn visible_charts(
        &self,
        actor: &Actor,
        action: Action,
        only: Option<PatientId>,
    ) -> Result<Vec<PatientId>> {
        let mut visible = Vec::new();
        for p in self
            .inner
            .store
            .related_patients(actor.user_id, self.now())
            .await?
        {
            if only.is_none_or(|q| q == p) && self.allows(actor, action, Resource::Chart(p)).await?
            {
                visible.push(p);
            }
        }
        Ok(visible)
    }

    /// Audit detail for an allowed decision: names break-glass use explicitly.
    pub(crate) fn decision_detail(decision: &Decision) -> Option<String> {
        decision
            .via_break_glass
            .then(|| format!("via break-glass ({})", decision.rule))
    }

    /// Stores a notification for `user` and delivers it. Best effort: failures are logged and
    /// never undo or fail the operation that raised the notification.
    pub(crate) async fn notify(
        &self,
        user: UserId,
        kind: NotificationKind,
        message: String,
        data: serde_json::Value,
    ) {
        let now = self.now();
        let n = Notification {
            id: NotificationId(self.uuid(now)),
            user_id: user,
            kind,
            message,
            data,
            created_at: now,
            read_at: None,
        };
        if let Err(e) = self.inner.store.insert_notification(&n).await {
            tracing::warn!(error = %e, "could not store a notification");
            return;
        }
        if let Err(e) = self.inner.notifier.deliver(&n).await {
            tracing::warn!(error = %e, "notifier failed; the notification stays stored");
        }
    }
}
