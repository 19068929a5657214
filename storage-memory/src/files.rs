//! Uploaded files: metadata and bytes.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::audit::AuditEvent;
use medsync_core::files::StoredFile;
use medsync_core::ids::{FileId, PatientId};
use medsync_core::store::FileStore;
use medsync_core::{Error, Result};

use crate::MemoryStore;

/// Files by id, with bytes, and each chart's files in upload order.
#[derive(Debug, Default)]
pub(crate) struct Files {
    by_id: HashMap<FileId, (StoredFile, Vec<u8>)>,
    by_patient: HashMap<PatientId, Vec<FileId>>,
}

#[async_trait]
impl FileStore for MemoryStore {
    async fn put_file(&self, meta: &StoredFile, bytes: &[u8], audit: &AuditEvent) -> Result<()> {
        let mut s = self.lock();
        if s.files.by_id.contains_key(&meta.id) {
            return Err(Error::conflict("file id already exists", None));
        }
        s.files
            .by_id
            .insert(meta.id, (meta.clone(), bytes.to_vec()));
        s.files
            .by_patient
            .entry(meta.patient_id)
            .or_default()
            .push(meta.id);
        s.audit.append(audit);
        Ok(())
    }

    async fn file(&self, id: FileId) -> Result<Option<StoredFile>> {
        Ok(self.lock().files.by_id.get(&id).map(|(m, _)| m.clone()))
    }

    async fn file_content(&self, id: FileId) -> Result<Option<Vec<u8>>> {
        Ok(self.lock().files.by_id.get(&id).map(|(_, b)| b.clone()))
    }

    async fn files_for_patient(
        &self,
        patient_id: PatientId,
        include_deleted: bool,
    ) -> Result<Vec<StoredFile>> {
        let s = self.lock();
        let ids = s
            .files
            .by_patient
            .get(&patient_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        Ok(ids
            .iter()
            .filter_map(|id| s.files.by_id.get(id).map(|(m, _)| m))
            .filter(|m| include_deleted || m.deleted_at.is_none())
            .cloned()
            .collect())
    }

    async fn delete_file(
        &self,
        id: FileId,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<StoredFile> {
        let mut s = self.lock();
        let (meta, _) = s
            .files
            .by_id
            .get_mut(&id)
            .ok_or_else(|| Error::not_found("file", id))?;
        meta.deleted_at.get_or_insert(at);
        let meta = meta.clone();
        s.audit.append(audit);
        Ok(meta)
    }
}
