//! Medical records: create, read any version, history, diff, amend, restore, list.
//!
//! Records are append-only: an amendment or a restore appends a new immutable version and
//! names the version it read (`expected_version`); a stale one fails with
//! `PreconditionFailed`. Every call is audited — allowed reads, writes (in the same atomic
//! storage call), refusals and failures.

use super::record_guard::{check_current, detail, optional_reason, required_reason};
use super::support::Subject;
use super::MedSync;
use crate::audit::Outcome;
use crate::error::{Error, Result, Validator};
use crate::ids::{PatientId, RecordId};
use crate::policy::{Action, Actor, Resource};
use crate::records::{
    check_content, diff, MedicalRecord, PatchOperation, RecordContent, RecordVersion, VersionChange,
};

impl MedSync {
    /// Creates a record on a chart (doctors of the care team or via break-glass; patients on
    /// their own chart) as version 1 with change `Created`.
    ///
    /// `reason` is optional (blank counts as absent, at most 1000 characters). Fails with
    /// `Forbidden` (audited as denied) when the policy refuses, `InvalidInput` naming
    /// `content.*` or `reason`, `NotFound` for an unknown chart and `InvalidState` for an
    /// archived one; failures are audited. The chart's owner, if they have an account and
    /// are not the actor, is notified with `RecordChanged`.
    pub async fn create_record(
        &self,
        actor: &Actor,
        patient: PatientId,
        content: RecordContent,
        reason: Option<String>,
    ) -> Result<(MedicalRecord, RecordVersion)> {
        const ACTION: &str = "record.create";
        let subject = Subject::kind("record").patient(patient);
        let decision = self
            .authorize(
                actor,
                Action::CreateRecord,
                Resource::Chart(patient),
                ACTION,
                &subject,
            )
            .await?;
        let created = async {
            let mut v = Validator::new();
            check_content(&mut v, &content);
            let reason = optional_reason(&mut v, reason.as_deref());
            v.finish()?;
            let chart = self.writable_chart(patient).await?;
            let now = self.now();
            let id = RecordId(self.uuid(now));
            let record = MedicalRecord {
                id,
                patient_id: patient,
                kind: content.kind().to_owned(),
                current_version: 1,
                created_by: actor.user_id,
                created_at: now,
                updated_at: now,
            };
            let first = RecordVersion {
                record_id: id,
                version: 1,
                content,
                author: actor.user_id,
                at: now,
                reason,
                change: VersionChange::Created,
            };
            let subject = Subject::new("record", id).patient(patient);
            let ev = self.event(
                Some(actor),
                ACTION,
                &subject,
                Outcome::Allowed,
                detail(&decision, format!("{} version 1", record.kind)),
            );
            self.inner.store.create_record(&record, &first, &ev).await?;
            Ok((record, first, chart.user_id))
        }
        .await;
        let (record, first, owner) = self.or_failed(actor, ACTION, &subject, created).await?;
        if let Some(owner) = owner.filter(|o| *o != actor.user_id) {
            self.notify_record(owner, &record, "created").await;
        }
        Ok((record, first))
    }

    /// The record's header and its current version (`ReadRecords`; audited as
    /// `record.read`). `NotFound` for an unknown record.
    pub async fn get_record(
        &self,
        actor: &Actor,
        id: RecordId,
    ) -> Result<(MedicalRecord, RecordVersion)> {
        const ACTION: &str = "record.read";
        let g = self.guard(actor, id, Action::ReadRecords, ACTION).await?;
        let current = self.version_of(&g.record, g.record.current_version).await;
        let current = self.or_failed(actor, ACTION, &g.subject, current).await?;
        self.audit(
            Some(actor),
            ACTION,
            &g.subject,
            Outcome::Allowed,
            detail(&g.decision, format!("version {}", current.version)),
        )
        .await?;
        Ok((g.record, current))
    }

