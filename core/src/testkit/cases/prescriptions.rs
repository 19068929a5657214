//! Prescriptions: the lifecycle, contraindications and their override, findings that are never
//! silent, allergy checks, and validation.

use std::sync::Arc;

use chrono::Duration;
use uuid::Uuid;

use crate::audit::{AuditEntry, Outcome};
use crate::error::Error;
use crate::identity::Role;
use crate::ids::PrescriptionId;
use crate::notify::NotificationKind;
use crate::prescriptions::{
    InteractionFinding, InteractionResult, Medication, PrescriptionRequest, PrescriptionStatus,
    Severity,
};
use crate::records::{AllergySeverity, RecordContent};
use crate::store::{AuditFilter, Page, Store};
use crate::testkit::fixture::{Fixture, FixtureDoctor, FixturePatient};

/// A plain oral prescription of `name`.
fn rx(name: &str) -> PrescriptionRequest {
    let mut r = PrescriptionRequest::new(Medication::named(name), "1 tablet", "oral", "daily", 30);
    r.duration_days = Some(30);
    r
}

/// A doctor with `patient` on their care team (through a confirmed appointment).
async fn treating(f: &Fixture, name: &str, patient: &FixturePatient) -> FixtureDoctor {
    let d = f.doctor(name).await;
    f.confirmed(&d, patient, f.at(0, 10, 0)).await;
    d
}

/// The audit entries whose action is exactly `action`.
async fn audit_of(f: &Fixture, action: &str) -> Vec<AuditEntry> {
    let filter = AuditFilter {
        action_prefix: Some(action.to_owned()),
        ..Default::default()
    };
    f.svc
        .audit_log(&f.admin, &filter, Page::first(500))
        .await
        .expect("admin reads the audit log")
        .into_iter()
        .filter(|e| e.event.action == action)
        .collect()
}

fn forbidden<T: std::fmt::Debug>(r: Result<T, Error>) {
    assert!(matches!(r, Err(Error::Forbidden(_))), "{r:?}");
}

fn invalid_state<T: std::fmt::Debug>(r: Result<T, Error>) {
    assert!(matches!(r, Err(Error::InvalidState(_))), "{r:?}");
}

