//! Prescribing with an interaction check; reading, completing and cancelling prescriptions.
//!
//! Prescribing runs the injected [`crate::prescriptions::InteractionChecker`] against the
//! chart's active prescriptions and allergy records. Every finding is stored on the
//! prescription; a `Contraindicated` one refuses the prescription (`Conflict` naming the
//! blocking prescription or allergy record) unless the prescriber gives an override reason,
//! which is stored and audited. Every call is audited — reads, writes (in the same atomic
//! storage call), refusals and failures.

use serde_json::json;

use super::support::Subject;
use super::MedSync;
use crate::audit::Outcome;
use crate::error::{Error, Result, Validator};
use crate::identity::Patient;
use crate::ids::{PatientId, PrescriptionId};
use crate::notify::NotificationKind;
use crate::policy::{Action, Actor, Decision, Resource};
use crate::prescriptions::{
    check_medication, InteractionFinding, InteractionResult, Medication, Prescription,
    PrescriptionStatus,
};
use crate::records::RecordContent;

pub use crate::prescriptions::PrescriptionRequest;

/// Longest cancellation reason, in characters.
const MAX_CANCEL_REASON: usize = 500;

/// The outcome of an interaction check, with what each finding was checked against.
struct Checked {
    findings: Vec<InteractionFinding>,
    /// Per finding (same order), the id of the active prescription or allergy record.
    blocking_ids: Vec<String>,
}

impl Checked {
    /// The contraindicated findings with the id of what they were checked against (none if
    /// a custom checker broke the one-finding-per-pair contract, rather than a wrong id).
    fn contraindications(&self) -> impl Iterator<Item = (&InteractionFinding, Option<&String>)> {
        let aligned = self.findings.len() == self.blocking_ids.len();
        self.findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.is_contraindicated())
            .map(move |(i, f)| (f, self.blocking_ids.get(i).filter(|_| aligned)))
    }

    fn summary(&self) -> String {
        let count = |pred: fn(&InteractionFinding) -> bool| {
            self.findings.iter().filter(|f| pred(f)).count()
        };
        format!(
            "{} pairs checked: {} interactions, {} unknown",
            self.findings.len(),
            count(|f| f.result.severity().is_some()),
            count(InteractionFinding::is_unknown),
        )
    }
}

fn describe(f: &InteractionFinding) -> String {
    let what = match &f.result {
        InteractionResult::Interaction { description, .. } => description.as_str(),
        _ => "contraindicated",
    };
    format!("{} with {}: {}", f.drug, f.against, what)
}

/// Audit detail: the decision's break-glass note and `extra`, joined.
fn with_decision(decision: &Decision, extra: Option<String>) -> Option<String> {
    match (MedSync::decision_detail(decision), extra) {
        (Some(bg), Some(e)) => Some(format!("{e}; {bg}")),
        (bg, e) => e.or(bg),
    }
}

