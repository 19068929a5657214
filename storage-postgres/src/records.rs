//! Medical records: headers (`medical_records`), immutable versions (`record_versions`,
//! primary key `(record_id, version)`) and notes (`record_notes`). Versions and notes are
//! append-only; an amendment moves the header with a compare-and-set on `current_version`
//! and inserts the new version in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::audit::AuditEvent;
use medsync_core::ids::{NoteId, PatientId, RecordId, UserId};
use medsync_core::records::{MedicalRecord, RecordNote, RecordVersion, VersionChange};
use medsync_core::store::RecordStore;
use medsync_core::{Error, Result};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::convert::{from_json, to_i64, to_json, to_u64};
use crate::errors::DbResultExt;
use crate::{audit, PostgresStore};

/// The columns of a [`RecordRow`], in order.
const RECORD_COLUMNS: &str =
    "id, patient_id, kind, current_version, created_by, created_at, updated_at";

/// The columns of a [`VersionRow`], in order.
const VERSION_COLUMNS: &str =
    "record_id, version, content, author, at, reason, change_type, restored_from";

/// A `medical_records` row.
#[derive(sqlx::FromRow)]
struct RecordRow {
    id: Uuid,
    patient_id: Uuid,
    kind: String,
    current_version: i64,
    created_by: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl RecordRow {
    fn into_record(self) -> Result<MedicalRecord> {
        Ok(MedicalRecord {
            id: RecordId(self.id),
            patient_id: PatientId(self.patient_id),
            kind: self.kind,
            current_version: to_u64(self.current_version, "record version")?,
            created_by: UserId(self.created_by),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A `record_versions` row.
#[derive(sqlx::FromRow)]
struct VersionRow {
    record_id: Uuid,
    version: i64,
    content: serde_json::Value,
    author: Uuid,
    at: DateTime<Utc>,
    reason: Option<String>,
    change_type: String,
    restored_from: Option<i64>,
}

impl VersionRow {
    fn into_version(self) -> Result<RecordVersion> {
        let change = match (self.change_type.as_str(), self.restored_from) {
            ("created", None) => VersionChange::Created,
            ("amended", None) => VersionChange::Amended,
            ("restored", Some(from)) => VersionChange::Restored {
                from: to_u64(from, "restored version")?,
            },
            _ => {
                return Err(Error::Backend {
                    message: "stored record change could not be decoded".into(),
                    source: None,
                })
            }
        };
        Ok(RecordVersion {
            record_id: RecordId(self.record_id),
            version: to_u64(self.version, "record version")?,
            content: from_json(self.content, "record content")?,
            author: UserId(self.author),
            at: self.at,
            reason: self.reason,
            change,
        })
    }
}

fn versions(rows: Vec<VersionRow>) -> Result<Vec<RecordVersion>> {
    rows.into_iter().map(VersionRow::into_version).collect()
}

/// Inserts one version inside the caller's transaction.
async fn insert_version(conn: &mut PgConnection, v: &RecordVersion) -> Result<()> {
    let (change_type, restored_from) = match v.change {
        VersionChange::Created => ("created", None),
        VersionChange::Amended => ("amended", None),
        VersionChange::Restored { from } => ("restored", Some(to_i64(from, "change.from")?)),
    };
    sqlx::query(&format!(
        "INSERT INTO record_versions ({VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(v.record_id.0)
    .bind(to_i64(v.version, "version")?)
    .bind(to_json(&v.content)?)
    .bind(v.author.0)
    .bind(v.at)
    .bind(&v.reason)
    .bind(change_type)
    .bind(restored_from)
    .execute(conn)
    .await
    .db("store a record version")?;
    Ok(())
}

/// A `record_notes` row.
#[derive(sqlx::FromRow)]
struct NoteRow {
    id: Uuid,
    record_id: Uuid,
    patient_id: Uuid,
    author: Uuid,
    at: DateTime<Utc>,
    text: String,
}

#[async_trait]
impl RecordStore for PostgresStore {
    async fn create_record(
        &self,
        record: &MedicalRecord,
        first: &RecordVersion,
        audit: &AuditEvent,
    ) -> Result<()> {
        const WHAT: &str = "create the record";
        if record.current_version != 1 || first.version != 1 || first.record_id != record.id {
            return Err(Error::invalid(
                "version",
                "a new record starts at version 1 with its own first version",
            ));
        }
        let mut tx = self.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO medical_records ({RECORD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(record.id.0)
        .bind(record.patient_id.0)
        .bind(&record.kind)
        .bind(1_i64)
        .bind(record.created_by.0)
        .bind(record.created_at)
        .bind(record.updated_at)
        .execute(&mut *tx)
        .await
        .db(WHAT)?;
        insert_version(&mut tx, first).await?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)
    }

    async fn append_version(
        &self,
        version: &RecordVersion,
        expected_current: u64,
        audit: &AuditEvent,
    ) -> Result<MedicalRecord> {
        const WHAT: &str = "amend the record";
        if Some(version.version) != expected_current.checked_add(1) {
            return Err(Error::invalid(
                "version",
                "must be the expected current version plus one",
            ));
        }
        let expected = to_i64(expected_current, "version")?;
        let mut tx = self.begin().await?;
        let moved: Option<RecordRow> = sqlx::query_as(&format!(
            "UPDATE medical_records SET current_version = $2 + 1, updated_at = $3 \
             WHERE id = $1 AND current_version = $2 RETURNING {RECORD_COLUMNS}"
        ))
        .bind(version.record_id.0)
        .bind(expected)
        .bind(version.at)
        .fetch_optional(&mut *tx)
        .await
        .db(WHAT)?;
        let Some(header) = moved else {
            let current: Option<i64> =
                sqlx::query_scalar("SELECT current_version FROM medical_records WHERE id = $1")
                    .bind(version.record_id.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .db(WHAT)?;
            return Err(match current {
                Some(c) => Error::PreconditionFailed {
                    entity: "record",
                    expected: expected_current,
                    current: to_u64(c, "record version")?,
                },
                None => Error::not_found("record", version.record_id),
            });
        };
        insert_version(&mut tx, version).await?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)?;
        header.into_record()
    }

    async fn record(&self, id: RecordId) -> Result<Option<MedicalRecord>> {
        let row: Option<RecordRow> = sqlx::query_as(&format!(
            "SELECT {RECORD_COLUMNS} FROM medical_records WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .db("read a record")?;
        row.map(RecordRow::into_record).transpose()
    }

    async fn record_version(&self, id: RecordId, version: u64) -> Result<Option<RecordVersion>> {
        let Ok(version) = i64::try_from(version) else {
            return Ok(None);
        };
        let row: Option<VersionRow> = sqlx::query_as(&format!(
            "SELECT {VERSION_COLUMNS} FROM record_versions WHERE record_id = $1 AND version = $2"
        ))
        .bind(id.0)
        .bind(version)
        .fetch_optional(&self.pool)
        .await
        .db("read a record version")?;
        row.map(VersionRow::into_version).transpose()
    }

    async fn record_history(&self, id: RecordId) -> Result<Vec<RecordVersion>> {
        let rows: Vec<VersionRow> = sqlx::query_as(&format!(
            "SELECT {VERSION_COLUMNS} FROM record_versions WHERE record_id = $1 ORDER BY version"
        ))
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .db("read a record's history")?;
        versions(rows)
    }

    async fn records_for_patient(
        &self,
        patient_id: PatientId,
        kind: Option<&str>,
    ) -> Result<Vec<(MedicalRecord, RecordVersion)>> {
        #[derive(sqlx::FromRow)]
        struct Joined {
            #[sqlx(flatten)]
            record: RecordRow,
            #[sqlx(flatten)]
            version: VersionRow,
        }
        let rows: Vec<Joined> = sqlx::query_as(
            "SELECT r.id, r.patient_id, r.kind, r.current_version, r.created_by, r.created_at, \
                    r.updated_at, v.record_id, v.version, v.content, v.author, v.at, v.reason, \
                    v.change_type, v.restored_from \
             FROM medical_records r \
             JOIN record_versions v ON v.record_id = r.id AND v.version = r.current_version \
             WHERE r.patient_id = $1 AND ($2::text IS NULL OR r.kind = $2) \
             ORDER BY r.created_at, r.id",
        )
        .bind(patient_id.0)
        .bind(kind)
        .fetch_all(&self.pool)
        .await
        .db("list the chart's records")?;
        rows.into_iter()
            .map(|j| Ok((j.record.into_record()?, j.version.into_version()?)))
            .collect()
    }

    async fn add_note(&self, note: &RecordNote, audit: &AuditEvent) -> Result<()> {
        const WHAT: &str = "add the note";
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO record_notes (id, record_id, patient_id, author, at, text) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(note.id.0)
        .bind(note.record_id.0)
        .bind(note.patient_id.0)
        .bind(note.author.0)
        .bind(note.at)
        .bind(&note.text)
        .execute(&mut *tx)
        .await
        .map_err(|e| match crate::errors::violated_constraint(&e) {
            Some("record_notes_record_id_fkey") => Error::not_found("record", note.record_id),
            _ => crate::errors::map(e, WHAT),
        })?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)
    }

    async fn notes(&self, record_id: RecordId) -> Result<Vec<RecordNote>> {
        let rows: Vec<NoteRow> = sqlx::query_as(
            "SELECT id, record_id, patient_id, author, at, text FROM record_notes \
             WHERE record_id = $1 ORDER BY position",
        )
        .bind(record_id.0)
        .fetch_all(&self.pool)
        .await
        .db("list a record's notes")?;
        Ok(rows
            .into_iter()
            .map(|n| RecordNote {
                id: NoteId(n.id),
                record_id: RecordId(n.record_id),
                patient_id: PatientId(n.patient_id),
                author: UserId(n.author),
                at: n.at,
                text: n.text,
            })
            .collect())
    }
}
