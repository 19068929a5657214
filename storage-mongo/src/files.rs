//! [`FileStore`]: uploaded files, their bytes in the GridFS bucket
//! [`FILES_BUCKET`](crate::FILES_BUCKET) and their
//! metadata in `files`.
//!
//! Each file's GridFS id is its [`FileId`] as a BSON binary UUID, like every other id of the
//! store. GridFS writes its chunks and its files document one by one and cannot reliably
//! join a multi-document transaction, so an upload runs in steps:
//!
//! 1. **claim** the id: insert `{_id: id}` into `file_uploads` (majority write). A duplicate
//!    is a `Conflict`; so is a committed file with that id, checked right after claiming.
//!    Only the claim holder ever writes bytes under the id, so a duplicate or concurrent
//!    upload never touches (nor, through the driver's clean-up of a failed upload, deletes)
//!    another upload's bytes;
//! 2. **upload** the bytes to GridFS (majority writes);
//! 3. **commit**, in one transaction: check the chart exists, insert the metadata, remove the
//!    claim, append the audit entry. Metadata and audit entry appear together or not at all.
//!
//! If step 2 or 3 fails, the GridFS file is deleted again, best effort, and then the claim is
//! released — unless this upload's metadata turns out to be committed after all (a commit
//! whose outcome was reported unknown), in which case the upload succeeded. If deleting the
//! bytes fails, whether the metadata committed cannot be read, or the call is cancelled or
//! the process stops mid-upload, the claim stays: the id is never reused, and an old claim in
//! `file_uploads` names a GridFS file (same id) that may be an orphan, for an operator to
//! remove if no `files` document has that id. Readers never see bytes without committed
//! metadata.
//!
//! Deleting a file only sets `deleted_at` (in a transaction with its audit entry); its bytes
//! and metadata are retained.

use async_trait::async_trait;
use bson::{doc, Bson};
use chrono::{DateTime, Utc};
use futures::io::{AsyncReadExt, AsyncWriteExt};
use futures::FutureExt;
use medsync_core::audit::AuditEvent;
use medsync_core::files::StoredFile;
use medsync_core::ids::{FileId, PatientId};
use medsync_core::store::FileStore;
use medsync_core::{Error, Result};
use mongodb::error::{ErrorKind, GridFsErrorKind};
use mongodb::options::WriteConcern;
use mongodb::ClientSession;

use crate::convert::{all, bdate, bid, i64_of};
use crate::error;
use crate::model::files::{FileDoc, FileUploadDoc};
use crate::schema::{FILES, FILE_UPLOADS, PATIENTS};
use crate::store::MongoStore;
use crate::txn::Attempt;

/// The GridFS id of file `id`: its UUID as BSON binary (subtype 4).
pub(crate) fn gridfs_id(id: FileId) -> Bson {
    Bson::from(bid(id.0))
}

/// The conflict of an id that is taken.
fn id_taken() -> Error {
    Error::conflict("file id already exists", None)
}

/// Whether `e` is GridFS reporting that no file has the requested id.
fn is_gridfs_not_found(e: &mongodb::error::Error) -> bool {
    matches!(
        e.kind.as_ref(),
        ErrorKind::GridFs(GridFsErrorKind::FileNotFound { .. })
    )
}

/// `Backend` for bytes that disagree with (or are missing for) committed metadata.
fn corrupt_bytes(id: FileId, what: &str) -> Error {
    tracing::error!(file_id = %id.0, "stored file bytes {what}");
    Error::Backend {
        message: format!("stored file bytes {what}"),
        source: None,
    }
}

impl MongoStore {
    /// Step 1: claims `meta.id` for this upload; `Conflict` if it is claimed or committed.
    async fn claim_file_id(&self, meta: &StoredFile) -> Result<()> {
        let claim = FileUploadDoc {
            id: bid(meta.id.0),
            patient_id: bid(meta.patient_id.0),
            size: i64_of(meta.size),
            started_at: bson::DateTime::now(),
        };
        let claimed = self
            .coll::<FileUploadDoc>(FILE_UPLOADS)
            .insert_one(claim)
            .write_concern(WriteConcern::majority())
            .await;
        match claimed {
            Ok(_) => {}
            Err(e) if error::is_duplicate_key(&e) => return Err(id_taken()),
            Err(e) => return Err(error::map(e, "claiming a file id")),
        }
        let committed = self.file_exists(meta.id).await;
        match committed {
            Ok(false) => Ok(()),
            Ok(true) => {
                // Nothing was written under the id: the claim can go.
                self.release_claim(meta.id).await;
                Err(id_taken())
            }
            Err(e) => {
                self.release_claim(meta.id).await;
                Err(e)
            }
        }
    }