impl MedSync {
    /// Prescribes on a chart (`Prescribe`: doctors of the care team or via break-glass).
    ///
    /// Validates the request (`InvalidInput` naming `medication.name`, `dose`, …), requires
    /// an existing (`NotFound`), unarchived (`InvalidState`) chart, then checks the
    /// medication against the chart's active prescriptions and allergy records. A
    /// `Contraindicated` finding without `override_reason` fails with `Conflict`
    /// (`"contraindicated: <drug> with <other>: <description>"`, blocking = the active
    /// prescription's or allergy record's id). With a reason the prescription is stored with
    /// it and the audit entry records the override and what it overrides (`override_reason`
    /// is stored only when it overrode something). All findings are stored; the prescription
    /// starts `Active` at version 1, and the chart's owner is notified (`PrescriptionIssued`).
    /// Refusals and failures are audited as `prescription.create`.
    pub async fn prescribe(
        &self,
        actor: &Actor,
        patient: PatientId,
        req: PrescriptionRequest,
    ) -> Result<Prescription> {
        const ACTION: &str = "prescription.create";
        let subject = Subject::kind("prescription").patient(patient);
        let decision = self
            .authorize(
                actor,
                Action::Prescribe,
                Resource::Chart(patient),
                ACTION,
                &subject,
            )
            .await?;
        let created = async {
            let req = req.normalized()?;
            let chart = self.writable_chart(patient).await?;
            let checked = self.rx_check(patient, &req.medication).await?;
            let overridden: Vec<String> = checked
                .contraindications()
                .map(|(f, _)| describe(f))
                .collect();
            if let Some((f, blocking)) = checked.contraindications().next() {
                if req.override_reason.is_none() {
                    return Err(Error::conflict(
                        format!("contraindicated: {}", describe(f)),
                        blocking.cloned(),
                    ));
                }
            }
            let override_reason = req.override_reason.filter(|_| !overridden.is_empty());
            let now = self.now();
            let id = PrescriptionId(self.uuid(now));
            let rx = Prescription {
                id,
                patient_id: patient,
                prescriber: actor.user_id,
                medication: req.medication,
                dose: req.dose,
                route: req.route,
                frequency: req.frequency,
                duration_days: req.duration_days,
                quantity: req.quantity,
                refills: req.refills,
                instructions: req.instructions,
                status: PrescriptionStatus::Active,
                interactions: checked.findings.clone(),
                override_reason,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            let mut detail = checked.summary();
            if let Some(reason) = &rx.override_reason {
                detail = format!(
                    "override: {reason}; overrides contraindicated {}; {detail}",
                    overridden.join(" | ")
                );
            }
            let subject = Subject::new("prescription", id).patient(patient);
            let ev = self.event(
                Some(actor),
                ACTION,
                &subject,
                Outcome::Allowed,
                with_decision(&decision, Some(detail)),
            );
            self.inner.store.create_prescription(&rx, &ev).await?;
            Ok((rx, chart))
        }
        .await;
        let (rx, chart) = self.or_failed(actor, ACTION, &subject, created).await?;
        self.rx_notify(actor, &chart, &rx, "issued").await;
        Ok(rx)
    }

    /// A dry run for the prescriber (`Prescribe` on the chart; audited as
    /// `prescription.check`): the findings prescribing `medication` would store, in the
    /// checker's order (active prescriptions, then allergies). Nothing is stored.
    pub async fn check_interactions(
        &self,
        actor: &Actor,
        patient: PatientId,
        medication: &Medication,
    ) -> Result<Vec<InteractionFinding>> {
        const ACTION: &str = "prescription.check";
        let subject = Subject::kind("prescription").patient(patient);
        let decision = self
            .authorize(
                actor,
                Action::Prescribe,
                Resource::Chart(patient),
                ACTION,
                &subject,
            )
            .await?;
        let checked = async {
            let mut v = Validator::new();
            let medication = check_medication(&mut v, medication);
            v.finish()?;
            self.writable_chart(patient).await?;
            self.rx_check(patient, &medication).await
        }
        .await;
        let checked = self.or_failed(actor, ACTION, &subject, checked).await?;
        self.audit(
            Some(actor),
            ACTION,
            &subject,
            Outcome::Allowed,
            with_decision(&decision, Some(checked.summary())),
        )
        .await?;
        Ok(checked.findings)
    }

    /// Reads a prescription (`ReadPrescriptions` on its chart; audited as
    /// `prescription.read`). `NotFound` for an unknown id.
    pub async fn get_prescription(
        &self,
        actor: &Actor,
        id: PrescriptionId,
    ) -> Result<Prescription> {
        const ACTION: &str = "prescription.read";
        let rx = self.rx_load(id).await?;
        let subject = Subject::new("prescription", id).patient(rx.patient_id);
        let decision = self
            .authorize(
                actor,
                Action::ReadPrescriptions,
                Resource::Chart(rx.patient_id),
                ACTION,
                &subject,
            )
            .await?;
        self.audit(
            Some(actor),
            ACTION,
            &subject,
            Outcome::Allowed,
            Self::decision_detail(&decision),
        )
        .await?;
        Ok(rx)
    }

    /// The chart's prescriptions, optionally only those in `status`, newest first
    /// (`ReadPrescriptions`; audited as `prescription.list`).
    pub async fn list_prescriptions(
        &self,
        actor: &Actor,
        patient: PatientId,
        status: Option<PrescriptionStatus>,
    ) -> Result<Vec<Prescription>> {
        const ACTION: &str = "prescription.list";
        let subject = Subject::kind("prescription").patient(patient);
        let decision = self
            .authorize(
                actor,
                Action::ReadPrescriptions,
                Resource::Chart(patient),
                ACTION,
                &subject,
            )
            .await?;
        let listed = self
            .inner
            .store
            .prescriptions_for_patient(patient, status)
            .await;
        let list = self.or_failed(actor, ACTION, &subject, listed).await?;
        let detail = format!("{} prescriptions", list.len());
        self.audit(
            Some(actor),
            ACTION,
            &subject,
            Outcome::Allowed,
            with_decision(&decision, Some(detail)),
        )
        .await?;
        Ok(list)
    }

    /// Marks an active prescription completed (`Prescribe`); see
    /// [`MedSync::cancel_prescription`] for the rules.
    pub async fn complete_prescription(
        &self,
        actor: &Actor,
        id: PrescriptionId,
    ) -> Result<Prescription> {
        self.rx_finish(actor, id, PrescriptionStatus::Completed, None)
            .await
    }

    /// Cancels an active prescription (`Prescribe` on its chart; audited as
    /// `prescription.cancel` with the reason, at most 500 characters).
    ///
    /// Only an `Active` prescription moves (`InvalidState` otherwise); the change is a
    /// compare-and-set on the version just read (`PreconditionFailed` if it moved
    /// meanwhile). The chart's owner is notified (`PrescriptionIssued`).
    pub async fn cancel_prescription(
        &self,
        actor: &Actor,
        id: PrescriptionId,
        reason: Option<String>,
    ) -> Result<Prescription> {
        self.rx_finish(actor, id, PrescriptionStatus::Cancelled, reason)
            .await
    }

    async fn rx_finish(
        &self,
        actor: &Actor,
        id: PrescriptionId,
        to: PrescriptionStatus,
        reason: Option<String>,
    ) -> Result<Prescription> {
        let action = match to {
            PrescriptionStatus::Cancelled => "prescription.cancel",
            _ => "prescription.complete",
        };
        let rx = self.rx_load(id).await?;
        let subject = Subject::new("prescription", id).patient(rx.patient_id);
        let decision = self
            .authorize(
                actor,
                Action::Prescribe,
                Resource::Chart(rx.patient_id),
                action,
                &subject,
            )
            .await?;
        let finished = async {
            let reason = reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
            if reason.is_some_and(|r| r.chars().count() > MAX_CANCEL_REASON) {
                return Err(Error::invalid("reason", "must be at most 500 characters"));
            }
            let mut next = rx.finished(to, self.now())?;
            let ev = self.event(
                Some(actor),
                action,
                &subject,
                Outcome::Allowed,
                with_decision(&decision, reason.map(|r| format!("reason: {r}"))),
            );
            self.inner
                .store
                .update_prescription(&next, rx.version, &ev)
                .await?;
            next.version = rx.version.saturating_add(1);
            Ok(next)
        }
        .await;
        let next = self.or_failed(actor, action, &subject, finished).await?;
        if let Ok(Some(chart)) = self.inner.store.patient(next.patient_id).await {
            self.rx_notify(actor, &chart, &next, to.as_str()).await;
        }
        Ok(next)
    }

    /// Runs the checker against the chart's active prescriptions and allergy records.
    async fn rx_check(&self, patient: PatientId, medication: &Medication) -> Result<Checked> {
        let store = &self.inner.store;
        let active = store
            .prescriptions_for_patient(patient, Some(PrescriptionStatus::Active))
            .await?;
        let allergies: Vec<(String, String)> = store
            .records_for_patient(patient, Some("allergy"))
            .await?
            .into_iter()
            .filter_map(|(record, version)| match version.content {
                RecordContent::Allergy { substance, .. } => {
                    Some((record.id.to_string(), substance))
                }
                _ => None,
            })
            .collect();
        let meds: Vec<Medication> = active.iter().map(|p| p.medication.clone()).collect();
        let substances: Vec<String> = allergies.iter().map(|(_, s)| s.clone()).collect();
        let findings = self
            .inner
            .interactions
            .check(medication, &meds, &substances)
            .await?;
        let blocking_ids = active
            .iter()
            .map(|p| p.id.to_string())
            .chain(allergies.into_iter().map(|(id, _)| id))
            .collect();
        Ok(Checked {
            findings,
            blocking_ids,
        })
    }

    async fn rx_load(&self, id: PrescriptionId) -> Result<Prescription> {
        self.inner
            .store
            .prescription(id)
            .await?
            .ok_or_else(|| Error::not_found("prescription", id))
    }

    /// Tells the chart's owner (if they have an account and are not the actor).
    async fn rx_notify(&self, actor: &Actor, chart: &Patient, rx: &Prescription, what: &str) {
        let Some(owner) = chart.user_id.filter(|o| *o != actor.user_id) else {
            return;
        };
        self.notify(
            owner,
            NotificationKind::PrescriptionIssued,
            format!("Prescription for {} {what}", rx.medication.name),
            json!({
                "prescription_id": rx.id,
                "patient_id": rx.patient_id,
                "medication": rx.medication.name,
                "status": rx.status,
            }),
        )
        .await;
    }
}
