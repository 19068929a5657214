//! Medical record history in PostgreSQL: amendments are compare-and-set on the header's
//! current version, restores are new versions, and `record_versions` rejects edits and
//! deletions outright (append-only trigger).

use chrono::{DateTime, TimeZone, Utc};
use medsync_core::identity::{Contact, PasswordHash, Patient, Role, Sex, User, UserStatus};
use medsync_core::ids::{PatientId, RecordId, UserId};
use medsync_core::records::{
    DiagnosisStatus, MedicalRecord, RecordContent, RecordVersion, VersionChange,
};
use medsync_core::store::{PatientStore, RecordStore, UserStore};
use medsync_core::Error;
use uuid::Uuid;

use crate::common::event;

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_history_is_append_only() {
    let s = store_or_skip!(2);
    let doctor = User {
        id: UserId(Uuid::now_v7()),
        email: "doctor@clinic.test".into(),
        name: "Dr Grey".into(),
        role: Role::Doctor,
        status: UserStatus::Active,
        password_hash: PasswordHash("$argon2id$placeholder".into()),
        patient_id: None,
        specialization: None,
        created_at: at(0, 0),
        updated_at: at(0, 0),
        version: 1,
    };
    s.create_user(&doctor, None, &event("user.create", at(0, 0)))
        .await
        .unwrap();
    let chart = Patient {
        id: PatientId(Uuid::now_v7()),
        name: "Pat Doe".into(),
        date_of_birth: None,
        sex: Sex::Unknown,
        contact: Contact::default(),
        mrn: "MRN-1".into(),
        user_id: None,
        archived_at: None,
        created_at: at(0, 0),
        updated_at: at(0, 0),
        version: 1,
    };
    s.create_patient(&chart, &event("patient.create", at(0, 0)))
        .await
        .unwrap();
    let (d, p) = (vec![doctor.id], vec![chart.id]);
    let id = RecordId(Uuid::now_v7());
    let content = |text: &str| RecordContent::Diagnosis {
        code: None,
        description: text.into(),
        status: DiagnosisStatus::Active,
        onset: None,
    };
    let header = MedicalRecord {
        id,
        patient_id: p[0],
        kind: "diagnosis".into(),
        current_version: 1,
        created_by: d[0],
        created_at: at(9, 0),
        updated_at: at(9, 0),
    };
    let version = |v: u64, text: &str, change| RecordVersion {
        record_id: id,
        version: v,
        content: content(text),
        author: d[0],
        at: at(9, v as u32),
        reason: Some("why".into()),
        change,
    };
    s.create_record(
        &header,
        &version(1, "Asthma", VersionChange::Created),
        &event("record.create", at(9, 0)),
    )
    .await
    .unwrap();
    let moved = s
        .append_version(
            &version(2, "Asthma, mild", VersionChange::Amended),
            1,
            &event("record.amend", at(9, 2)),
        )
        .await
        .unwrap();
    assert_eq!((moved.current_version, moved.updated_at), (2, at(9, 2)));
    let r = s
        .append_version(
            &version(2, "Asthma, severe", VersionChange::Amended),
            1,
            &event("record.amend", at(9, 2)),
        )
        .await;
    assert!(
        matches!(
            r,
            Err(Error::PreconditionFailed {
                entity: "record",
                expected: 1,
                current: 2
            })
        ),
        "{r:?}"
    );
    s.append_version(
        &version(3, "Asthma", VersionChange::Restored { from: 1 }),
        2,
        &event("record.restore", at(9, 3)),
    )
    .await
    .unwrap();
    let history = s.record_history(id).await.unwrap();
    assert_eq!(
        history.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(history[2].change, VersionChange::Restored { from: 1 });
    for sql in [
        "UPDATE record_versions SET reason = 'rewritten'",
        "DELETE FROM record_versions",
    ] {
        let err = sqlx::query(sql).execute(s.pool()).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(s.record_history(id).await.unwrap(), history);
}