    /// Releases the claim on `id`, best effort (a claim left behind only blocks the id).
    async fn release_claim(&self, id: FileId) {
        let released = self
            .raw(FILE_UPLOADS)
            .delete_one(doc! {"_id": bid(id.0)})
            .write_concern(WriteConcern::majority())
            .await;
        if released.is_err() {
            tracing::warn!(file_id = %id.0, "could not release a file upload claim");
        }
    }

    /// Whether metadata of file `id` is committed.
    async fn file_exists(&self, id: FileId) -> Result<bool> {
        let found = self
            .raw(FILES)
            .find_one(doc! {"_id": bid(id.0)})
            .projection(doc! {"_id": 1})
            .await
            .map_err(|e| error::map(e, "reading a file"))?;
        Ok(found.is_some())
    }

    /// Step 2: writes `bytes` to GridFS under `meta.id`.
    async fn upload_bytes(&self, meta: &StoredFile, bytes: &[u8]) -> Result<()> {
        let mut stream = self
            .bucket()
            .open_upload_stream(meta.id.0.to_string())
            .id(gridfs_id(meta.id))
            .metadata(doc! {"sha256": &meta.sha256})
            .await
            .map_err(|e| error::map(e, "opening a file upload"))?;
        // A failed write or close has already removed the chunks written so far.
        stream
            .write_all(bytes)
            .await
            .map_err(|e| error::map_io(e, "writing file bytes"))?;
        stream
            .close()
            .await
            .map_err(|e| error::map_io(e, "finishing a file upload"))
    }

    /// Step 3, one attempt: metadata, claim removal and audit entry in one transaction.
    async fn commit_file_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        meta: &StoredFile,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        // Charts are archived, never deleted, so existence read in this snapshot holds.
        let chart = self
            .raw(PATIENTS)
            .find_one(doc! {"_id": bid(meta.patient_id.0)})
            .projection(doc! {"_id": 1})
            .session(&mut *s)
            .await?;
        if chart.is_none() {
            return Err(Error::not_found("patient", meta.patient_id).into());
        }
        self.coll::<FileDoc>(FILES)
            .insert_one(FileDoc::from(meta))
            .session(&mut *s)
            .await?;
        self.raw(FILE_UPLOADS)
            .delete_one(doc! {"_id": bid(meta.id.0)})
            .session(&mut *s)
            .await?;
        self.append_in(s, chain, audit).await?;
        Ok(())
    }

    /// After a failed step 2 or 3: `Ok` if this upload's metadata is committed after all;
    /// otherwise deletes the upload's bytes and releases the claim (keeping it if the bytes
    /// could not be deleted) and returns `failure`.
    async fn abandon_upload(&self, meta: &StoredFile, failure: Error) -> Result<()> {
        let id = meta.id;
        match self.file(id).await {
            Ok(None) => {}
            Ok(Some(committed)) if committed == *meta => {
                tracing::info!(file_id = %id.0, "file metadata committed despite an error");
                return Ok(());
            }
            // Metadata this store did not write under a claimed id, or unknown whether the
            // upload committed: touch nothing.
            Ok(Some(_)) | Err(_) => {
                tracing::warn!(file_id = %id.0, "file upload failed; its bytes are kept");
                return Err(failure);
            }
        }
        match self.bucket().delete(gridfs_id(id)).await {
            Ok(()) => self.release_claim(id).await,
            // Nothing (or only chunks, which the delete removed) was written.
            Err(e) if is_gridfs_not_found(&e) => self.release_claim(id).await,
            Err(_) => {
                tracing::warn!(
                    file_id = %id.0,
                    "could not delete the bytes of a failed upload; its claim in {FILE_UPLOADS} \
                     marks them as an orphan"
                );
            }
        }
        Err(failure)
    }

    /// The bytes of file `id`, whose metadata records `size` bytes.
    async fn download_bytes(&self, id: FileId, size: u64) -> Result<Vec<u8>> {
        let mut stream = match self.bucket().open_download_stream(gridfs_id(id)).await {
            Ok(stream) => stream,
            Err(e) if is_gridfs_not_found(&e) => return Err(corrupt_bytes(id, "are missing")),
            Err(e) => return Err(error::map(e, "opening a file download")),
        };
        // The capacity is a hint only; never trust a stored size for a large allocation.
        let hint = usize::try_from(size).unwrap_or(0).min(64 << 20);
        let mut bytes = Vec::with_capacity(hint);
        stream
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| error::map_io(e, "reading file bytes"))?;
        if bytes.len() as u64 != size {
            return Err(corrupt_bytes(id, "do not match their recorded size"));
        }
        Ok(bytes)
    }

    /// One attempt of a deletion: sets `deleted_at` unless set and appends `audit`.
    async fn delete_file_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        id: FileId,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Attempt<StoredFile> {
        let coll = self.coll::<FileDoc>(FILES);
        let mut file = coll
            .find_one(doc! {"_id": bid(id.0)})
            .session(&mut *s)
            .await?
            .ok_or_else(|| Error::not_found("file", id))?;
        if file.deleted_at.is_none() {
            let at = bdate(at);
            coll.update_one(
                doc! {"_id": bid(id.0), "deleted_at": Bson::Null},
                doc! {"$set": {"deleted_at": at}},
            )
            .session(&mut *s)
            .await?;
            file.deleted_at = Some(at);
        }
        self.append_in(s, chain, audit).await?;
        Ok(StoredFile::from(file))
    }
}