fn fields<T: std::fmt::Debug>(r: Result<T, Error>) -> Vec<String> {
    match r {
        Err(e @ Error::InvalidInput(_)) => {
            e.field_errors().iter().map(|f| f.field.clone()).collect()
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
}

/// `(message, blocking)` of a `Conflict`.
fn conflict<T: std::fmt::Debug>(r: Result<T, Error>) -> (String, Option<String>) {
    match r {
        Err(Error::Conflict { message, blocking }) => (message, blocking),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// The finding checked against `against`.
fn against<'a>(findings: &'a [InteractionFinding], against: &str) -> &'a InteractionFinding {
    findings
        .iter()
        .find(|f| f.against == against)
        .unwrap_or_else(|| panic!("no finding against {against}: {findings:?}"))
}

/// A care-team doctor prescribes; the patient reads it and is notified; nurses read but never
/// prescribe; other patients see nothing; completed and cancelled are final.
pub async fn prescription_lifecycle_and_patient_notified(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let p = f.patient("Pat Script").await;
    let q = f.patient("Quinn Other").await;
    let stranger = f.doctor("Dr Stranger").await;
    forbidden(
        f.svc
            .prescribe(&stranger.actor, p.chart, rx("metformin"))
            .await,
    );
    let d = treating(&f, "Dr Script", &p).await;

    let first = f
        .svc
        .prescribe(&d.actor, p.chart, rx("metformin"))
        .await
        .expect("care-team doctor prescribes");
    assert_eq!(first.status, PrescriptionStatus::Active);
    assert_eq!(first.version, 1);
    assert_eq!(first.prescriber, d.user.id);
    assert_eq!(first.patient_id, p.chart);
    assert!(first.interactions.is_empty(), "nothing to check against");
    assert_eq!(first.override_reason, None);

    // The patient reads it and was told.
    assert_eq!(
        f.svc.get_prescription(&p.actor, first.id).await.unwrap(),
        first
    );
    let notes = f
        .svc
        .notifications(&p.actor, false, Page::default())
        .await
        .unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.kind == NotificationKind::PrescriptionIssued
                && n.data["prescription_id"] == first.id.to_string()),
        "{notes:?}"
    );

    // Nurses never prescribe; an assigned nurse reads.
    let nurse = f.user("Nia Nurse", Role::Nurse).await;
    forbidden(f.svc.get_prescription(&nurse, first.id).await);
    f.svc
        .assign_care_team(&f.admin, p.chart, nurse.user_id)
        .await
        .unwrap();
    forbidden(f.svc.prescribe(&nurse, p.chart, rx("metformin")).await);
    f.svc
        .get_prescription(&nurse, first.id)
        .await
        .expect("assigned nurse reads");
    assert_eq!(
        f.svc
            .list_prescriptions(&nurse, p.chart, None)
            .await
            .unwrap()
            .len(),
        1
    );
    // Other patients and the patient themself cannot act.
    forbidden(f.svc.get_prescription(&q.actor, first.id).await);
    forbidden(f.svc.list_prescriptions(&q.actor, p.chart, None).await);
    forbidden(f.svc.prescribe(&p.actor, p.chart, rx("metformin")).await);
    forbidden(f.svc.complete_prescription(&p.actor, first.id).await);
    forbidden(f.svc.get_prescription(&stranger.actor, first.id).await);

    f.clock.advance(Duration::minutes(1));
    let second = f
        .svc
        .prescribe(&d.actor, p.chart, rx("atorvastatin"))
        .await
        .unwrap();
    let all = f
        .svc
        .list_prescriptions(&p.actor, p.chart, None)
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|r| r.id).collect::<Vec<_>>(),
        [second.id, first.id],
        "newest first"
    );

    let done = f
        .svc
        .complete_prescription(&d.actor, first.id)
        .await
        .unwrap();
    assert_eq!(done.status, PrescriptionStatus::Completed);
    assert_eq!(done.version, 2);
    invalid_state(
        f.svc
            .cancel_prescription(&d.actor, first.id, Some("changed my mind".into()))
            .await,
    );
    invalid_state(f.svc.complete_prescription(&d.actor, first.id).await);
    let cancelled = f
        .svc
        .cancel_prescription(&d.actor, second.id, Some("muscle pain".into()))
        .await
        .unwrap();
    assert_eq!(cancelled.status, PrescriptionStatus::Cancelled);
    invalid_state(f.svc.complete_prescription(&d.actor, second.id).await);
    assert_eq!(
        f.svc.get_prescription(&p.actor, second.id).await.unwrap(),
        cancelled
    );

    let by_status = |s| f.svc.list_prescriptions(&d.actor, p.chart, Some(s));
    assert!(by_status(PrescriptionStatus::Active)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        by_status(PrescriptionStatus::Completed).await.unwrap(),
        [done]
    );
    assert_eq!(
        by_status(PrescriptionStatus::Cancelled).await.unwrap(),
        [cancelled]
    );

    // Writes, reads and refusals are all audited.
    let created = audit_of(&f, "prescription.create").await;
    assert!(created.iter().any(|e| e.event.outcome == Outcome::Allowed));
    assert!(created
        .iter()
        .any(|e| e.event.outcome == Outcome::Denied && e.event.actor == Some(nurse.user_id)));
    let cancels = audit_of(&f, "prescription.cancel").await;
    assert!(cancels.iter().any(|e| e.event.outcome == Outcome::Allowed
        && e.event
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("muscle pain")));
    assert!(!audit_of(&f, "prescription.read").await.is_empty());
    assert!(!audit_of(&f, "prescription.list").await.is_empty());
}

