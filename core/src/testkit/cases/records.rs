//! Medical records: immutable versions, history, diff, restore, the amendment race, notes,
//! and access by policy.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Duration;

use crate::audit::{AuditEntry, Outcome};
use crate::error::Error;
use crate::identity::Role;
use crate::ids::{PatientId, RecordId};
use crate::notify::NotificationKind;
use crate::policy::{Action, Actor};
use crate::records::{
    AllergySeverity, DiagnosisStatus, MedicalRecord, PatchOperation, RecordContent, RecordVersion,
    VersionChange,
};
use crate::store::{AuditFilter, Page, Store};
use crate::testkit::fixture::Fixture;

fn diagnosis(description: &str, status: DiagnosisStatus, code: Option<&str>) -> RecordContent {
    RecordContent::Diagnosis {
        code: code.map(str::to_owned),
        description: description.into(),
        status,
        onset: None,
    }
}

fn asthma() -> RecordContent {
    diagnosis("Asthma", DiagnosisStatus::Active, None)
}

/// The audit entries about `action` (prefix), oldest first.
async fn audit_of(f: &Fixture, action: &str) -> Vec<AuditEntry> {
    let filter = AuditFilter {
        action_prefix: Some(action.to_owned()),
        ..Default::default()
    };
    let mut log = f
        .svc
        .audit_log(&f.admin, &filter, Page::first(500))
        .await
        .expect("admin reads the audit log");
    // Oldest first by event time; `seq` orders only within one chain, and a backend may use
    // several.
    log.sort_by_key(|e| (e.event.at, e.chain, e.seq));
    log.into_iter()
        .filter(|e| e.event.action == action)
        .collect()
}

/// A doctor on `chart`'s care team creates a diagnosis record.
async fn create(f: &Fixture, doctor: &Actor, chart: PatientId) -> (MedicalRecord, RecordVersion) {
    f.svc
        .create_record(doctor, chart, asthma(), Some("initial assessment".into()))
        .await
        .expect("create record")
}

fn is_forbidden<T: std::fmt::Debug>(r: &Result<T, Error>) -> bool {
    matches!(r, Err(Error::Forbidden(_)))
}