    /// One version of a record (`ReadRecords`; audited as `record.read`). `NotFound` for an
    /// unknown record or version.
    pub async fn record_version(
        &self,
        actor: &Actor,
        id: RecordId,
        version: u64,
    ) -> Result<RecordVersion> {
        const ACTION: &str = "record.read";
        let g = self.guard(actor, id, Action::ReadRecords, ACTION).await?;
        let found = self.version_of(&g.record, version).await;
        let found = self.or_failed(actor, ACTION, &g.subject, found).await?;
        self.audit(
            Some(actor),
            ACTION,
            &g.subject,
            Outcome::Allowed,
            detail(&g.decision, format!("version {version}")),
        )
        .await?;
        Ok(found)
    }

    /// Every version of a record, oldest first (`ReadRecords`; audited as
    /// `record.history`).
    pub async fn record_history(&self, actor: &Actor, id: RecordId) -> Result<Vec<RecordVersion>> {
        const ACTION: &str = "record.history";
        let g = self.guard(actor, id, Action::ReadRecords, ACTION).await?;
        let history = self.inner.store.record_history(id).await;
        let history = self.or_failed(actor, ACTION, &g.subject, history).await?;
        self.audit(
            Some(actor),
            ACTION,
            &g.subject,
            Outcome::Allowed,
            detail(&g.decision, format!("{} versions", history.len())),
        )
        .await?;
        Ok(history)
    }

    /// Appends a new version with `content` (change `Amended`) if the record is still at
    /// `expected_version` (`AmendRecord`: doctors of the care team or via break-glass).
    ///
    /// `reason` is required (non-blank, at most 1000 characters: field `reason`); the
    /// content's kind must be the record's (field `content.kind`). A stale
    /// `expected_version` fails with `PreconditionFailed { entity: "record", expected,
    /// current }` — checked up front and again atomically by the store, so of concurrent
    /// amendments from one version exactly one wins. Failures are audited; the chart's owner
    /// (if not the actor) is notified.
    pub async fn amend_record(
        &self,
        actor: &Actor,
        id: RecordId,
        expected_version: u64,
        content: RecordContent,
        reason: &str,
    ) -> Result<(MedicalRecord, RecordVersion)> {
        const ACTION: &str = "record.amend";
        let g = self.guard(actor, id, Action::AmendRecord, ACTION).await?;
        let amended = async {
            let mut v = Validator::new();
            let reason = required_reason(&mut v, reason);
            check_content(&mut v, &content);
            if content.kind() != g.record.kind {
                v.push(
                    "content.kind",
                    format!(
                        "must stay {} (a record's kind never changes)",
                        g.record.kind
                    ),
                );
            }
            v.finish()?;
            check_current(&g.record, expected_version)?;
            let version = RecordVersion {
                record_id: id,
                version: expected_version.saturating_add(1),
                content,
                author: actor.user_id,
                at: self.now(),
                reason: Some(reason),
                change: VersionChange::Amended,
            };
            self.append(actor, ACTION, &g, version, expected_version)
                .await
        }
        .await;
        let (record, version) = self.or_failed(actor, ACTION, &g.subject, amended).await?;
        self.notify_owner(actor, &record, "amended").await;
        Ok((record, version))
    }