/// Active simvastatin then clarithromycin is refused, naming the simvastatin prescription;
/// with an override reason it is stored, and the audit records the override.
pub async fn contraindication_blocks_unless_overridden(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let p = f.patient("Sam Statin").await;
    let d = treating(&f, "Dr Macro", &p).await;
    let statin = f
        .svc
        .prescribe(&d.actor, p.chart, rx("simvastatin"))
        .await
        .unwrap();

    let (message, blocking) = conflict(
        f.svc
            .prescribe(&d.actor, p.chart, rx("clarithromycin"))
            .await,
    );
    assert_eq!(blocking, Some(statin.id.to_string()));
    assert!(
        message.starts_with("contraindicated: clarithromycin with simvastatin: "),
        "{message}"
    );
    assert_eq!(
        f.svc
            .list_prescriptions(&d.actor, p.chart, None)
            .await
            .unwrap()
            .len(),
        1,
        "nothing stored"
    );
    assert!(audit_of(&f, "prescription.create")
        .await
        .iter()
        .any(|e| e.event.outcome == Outcome::Failed
            && e.event
                .detail
                .as_deref()
                .unwrap_or("")
                .contains("contraindicated")));

    // The dry run shows the same and stores nothing.
    let dry = f
        .svc
        .check_interactions(&d.actor, p.chart, &Medication::named("Biaxin"))
        .await
        .unwrap();
    assert!(against(&dry, "simvastatin").is_contraindicated(), "{dry:?}");
    assert!(!audit_of(&f, "prescription.check").await.is_empty());
    forbidden(
        f.svc
            .check_interactions(&p.actor, p.chart, &Medication::named("Biaxin"))
            .await,
    );

    // A token reason is not enough.
    let mut req = rx("clarithromycin");
    req.override_reason = Some("ok".into());
    assert_eq!(
        fields(f.svc.prescribe(&d.actor, p.chart, req.clone()).await),
        ["override_reason"]
    );

    let reason = "Statin held for the 7-day course; CK monitored";
    req.override_reason = Some(reason.into());
    let macrolide = f
        .svc
        .prescribe(&d.actor, p.chart, req)
        .await
        .expect("overridden");
    assert_eq!(macrolide.override_reason.as_deref(), Some(reason));
    let finding = against(&macrolide.interactions, "simvastatin");
    assert!(finding.is_contraindicated(), "{finding:?}");
    assert_eq!(macrolide.interactions.len(), 1);
    assert_eq!(
        f.svc
            .get_prescription(&d.actor, macrolide.id)
            .await
            .unwrap(),
        macrolide
    );

    let log = f
        .svc
        .audit_log(&f.admin, &AuditFilter::default(), Page::first(200))
        .await
        .unwrap();
    let entry = log
        .iter()
        .find(|e| {
            e.event.action == "prescription.create"
                && e.event.outcome == Outcome::Allowed
                && e.event.detail.as_deref().unwrap_or("").contains(reason)
        })
        .expect("the override is audited");
    let detail = entry.event.detail.as_deref().unwrap_or("");
    assert!(detail.contains("override: "), "{detail}");
    assert!(
        detail.contains("clarithromycin with simvastatin"),
        "{detail}"
    );
    assert_eq!(entry.event.resource_id, Some(macrolide.id.to_string()));

    // With the macrolide now active, a new statin is blocked by it in turn.
    f.svc
        .cancel_prescription(&d.actor, statin.id, Some("interaction".into()))
        .await
        .unwrap();
    let (_, blocking) = conflict(f.svc.prescribe(&d.actor, p.chart, rx("Zocor")).await);
    assert_eq!(blocking, Some(macrolide.id.to_string()));
}

/// An unknown drug is recorded as unknown, never as safe; a major interaction is recorded
/// but does not block.
pub async fn interaction_findings_are_never_silent(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let p = f.patient("Wanda Warfarin").await;
    let d = treating(&f, "Dr Coag", &p).await;
    f.svc
        .prescribe(&d.actor, p.chart, rx("warfarin"))
        .await
        .unwrap();

    let novel = f
        .svc
        .prescribe(&d.actor, p.chart, rx("Zyxotrol"))
        .await
        .expect("unknown drugs are not blocked");
    assert_eq!(novel.interactions.len(), 1);
    assert_eq!(
        against(&novel.interactions, "warfarin").result,
        InteractionResult::UnknownDrug {
            drug: "Zyxotrol".into()
        }
    );

    let nsaid = f
        .svc
        .prescribe(&d.actor, p.chart, rx("Ibuprofen"))
        .await
        .expect("major interactions are recorded, not blocking");
    assert_eq!(nsaid.interactions.len(), 2, "one finding per active drug");
    let major = against(&nsaid.interactions, "warfarin");
    assert_eq!(major.drug, "Ibuprofen");
    assert!(
        matches!(
            &major.result,
            InteractionResult::Interaction { severity: Severity::Major, description, source }
                if !description.is_empty() && !source.is_empty()
        ),
        "{major:?}"
    );
    assert_eq!(
        against(&nsaid.interactions, "Zyxotrol").result,
        InteractionResult::UnknownDrug {
            drug: "Zyxotrol".into()
        }
    );
    assert_eq!(nsaid.override_reason, None);
    assert_eq!(
        f.svc.get_prescription(&p.actor, nsaid.id).await.unwrap(),
        nsaid
    );

    let plain = f
        .svc
        .prescribe(&d.actor, p.chart, rx("metformin"))
        .await
        .unwrap();
    assert_eq!(plain.interactions.len(), 3);
    assert_eq!(
        against(&plain.interactions, "warfarin").result,
        InteractionResult::NoKnownInteraction
    );
    assert!(against(&plain.interactions, "Zyxotrol").is_unknown());
}