fn fields<T: std::fmt::Debug>(r: Result<T, Error>) -> Vec<String> {
    match r {
        Err(e @ Error::InvalidInput(_)) => {
            e.field_errors().iter().map(|f| f.field.clone()).collect()
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
}

/// Create → amend twice → three immutable versions in order with authors and reasons; any
/// version reads back; the diff v1→v3 replaces what changed; restoring v1 appends v4
/// (`Restored { from: 1 }`) without touching history; the patient is notified.
pub async fn record_versions_are_immutable_with_history_and_diff(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    f.svc
        .assign_care_team(&f.admin, p.chart, d.user.id)
        .await
        .unwrap();
    let (rec, v1) = create(&f, &d.actor, p.chart).await;
    assert_eq!((rec.current_version, rec.kind.as_str()), (1, "diagnosis"));
    assert_eq!((v1.version, v1.change), (1, VersionChange::Created));
    assert_eq!(rec.created_by, d.user.id);

    f.clock.advance(Duration::minutes(5));
    let (_, v2) = f
        .svc
        .amend_record(
            &d.actor,
            rec.id,
            1,
            diagnosis("Mild asthma", DiagnosisStatus::Active, None),
            "refined after spirometry",
        )
        .await
        .unwrap();
    f.clock.advance(Duration::minutes(5));
    let (h3, v3) = f
        .svc
        .amend_record(
            &d.actor,
            rec.id,
            2,
            diagnosis("Mild asthma", DiagnosisStatus::Resolved, Some("J45.20")),
            "  resolved  ",
        )
        .await
        .unwrap();
    assert_eq!((h3.current_version, h3.updated_at), (3, v3.at));
    assert_eq!(h3.created_at, rec.created_at);
    assert_eq!(
        v3.reason.as_deref(),
        Some("resolved"),
        "reasons are trimmed"
    );

    let history = f.svc.record_history(&d.actor, rec.id).await.unwrap();
    assert_eq!(history, vec![v1.clone(), v2.clone(), v3.clone()]);
    assert!(history.windows(2).all(|w| w[0].at < w[1].at));
    assert!(history.iter().all(|v| v.author == d.user.id));
    assert_eq!(
        history.iter().map(|v| v.change).collect::<Vec<_>>(),
        [
            VersionChange::Created,
            VersionChange::Amended,
            VersionChange::Amended
        ]
    );
    assert_eq!(
        history
            .iter()
            .map(|v| v.reason.as_deref())
            .collect::<Vec<_>>(),
        [
            Some("initial assessment"),
            Some("refined after spirometry"),
            Some("resolved")
        ]
    );
    for v in &history {
        assert_eq!(
            &f.svc
                .record_version(&p.actor, rec.id, v.version)
                .await
                .unwrap(),
            v
        );
    }
    assert!(matches!(
        f.svc.record_version(&d.actor, rec.id, 4).await,
        Err(Error::NotFound { .. })
    ));
    let (header, current) = f.svc.get_record(&d.actor, rec.id).await.unwrap();
    assert_eq!((header, current), (h3.clone(), v3.clone()));

    let mut ops = f.svc.diff_record(&d.actor, rec.id, 1, 3).await.unwrap();
    ops.sort_by(|a, b| a.path.cmp(&b.path));
    let replace = |path: &str, value: serde_json::Value| PatchOperation {
        op: "replace".into(),
        path: path.into(),
        value: Some(value),
        from: None,
    };
    assert_eq!(
        ops,
        vec![
            replace("/code", "J45.20".into()),
            replace("/description", "Mild asthma".into()),
            replace("/status", "resolved".into()),
        ]
    );
    assert!(f
        .svc
        .diff_record(&d.actor, rec.id, 3, 3)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        f.svc.diff_record(&d.actor, rec.id, 1, 9).await,
        Err(Error::NotFound { .. })
    ));

    f.clock.advance(Duration::minutes(5));
    let (h4, v4) = f
        .svc
        .restore_record(&d.actor, rec.id, 1, 3, "resolution was premature")
        .await
        .unwrap();
    assert_eq!(h4.current_version, 4);
    assert_eq!(v4.version, 4);
    assert_eq!(v4.change, VersionChange::Restored { from: 1 });
    assert_eq!(v4.content, v1.content);
    assert_eq!(v4.reason.as_deref(), Some("resolution was premature"));
    assert!(f
        .svc
        .diff_record(&d.actor, rec.id, 1, 4)
        .await
        .unwrap()
        .is_empty());
    let history = f.svc.record_history(&d.actor, rec.id).await.unwrap();
    assert_eq!(
        history,
        vec![v1, v2, v3, v4.clone()],
        "history never rewritten"
    );
    let r = f
        .svc
        .restore_record(&d.actor, rec.id, 2, 3, "stale restore")
        .await;
    assert!(
        matches!(
            r,
            Err(Error::PreconditionFailed {
                expected: 3,
                current: 4,
                ..
            })
        ),
        "{r:?}"
    );

    let listed = f.svc.list_records(&p.actor, p.chart, None).await.unwrap();
    assert_eq!(listed, vec![(h4, v4)]);
    let kinds: Vec<_> = f
        .svc
        .notifications(&p.actor, false, Page::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == NotificationKind::RecordChanged)
        .collect();
    assert_eq!(kinds.len(), 4, "created, amended twice, restored");
    assert!(kinds
        .iter()
        .all(|n| n.data["record_id"] == serde_json::json!(rec.id)));
    assert_eq!(audit_of(&f, "record.create").await.len(), 1);
    assert_eq!(audit_of(&f, "record.amend").await.len(), 2);
    let restores = audit_of(&f, "record.restore").await;
    assert_eq!(
        restores.iter().map(|e| e.event.outcome).collect::<Vec<_>>(),
        [Outcome::Allowed, Outcome::Failed]
    );
}

/// 16 tasks amend the same version at once: exactly one wins, the others fail with
/// `PreconditionFailed { current: 2 }` (audited), and history holds two versions.
pub async fn concurrent_amendments_exactly_one_wins(store: Arc<dyn Store>) {
    let f = Arc::new(Fixture::new(store).await);
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    f.svc
        .assign_care_team(&f.admin, p.chart, d.user.id)
        .await
        .unwrap();
    let (rec, _) = create(&f, &d.actor, p.chart).await;
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let (f, actor) = (f.clone(), d.actor.clone());
            let content = diagnosis(&format!("Asthma, take {i}"), DiagnosisStatus::Active, None);
            tokio::spawn(async move {
                f.svc
                    .amend_record(&actor, rec.id, 1, content, "concurrent edit")
                    .await
            })
        })
        .collect();
    let (mut winners, mut stale) = (Vec::new(), 0);
    for t in tasks {
        match t.await.expect("task") {
            Ok((h, v)) => winners.push((h, v)),
            Err(Error::PreconditionFailed {
                entity: "record",
                expected: 1,
                current: 2,
            }) => stale += 1,
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!((winners.len(), stale), (1, 15));
    let (header, won) = winners.remove(0);
    assert_eq!(header.current_version, 2);
    let history = f.svc.record_history(&d.actor, rec.id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1], won);
    assert_eq!(f.svc.get_record(&d.actor, rec.id).await.unwrap().1, won);
    let amends = audit_of(&f, "record.amend").await;
    let count = |o: Outcome| amends.iter().filter(|e| e.event.outcome == o).count();
    assert_eq!((count(Outcome::Allowed), count(Outcome::Failed)), (1, 15));
}