    /// Makes an earlier version's content current again by appending it as a new version
    /// (change `Restored { from }`); history is never rewritten. Needs `AmendRecord`, a reason
    /// (field `reason`) and the current `expected_version` (else `PreconditionFailed`).
    /// `NotFound` for an unknown `restore_version`; `InvalidInput` (field `restore_version`)
    /// when it already is the current version. Failures are audited; the owner is notified.
    pub async fn restore_record(
        &self,
        actor: &Actor,
        id: RecordId,
        restore_version: u64,
        expected_version: u64,
        reason: &str,
    ) -> Result<(MedicalRecord, RecordVersion)> {
        const ACTION: &str = "record.restore";
        let g = self.guard(actor, id, Action::AmendRecord, ACTION).await?;
        let restored = async {
            let mut v = Validator::new();
            let reason = required_reason(&mut v, reason);
            v.finish()?;
            check_current(&g.record, expected_version)?;
            if restore_version == g.record.current_version {
                return Err(Error::invalid(
                    "restore_version",
                    "is already the current version",
                ));
            }
            let old = self.version_of(&g.record, restore_version).await?;
            let version = RecordVersion {
                record_id: id,
                version: expected_version.saturating_add(1),
                content: old.content,
                author: actor.user_id,
                at: self.now(),
                reason: Some(reason),
                change: VersionChange::Restored {
                    from: restore_version,
                },
            };
            self.append(actor, ACTION, &g, version, expected_version)
                .await
        }
        .await;
        let (record, version) = self.or_failed(actor, ACTION, &g.subject, restored).await?;
        self.notify_owner(actor, &record, "restored to an earlier version")
            .await;
        Ok((record, version))
    }

    /// The RFC 6902 JSON Patch turning version `from`'s content into version `to`'s
    /// (`ReadRecords`; audited as `record.diff`). `NotFound` for an unknown version; equal
    /// versions give an empty patch.
    pub async fn diff_record(
        &self,
        actor: &Actor,
        id: RecordId,
        from: u64,
        to: u64,
    ) -> Result<Vec<PatchOperation>> {
        const ACTION: &str = "record.diff";
        let g = self.guard(actor, id, Action::ReadRecords, ACTION).await?;
        let patch = async {
            let a = self.version_of(&g.record, from).await?;
            let b = self.version_of(&g.record, to).await?;
            Ok(diff(&a.content, &b.content))
        }
        .await;
        let patch = self.or_failed(actor, ACTION, &g.subject, patch).await?;
        self.audit(
            Some(actor),
            ACTION,
            &g.subject,
            Outcome::Allowed,
            detail(&g.decision, format!("versions {from} to {to}")),
        )
        .await?;
        Ok(patch)
    }

    /// A chart's records with their current versions, ordered by creation, optionally of one
    /// `kind` (one of [`RecordContent::KINDS`], else `InvalidInput` on field `kind`).
    /// `ReadRecords`; audited as `record.list`.
    pub async fn list_records(
        &self,
        actor: &Actor,
        patient: PatientId,
        kind: Option<&str>,
    ) -> Result<Vec<(MedicalRecord, RecordVersion)>> {
        const ACTION: &str = "record.list";
        let subject = Subject::kind("record").patient(patient);
        let decision = self
            .authorize(
                actor,
                Action::ReadRecords,
                Resource::Chart(patient),
                ACTION,
                &subject,
            )
            .await?;
        let listed = async {
            if let Some(k) = kind {
                if !RecordContent::KINDS.contains(&k) {
                    return Err(Error::invalid(
                        "kind",
                        format!("must be one of {}", RecordContent::KINDS.join(", ")),
                    ));
                }
            }
            self.inner.store.records_for_patient(patient, kind).await
        }
        .await;
        let list = self.or_failed(actor, ACTION, &subject, listed).await?;
        self.audit(
            Some(actor),
            ACTION,
            &subject,
            Outcome::Allowed,
            detail(&decision, format!("{} records", list.len())),
        )
        .await?;
        Ok(list)
    }

    /// Records are append-only and are never deleted: this asks the policy for
    /// `DeleteRecord` (which the standard rules deny to everyone, so the attempt is audited
    /// as denied and fails with `Forbidden`) and, should an embedder's policy allow it, still
    /// refuses with `InvalidState("records are append-only; amend instead")`, audited as a
    /// failure. Correct a record with [`MedSync::amend_record`] instead.
    pub async fn delete_record(&self, actor: &Actor, id: RecordId) -> Result<()> {
        const ACTION: &str = "record.delete";
        let g = self.guard(actor, id, Action::DeleteRecord, ACTION).await?;
        let refused = Error::InvalidState("records are append-only; amend instead".into());
        self.failed(Some(actor), ACTION, &g.subject, refused).await
    }
}
