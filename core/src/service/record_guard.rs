//! The shared machinery of the record operations ([`super::records`],
//! [`super::record_notes`]): loading a record and authorising an action on it ([`Guarded`]),
//! reading versions, appending one through the store's compare-and-set, auditing failures,
//! notifying the chart's owner, and the checks on versions and reasons.

use serde_json::json;

use super::support::Subject;
use super::MedSync;
use crate::audit::Outcome;
use crate::error::{Error, Result, Validator};
use crate::ids::RecordId;
use crate::notify::NotificationKind;
use crate::policy::{Action, Actor, Decision, Resource};
use crate::records::{MedicalRecord, RecordVersion};

/// Longest reason for a version, in characters.
const MAX_REASON: usize = 1000;

/// A loaded record the actor is allowed to act on, with the audit subject and the decision.
pub(super) struct Guarded {
    pub(super) record: MedicalRecord,
    pub(super) subject: Subject,
    pub(super) decision: Decision,
}

impl MedSync {
    /// Loads a record and authorises `action` on its chart. An unknown record is audited as
    /// a failure and returned as `NotFound`; a refusal is audited as denied (`Forbidden`).
    pub(super) async fn guard(
        &self,
        actor: &Actor,
        id: RecordId,
        action: Action,
        audit_action: &str,
    ) -> Result<Guarded> {
        let subject = Subject::new("record", id);
        let record = match self.inner.store.record(id).await {
            Ok(Some(r)) => r,
            Ok(None) => {
                let e = Error::not_found("record", id);
                return self.failed(Some(actor), audit_action, &subject, e).await;
            }
            Err(e) => return self.failed(Some(actor), audit_action, &subject, e).await,
        };
        let subject = subject.patient(record.patient_id);
        let decision = self
            .authorize(
                actor,
                action,
                Resource::Chart(record.patient_id),
                audit_action,
                &subject,
            )
            .await?;
        Ok(Guarded {
            record,
            subject,
            decision,
        })
    }

    /// Version `version` of `record`, or `NotFound` (entity `"record version"`).
    pub(super) async fn version_of(
        &self,
        record: &MedicalRecord,
        version: u64,
    ) -> Result<RecordVersion> {
        self.inner
            .store
            .record_version(record.id, version)
            .await?
            .ok_or_else(|| Error::not_found("record version", format!("{}@{version}", record.id)))
    }

    /// Appends `version` through the store's compare-and-set, with its audit event.
    pub(super) async fn append(
        &self,
        actor: &Actor,
        action: &str,
        g: &Guarded,
        version: RecordVersion,
        expected: u64,
    ) -> Result<(MedicalRecord, RecordVersion)> {
        let ev = self.event(
            Some(actor),
            action,
            &g.subject,
            Outcome::Allowed,
            detail(&g.decision, format!("version {}", version.version)),
        );
        let record = self
            .inner
            .store
            .append_version(&version, expected, &ev)
            .await?;
        Ok((record, version))
    }

    /// Notifies the record's chart owner, if they have an account and are not the actor.
    pub(super) async fn notify_owner(&self, actor: &Actor, record: &MedicalRecord, what: &str) {
        match self.inner.store.patient(record.patient_id).await {
            Ok(Some(chart)) => {
                if let Some(owner) = chart.user_id.filter(|o| *o != actor.user_id) {
                    self.notify_record(owner, record, what).await;
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not load the chart to notify its owner"),
        }
    }

    pub(super) async fn notify_record(
        &self,
        owner: crate::ids::UserId,
        record: &MedicalRecord,
        what: &str,
    ) {
        self.notify(
            owner,
            NotificationKind::RecordChanged,
            format!(
                "A {} record in your chart was {what}",
                record.kind.replace('_', " ")
            ),
            json!({
                "record_id": record.id,
                "patient_id": record.patient_id,
                "kind": record.kind,
                "version": record.current_version,
            }),
        )
        .await;
    }
}

/// Audit detail: `extra`, plus the break-glass note when the access rests on it.
pub(super) fn detail(decision: &Decision, extra: String) -> Option<String> {
    Some(match MedSync::decision_detail(decision) {
        Some(bg) => format!("{extra}; {bg}"),
        None => extra,
    })
}

/// `PreconditionFailed` unless `record` is at `expected`.
pub(super) fn check_current(record: &MedicalRecord, expected: u64) -> Result<()> {
    if record.current_version == expected {
        Ok(())
    } else {
        Err(Error::PreconditionFailed {
            entity: "record",
            expected,
            current: record.current_version,
        })
    }
}

/// A required reason, trimmed; problems are recorded on field `reason`.
pub(super) fn required_reason(v: &mut Validator, reason: &str) -> String {
    let reason = reason.trim();
    if reason.is_empty() {
        v.push("reason", "is required");
    } else if reason.chars().count() > MAX_REASON {
        v.push("reason", format!("must be at most {MAX_REASON} characters"));
    }
    reason.to_owned()
}

/// An optional reason, trimmed (blank counts as absent).
pub(super) fn optional_reason(v: &mut Validator, reason: Option<&str>) -> Option<String> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty())?;
    if reason.chars().count() > MAX_REASON {
        v.push("reason", format!("must be at most {MAX_REASON} characters"));
    }
    Some(reason.to_owned())
}