/// An amendment from a stale version names the version it read and the current one, and
/// changes nothing.
pub async fn stale_amendment_names_current_version(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    f.confirmed(&d, &p, f.at(0, 10, 0)).await;
    let (rec, _) = create(&f, &d.actor, p.chart).await;
    for expected in [1, 2] {
        let content = diagnosis(
            &format!("Asthma v{}", expected + 1),
            DiagnosisStatus::Active,
            None,
        );
        f.svc
            .amend_record(&d.actor, rec.id, expected, content, "update")
            .await
            .unwrap();
    }
    for expected in [1, 2, 5, 0] {
        let e = f
            .svc
            .amend_record(&d.actor, rec.id, expected, asthma(), "late edit")
            .await
            .unwrap_err();
        match &e {
            Error::PreconditionFailed {
                entity,
                expected: x,
                current,
            } => assert_eq!((*entity, *x, *current), ("record", expected, 3)),
            other => panic!("expected precondition failure, got {other:?}"),
        }
        assert!(e.to_string().contains("version 3"), "{e}");
    }
    let history = f.svc.record_history(&d.actor, rec.id).await.unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[2].content, {
        diagnosis("Asthma v3", DiagnosisStatus::Active, None)
    });
}

/// An assigned nurse reads and adds notes but may not amend, restore or create (each refusal
/// audited as denied); nobody deletes a record, not even its doctor.
pub async fn nurse_cannot_amend_and_is_audited(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    let nurse = f.user("Nina Nurse", Role::Nurse).await;
    f.confirmed(&d, &p, f.at(0, 10, 0)).await;
    f.svc
        .assign_care_team(&f.admin, p.chart, nurse.user_id)
        .await
        .unwrap();
    let (rec, v1) = create(&f, &d.actor, p.chart).await;

    assert_eq!(f.svc.get_record(&nurse, rec.id).await.unwrap().1, v1);
    let note = f
        .svc
        .add_note(&nurse, rec.id, "  Inhaler technique reviewed.  ")
        .await
        .unwrap();
    assert_eq!(
        (
            note.text.as_str(),
            note.author,
            note.record_id,
            note.patient_id
        ),
        (
            "Inhaler technique reviewed.",
            nurse.user_id,
            rec.id,
            p.chart
        )
    );
    let doc_note = f
        .svc
        .add_note(&d.actor, rec.id, "Spirometry booked.")
        .await
        .unwrap();
    assert!(is_forbidden(
        &f.svc.add_note(&p.actor, rec.id, "I feel fine").await
    ));

    let amend = f
        .svc
        .amend_record(&nurse, rec.id, 1, asthma(), "nurse edit")
        .await;
    assert!(is_forbidden(&amend), "{amend:?}");
    let denied: Vec<_> = audit_of(&f, "record.amend")
        .await
        .into_iter()
        .filter(|e| e.event.actor == Some(nurse.user_id))
        .collect();
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].event.outcome, Outcome::Denied);
    assert_eq!(denied[0].event.patient_id, Some(p.chart));
    assert_eq!(denied[0].event.resource_id, Some(rec.id.to_string()));
    assert!(is_forbidden(
        &f.svc
            .restore_record(&nurse, rec.id, 1, 1, "nurse restore")
            .await
    ));
    assert!(is_forbidden(
        &f.svc.create_record(&nurse, p.chart, asthma(), None).await
    ));

    for who in [&nurse, &d.actor, &p.actor, &f.admin] {
        let r = f.svc.delete_record(who, rec.id).await;
        assert!(is_forbidden(&r), "{:?} deleted a record: {r:?}", who.role);
    }
    let deletes = audit_of(&f, "record.delete").await;
    assert_eq!(deletes.len(), 4);
    assert!(deletes.iter().all(|e| e.event.outcome == Outcome::Denied));

    let notes = f.svc.record_notes(&p.actor, rec.id).await.unwrap();
    assert_eq!(notes, vec![note, doc_note]);
    assert_eq!(
        f.svc.record_history(&d.actor, rec.id).await.unwrap(),
        vec![v1]
    );
    assert_eq!(audit_of(&f, "record.note.add").await.len(), 3);
}

