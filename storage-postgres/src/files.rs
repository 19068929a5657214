//! Uploaded files: [`FileStore`] over `files` (metadata) and `file_contents` (bytes), in the
//! main database, so the upload and its audit entry commit together. Deletion is a soft
//! delete; bytes are kept.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::audit::AuditEvent;
use medsync_core::files::StoredFile;
use medsync_core::ids::{FileId, PatientId, UserId};
use medsync_core::store::FileStore;
use medsync_core::{Error, Result};
use uuid::Uuid;

use crate::convert::{parse_wire, to_i64, to_u64, wire};
use crate::errors::DbResultExt;
use crate::{audit, PostgresStore};

/// The columns of a [`FileRow`], in order.
const COLUMNS: &str =
    "id, patient_id, filename, kind, size, sha256, uploaded_by, uploaded_at, deleted_at";

/// A `files` row.
#[derive(sqlx::FromRow)]
struct FileRow {
    id: Uuid,
    patient_id: Uuid,
    filename: String,
    kind: String,
    size: i64,
    sha256: String,
    uploaded_by: Uuid,
    uploaded_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

impl FileRow {
    fn into_file(self) -> Result<StoredFile> {
        Ok(StoredFile {
            id: FileId(self.id),
            patient_id: PatientId(self.patient_id),
            filename: self.filename,
            kind: parse_wire(&self.kind, "file kind")?,
            size: to_u64(self.size, "file size")?,
            sha256: self.sha256,
            uploaded_by: UserId(self.uploaded_by),
            uploaded_at: self.uploaded_at,
            deleted_at: self.deleted_at,
        })
    }
}

#[async_trait]
impl FileStore for PostgresStore {
    async fn put_file(&self, meta: &StoredFile, bytes: &[u8], audit: &AuditEvent) -> Result<()> {
        const WHAT: &str = "store the file";
        let mut tx = self.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO files ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(meta.id.0)
        .bind(meta.patient_id.0)
        .bind(&meta.filename)
        .bind(wire(&meta.kind)?)
        .bind(to_i64(meta.size, "size")?)
        .bind(&meta.sha256)
        .bind(meta.uploaded_by.0)
        .bind(meta.uploaded_at)
        .bind(meta.deleted_at)
        .execute(&mut *tx)
        .await
        .db(WHAT)?;
        sqlx::query("INSERT INTO file_contents (file_id, bytes) VALUES ($1, $2)")
            .bind(meta.id.0)
            .bind(bytes)
            .execute(&mut *tx)
            .await
            .db(WHAT)?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)
    }

    async fn file(&self, id: FileId) -> Result<Option<StoredFile>> {
        let row: Option<FileRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM files WHERE id = $1"))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .db("read a file")?;
        row.map(FileRow::into_file).transpose()
    }

    async fn file_content(&self, id: FileId) -> Result<Option<Vec<u8>>> {
        sqlx::query_scalar("SELECT bytes FROM file_contents WHERE file_id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .db("read a file's content")
    }

    async fn files_for_patient(
        &self,
        patient_id: PatientId,
        include_deleted: bool,
    ) -> Result<Vec<StoredFile>> {
        let rows: Vec<FileRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM files WHERE patient_id = $1 AND ($2 OR deleted_at IS NULL) \
             ORDER BY position"
        ))
        .bind(patient_id.0)
        .bind(include_deleted)
        .fetch_all(&self.pool)
        .await
        .db("list the chart's files")?;
        rows.into_iter().map(FileRow::into_file).collect()
    }

    async fn delete_file(
        &self,
        id: FileId,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<StoredFile> {
        const WHAT: &str = "delete the file";
        let mut tx = self.begin().await?;
        let row: Option<FileRow> = sqlx::query_as(&format!(
            "UPDATE files SET deleted_at = COALESCE(deleted_at, $2) WHERE id = $1 \
             RETURNING {COLUMNS}"
        ))
        .bind(id.0)
        .bind(at)
        .fetch_optional(&mut *tx)
        .await
        .db(WHAT)?;
        let file = row
            .ok_or_else(|| Error::not_found("file", id))?
            .into_file()?;
        audit::append(&mut tx, audit).await?;
        tx.commit().await.db(WHAT)?;
        Ok(file)
    }
}