#[async_trait]
impl FileStore for MongoStore {
    async fn put_file(&self, meta: &StoredFile, bytes: &[u8], audit: &AuditEvent) -> Result<()> {
        self.claim_file_id(meta).await?;
        if let Err(e) = self.upload_bytes(meta, bytes).await {
            return self.abandon_upload(meta, e).await;
        }
        let ctx = (self, meta, audit);
        let committed = self
            .transaction("file", &ctx, |s, chain, &(st, m, a)| {
                st.commit_file_in(s, chain, m, a).boxed()
            })
            .await;
        match committed {
            Ok(()) => Ok(()),
            Err(e) => self.abandon_upload(meta, e).await,
        }
    }

    async fn file(&self, id: FileId) -> Result<Option<StoredFile>> {
        let found = self
            .coll::<FileDoc>(FILES)
            .find_one(doc! {"_id": bid(id.0)})
            .await
            .map_err(|e| error::map(e, "reading a file"))?;
        Ok(found.map(StoredFile::from))
    }

    async fn file_content(&self, id: FileId) -> Result<Option<Vec<u8>>> {
        // Bytes without committed metadata (an upload in flight or abandoned) are not a file.
        match self.file(id).await? {
            Some(meta) => self.download_bytes(id, meta.size).await.map(Some),
            None => Ok(None),
        }
    }

    async fn files_for_patient(
        &self,
        patient_id: PatientId,
        include_deleted: bool,
    ) -> Result<Vec<StoredFile>> {
        let mut filter = doc! {"patient_id": bid(patient_id.0)};
        if !include_deleted {
            filter.insert("deleted_at", Bson::Null);
        }
        let cursor = self
            .coll::<FileDoc>(FILES)
            .find(filter)
            .sort(doc! {"uploaded_at": 1, "_id": 1})
            .await
            .map_err(|e| error::map(e, "listing files"))?;
        Ok(all(cursor)
            .await?
            .into_iter()
            .map(StoredFile::from)
            .collect())
    }

    async fn delete_file(
        &self,
        id: FileId,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<StoredFile> {
        let ctx = (self, id, at, audit);
        self.transaction("file deletion", &ctx, |s, chain, &(st, id, at, a)| {
            st.delete_file_in(s, chain, id, at, a).boxed()
        })
        .await
    }
}