/// A penicillin allergy record blocks amoxicillin, naming the allergy record.
pub async fn allergy_contraindication_blocks(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let p = f.patient("Penny Allergic").await;
    let d = treating(&f, "Dr Allergy", &p).await;
    let (allergy, _) = f
        .svc
        .create_record(
            &d.actor,
            p.chart,
            RecordContent::Allergy {
                substance: "penicillin".into(),
                reaction: Some("hives".into()),
                severity: AllergySeverity::Severe,
            },
            None,
        )
        .await
        .expect("record the allergy");

    let (message, blocking) = conflict(f.svc.prescribe(&d.actor, p.chart, rx("amoxicillin")).await);
    assert_eq!(blocking, Some(allergy.id.to_string()));
    assert!(
        message.contains("amoxicillin with allergy:penicillin"),
        "{message}"
    );

    let cross = f
        .svc
        .prescribe(&d.actor, p.chart, rx("cephalexin"))
        .await
        .expect("cross-reactivity is a warning");
    assert_eq!(
        against(&cross.interactions, "allergy:penicillin")
            .result
            .severity(),
        Some(Severity::Moderate)
    );

    let dry = f
        .svc
        .check_interactions(&d.actor, p.chart, &Medication::named("Augmentin"))
        .await
        .unwrap();
    assert!(against(&dry, "allergy:penicillin").is_contraindicated());
    assert_eq!(dry.len(), 2, "the active cephalexin and the allergy");

    let mut req = rx("amoxicillin");
    req.override_reason = Some("Graded challenge under allergist supervision".into());
    let overridden = f.svc.prescribe(&d.actor, p.chart, req).await.unwrap();
    assert!(overridden.override_reason.is_some());
    assert!(against(&overridden.interactions, "allergy:penicillin").is_contraindicated());
}

/// Invalid requests name their fields and store nothing; archived charts and unknown ids are
/// refused.
pub async fn prescription_validation_names_fields(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let p = f.patient("Val Idate").await;
    let d = treating(&f, "Dr Valid", &p).await;

    let bad = PrescriptionRequest {
        medication: Medication {
            name: "  ".into(),
            rxnorm: Some("abc".into()),
        },
        dose: String::new(),
        route: "r".repeat(101),
        frequency: " ".into(),
        duration_days: Some(0),
        quantity: 0,
        refills: 13,
        instructions: Some("i".repeat(2001)),
        override_reason: Some("short".into()),
    };
    let got = fields(f.svc.prescribe(&d.actor, p.chart, bad).await);
    for field in [
        "medication.name",
        "medication.rxnorm",
        "dose",
        "route",
        "frequency",
        "duration_days",
        "quantity",
        "refills",
        "instructions",
        "override_reason",
    ] {
        assert!(
            got.iter().any(|g| g == field),
            "{field} missing from {got:?}"
        );
    }
    let mut long = rx(&"m".repeat(201));
    long.quantity = 10_001;
    long.duration_days = Some(366);
    let got = fields(f.svc.prescribe(&d.actor, p.chart, long).await);
    assert_eq!(got, ["medication.name", "quantity", "duration_days"]);
    assert_eq!(
        fields(
            f.svc
                .check_interactions(&d.actor, p.chart, &Medication::named(""))
                .await
        ),
        ["medication.name"]
    );
    assert!(f
        .svc
        .list_prescriptions(&d.actor, p.chart, None)
        .await
        .unwrap()
        .is_empty());
    assert!(audit_of(&f, "prescription.create")
        .await
        .iter()
        .any(|e| e.event.outcome == Outcome::Failed));

    let ok = f
        .svc
        .prescribe(&d.actor, p.chart, rx("metformin"))
        .await
        .unwrap();
    assert_eq!(
        fields(
            f.svc
                .cancel_prescription(&d.actor, ok.id, Some("x".repeat(501)))
                .await
        ),
        ["reason"]
    );
    let missing = PrescriptionId(Uuid::from_u128(42));
    assert!(matches!(
        f.svc.get_prescription(&d.actor, missing).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        f.svc.complete_prescription(&d.actor, missing).await,
        Err(Error::NotFound { .. })
    ));

    f.svc.archive_patient(&f.admin, p.chart).await.unwrap();
    invalid_state(f.svc.prescribe(&d.actor, p.chart, rx("metformin")).await);
}