/// Patients read (and create on) their own chart only; caregivers read with a
/// `ReadRecords` grant only; admins never read clinical content; a doctor outside the care
/// team is refused until break-glass, and the read is audited as such.
pub async fn record_access_follows_policy(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let outsider = f.doctor("Dr House").await;
    let p = f.patient("Pat Doe").await;
    let q = f.patient("Quinn Roe").await;
    let carol = f.user("Carol Care", Role::Caregiver).await;
    f.svc
        .assign_care_team(&f.admin, p.chart, d.user.id)
        .await
        .unwrap();
    let (rec, v1) = create(&f, &d.actor, p.chart).await;

    assert_eq!(f.svc.get_record(&p.actor, rec.id).await.unwrap().1, v1);
    let own = RecordContent::Allergy {
        substance: "peanuts".into(),
        reaction: Some("hives".into()),
        severity: AllergySeverity::Moderate,
    };
    f.clock.advance(Duration::minutes(1));
    let (own_rec, _) = f
        .svc
        .create_record(&p.actor, p.chart, own.clone(), None)
        .await
        .expect("patients add to their own chart");
    assert!(is_forbidden(
        &f.svc.create_record(&p.actor, q.chart, own, None).await
    ));
    assert!(is_forbidden(
        &f.svc
            .amend_record(&p.actor, rec.id, 1, asthma(), "my edit")
            .await
    ));
    let listed = f.svc.list_records(&p.actor, p.chart, None).await.unwrap();
    assert_eq!(
        listed.iter().map(|(r, _)| r.id).collect::<Vec<_>>(),
        [rec.id, own_rec.id]
    );
    let allergies = f
        .svc
        .list_records(&d.actor, p.chart, Some("allergy"))
        .await
        .unwrap();
    assert_eq!(allergies.len(), 1);
    assert_eq!(allergies[0].0.id, own_rec.id);

    assert!(is_forbidden(&f.svc.get_record(&q.actor, rec.id).await));
    assert!(is_forbidden(
        &f.svc.list_records(&q.actor, p.chart, None).await
    ));
    assert!(is_forbidden(&f.svc.record_history(&q.actor, rec.id).await));
    assert!(is_forbidden(&f.svc.record_notes(&q.actor, rec.id).await));
    assert!(is_forbidden(
        &f.svc.diff_record(&q.actor, rec.id, 1, 1).await
    ));

    assert!(is_forbidden(&f.svc.get_record(&carol, rec.id).await));
    let chart_only: BTreeSet<_> = [Action::ReadChart].into();
    f.svc
        .grant_caregiver(&p.actor, p.chart, carol.user_id, chart_only, None)
        .await
        .unwrap();
    assert!(
        is_forbidden(&f.svc.get_record(&carol, rec.id).await),
        "grant without read_records"
    );
    let records: BTreeSet<_> = [Action::ReadRecords].into();
    f.svc
        .grant_caregiver(&p.actor, p.chart, carol.user_id, records, None)
        .await
        .unwrap();
    f.svc
        .get_record(&carol, rec.id)
        .await
        .expect("granted read");
    assert_eq!(
        f.svc
            .list_records(&carol, p.chart, None)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(is_forbidden(
        &f.svc.add_note(&carol, rec.id, "caregiver note").await
    ));

    assert!(is_forbidden(&f.svc.get_record(&f.admin, rec.id).await));
    assert!(is_forbidden(
        &f.svc.list_records(&f.admin, p.chart, None).await
    ));

    assert!(is_forbidden(
        &f.svc.get_record(&outsider.actor, rec.id).await
    ));
    f.svc
        .break_glass(&outsider.actor, p.chart, "unconscious patient in the ER")
        .await
        .unwrap();
    f.svc
        .get_record(&outsider.actor, rec.id)
        .await
        .expect("break-glass opens the records");
    let reads = audit_of(&f, "record.read").await;
    let outsider_reads: Vec<_> = reads
        .iter()
        .filter(|e| e.event.actor == Some(outsider.user.id))
        .collect();
    assert_eq!(
        outsider_reads
            .iter()
            .map(|e| e.event.outcome)
            .collect::<Vec<_>>(),
        [Outcome::Denied, Outcome::Allowed]
    );
    assert!(outsider_reads[1]
        .event
        .detail
        .as_deref()
        .is_some_and(|d| d.contains("break-glass")));
    assert!(reads
        .iter()
        .filter(|e| e.event.actor == Some(d.user.id))
        .all(|e| !e
            .event
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("break-glass")));
    let denied_admin = reads
        .iter()
        .filter(|e| e.event.actor == Some(f.admin.user_id))
        .count();
    assert_eq!(denied_admin, 1);
    assert_eq!(
        audit_of(&f, "record.list")
            .await
            .iter()
            .filter(|e| e.event.outcome == Outcome::Denied)
            .count(),
        2,
        "the other patient and the admin"
    );
}

/// Invalid input is refused with the offending fields named, is audited as a failure, and
/// stores nothing.
pub async fn record_validation_names_fields(store: Arc<dyn Store>) {
    let f = Fixture::new(store).await;
    let d = f.doctor("Dr Grey").await;
    let p = f.patient("Pat Doe").await;
    f.svc
        .assign_care_team(&f.admin, p.chart, d.user.id)
        .await
        .unwrap();
    let svc = &f.svc;
    let bad = diagnosis(" ", DiagnosisStatus::Active, Some("E11 9"));
    assert_eq!(
        fields(svc.create_record(&d.actor, p.chart, bad, None).await),
        ["content.code", "content.description"]
    );
    let no_value = RecordContent::Observation {
        code: Some("8480-6".into()),
        name: "Systolic blood pressure".into(),
        value: serde_json::Value::Null,
        unit: Some("mm[Hg]".into()),
        effective_at: None,
    };
    assert_eq!(
        fields(svc.create_record(&d.actor, p.chart, no_value, None).await),
        ["content.value"]
    );
    let long_reason = Some("r".repeat(1001));
    assert_eq!(
        fields(
            svc.create_record(&d.actor, p.chart, asthma(), long_reason)
                .await
        ),
        ["reason"]
    );
    assert!(svc
        .list_records(&d.actor, p.chart, None)
        .await
        .unwrap()
        .is_empty());
    let creates = audit_of(&f, "record.create").await;
    assert_eq!(creates.len(), 3);
    assert!(creates.iter().all(|e| e.event.outcome == Outcome::Failed));

    let (rec, _) = create(&f, &d.actor, p.chart).await;
    let allergy = RecordContent::Allergy {
        substance: "latex".into(),
        reaction: None,
        severity: AllergySeverity::Mild,
    };
    assert_eq!(
        fields(
            svc.amend_record(&d.actor, rec.id, 1, allergy.clone(), "")
                .await
        ),
        ["reason", "content.kind"]
    );
    assert_eq!(
        fields(
            svc.amend_record(&d.actor, rec.id, 1, asthma(), &"x".repeat(1001))
                .await
        ),
        ["reason"]
    );
    assert_eq!(
        fields(svc.restore_record(&d.actor, rec.id, 1, 1, "   ").await),
        ["reason"]
    );
    assert_eq!(
        fields(
            svc.restore_record(&d.actor, rec.id, 1, 1, "back to one")
                .await
        ),
        ["restore_version"]
    );
    assert!(matches!(
        svc.restore_record(&d.actor, rec.id, 7, 1, "back to seven")
            .await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        fields(svc.add_note(&d.actor, rec.id, " \n ").await),
        ["text"]
    );
    assert_eq!(
        fields(svc.add_note(&d.actor, rec.id, &"n".repeat(5001)).await),
        ["text"]
    );
    svc.add_note(&d.actor, rec.id, &"n".repeat(5000))
        .await
        .expect("5000 characters fit");
    assert_eq!(
        fields(svc.list_records(&d.actor, p.chart, Some("xray")).await),
        ["kind"]
    );
    let unknown = RecordId(uuid::Uuid::nil());
    assert!(matches!(
        svc.get_record(&d.actor, unknown).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        svc.record_history(&d.actor, rec.id).await.unwrap().len(),
        1,
        "nothing was appended"
    );
    assert_eq!(svc.record_notes(&d.actor, rec.id).await.unwrap().len(), 1);
    let amends = audit_of(&f, "record.amend").await;
    assert_eq!(amends.len(), 2);
    assert!(amends.iter().all(|e| e.event.outcome == Outcome::Failed));

    svc.archive_patient(&f.admin, p.chart).await.unwrap();
    let r = svc.create_record(&d.actor, p.chart, asthma(), None).await;
    assert!(matches!(r, Err(Error::InvalidState(_))), "{r:?}");
}
