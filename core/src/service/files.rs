//! Uploaded medical files: upload (sniffed, size-limited, scanned, hashed), list, download,
//! delete (hidden, never destroyed).

use sha2::{Digest, Sha256};

use super::support::Subject;
use super::MedSync;
use crate::audit::chain::to_hex;
use crate::audit::Outcome;
use crate::error::{Error, Result};
use crate::files::{sniff, ScanVerdict, StoredFile};
use crate::ids::{FileId, PatientId};
use crate::notify::NotificationKind;
use crate::policy::{Action, Actor, Resource};
use crate::store::FileStore;

impl MedSync {
    fn files(&self) -> Result<&dyn FileStore> {
        self.inner.files.as_deref().ok_or_else(|| Error::Backend {
            message: "file storage is not configured".into(),
            source: None,
        })
    }

    /// Uploads a file to a chart. The type is decided by content sniffing (PDF, PNG, JPEG,
    /// DICOM; anything else is `UnsupportedMediaType`), the size is limited by
    /// `Config::max_upload_bytes` (`PayloadTooLarge`), the scanner runs before anything is
    /// stored (an infected file is `InvalidInput` on `file`), and the SHA-256 is recorded.
    pub async fn upload_file(
        &self,
        actor: &Actor,
        patient: PatientId,
        filename: &str,
        bytes: &[u8],
    ) -> Result<StoredFile> {
        let subject = Subject::kind("file").patient(patient);
        self.authorize(
            actor,
            Action::CreateRecord,
            Resource::Chart(patient),
            "file.upload",
            &subject,
        )
        .await?;
        let files = self.files()?;
        let limit = self.inner.config.max_upload_bytes;
        let checked = if bytes.len() as u64 > limit {
            Err(Error::PayloadTooLarge { limit })
        } else if bytes.is_empty() {
            Err(Error::invalid("file", "is empty"))
        } else {
            sniff(bytes).ok_or_else(|| {
                Error::UnsupportedMediaType(
                    "only PDF, PNG, JPEG and DICOM files are accepted".into(),
                )
            })
        };
        let kind = match checked {
            Ok(k) => k,
            Err(e) => return self.failed(Some(actor), "file.upload", &subject, e).await,
        };
        if let ScanVerdict::Infected { signature } = self.inner.scanner.scan(bytes).await? {
            let e = Error::invalid(
                "file",
                format!("rejected by the malware scanner ({signature})"),
            );
            return self.failed(Some(actor), "file.upload", &subject, e).await;
        }
        let chart = self.writable_chart(patient).await?;
        let now = self.now();
        let meta = StoredFile {
            id: FileId(self.uuid(now)),
            patient_id: patient,
            filename: sanitize_filename(filename),
            kind,
            size: bytes.len() as u64,
            sha256: to_hex(&Sha256::digest(bytes)),
            uploaded_by: actor.user_id,
            uploaded_at: now,
            deleted_at: None,
        };
        let subject = Subject::new("file", meta.id).patient(patient);
        let ev = self.event(
            Some(actor),
            "file.upload",
            &subject,
            Outcome::Allowed,
            Some(meta.sha256.clone()),
        );
        files.put_file(&meta, bytes, &ev).await?;
        if let Some(owner) = chart.user_id.filter(|o| *o != actor.user_id) {
            let data = serde_json::json!({ "file_id": meta.id, "patient_id": patient });
            self.notify(
                owner,
                NotificationKind::RecordChanged,
                format!("A file was added to your chart: {}", meta.filename),
                data,
            )
            .await;
        }
        Ok(meta)
    }

    /// The chart's files (not deleted ones), oldest first (audited).
    pub async fn list_files(&self, actor: &Actor, patient: PatientId) -> Result<Vec<StoredFile>> {
        let subject = Subject::kind("file").patient(patient);
        let d = self
            .authorize(
                actor,
                Action::ReadRecords,
                Resource::Chart(patient),
                "file.list",
                &subject,
            )
            .await?;
        let list = self.files()?.files_for_patient(patient, false).await?;
        self.audit(
            Some(actor),
            "file.list",
            &subject,
            Outcome::Allowed,
            Self::decision_detail(&d),
        )
        .await?;
        Ok(list)
    }

    /// A file's metadata and bytes (audited). Deleted files are `NotFound`.
    pub async fn download_file(&self, actor: &Actor, id: FileId) -> Result<(StoredFile, Vec<u8>)> {
        self.download_scoped(actor, None, id).await
    }

    /// Like [`MedSync::download_file`], for a file addressed under a chart: a file of another
    /// chart is `NotFound` before anything is authorised or audited as a download.
    pub async fn download_patient_file(
        &self,
        actor: &Actor,
        patient: PatientId,
        id: FileId,
    ) -> Result<(StoredFile, Vec<u8>)> {
        self.download_scoped(actor, Some(patient), id).await
    }

    async fn download_scoped(
        &self,
        actor: &Actor,
        patient: Option<PatientId>,
        id: FileId,
    ) -> Result<(StoredFile, Vec<u8>)> {
        let meta = self.live_file(id, patient).await?;
        let subject = Subject::new("file", id).patient(meta.patient_id);
        let d = self
            .authorize(
                actor,
                Action::ReadRecords,
                Resource::Chart(meta.patient_id),
                "file.download",
                &subject,
            )
            .await?;
        let bytes = self
            .files()?
            .file_content(id)
            .await?
            .ok_or_else(|| Error::not_found("file", id))?;
        self.audit(
            Some(actor),
            "file.download",
            &subject,
            Outcome::Allowed,
            Self::decision_detail(&d),
        )
        .await?;
        Ok((meta, bytes))
    }

    /// Deletes a file: it leaves listings and downloads, its bytes are retained. Allowed to
    /// the uploader (while they may still add files to the chart) and to clinicians who may
    /// amend the chart's records.
    pub async fn delete_file(&self, actor: &Actor, id: FileId) -> Result<StoredFile> {
        self.delete_scoped(actor, None, id).await
    }

    /// Like [`MedSync::delete_file`], for a file addressed under a chart (another chart's
    /// file is `NotFound`).
    pub async fn delete_patient_file(
        &self,
        actor: &Actor,
        patient: PatientId,
        id: FileId,
    ) -> Result<StoredFile> {
        self.delete_scoped(actor, Some(patient), id).await
    }

    async fn delete_scoped(
        &self,
        actor: &Actor,
        patient: Option<PatientId>,
        id: FileId,
    ) -> Result<StoredFile> {
        let meta = self.live_file(id, patient).await?;
        let subject = Subject::new("file", id).patient(meta.patient_id);
        let chart = Resource::Chart(meta.patient_id);
        let action = if meta.uploaded_by == actor.user_id {
            Action::CreateRecord
        } else {
            Action::AmendRecord
        };
        self.authorize(actor, action, chart, "file.delete", &subject)
            .await?;
        let ev = self.event(Some(actor), "file.delete", &subject, Outcome::Allowed, None);
        self.files()?.delete_file(id, self.now(), &ev).await
    }

    async fn live_file(&self, id: FileId, patient: Option<PatientId>) -> Result<StoredFile> {
        match self.files()?.file(id).await? {
            Some(f) if f.deleted_at.is_none() && patient.is_none_or(|p| p == f.patient_id) => Ok(f),
            _ => Err(Error::not_found("file", id)),
        }
    }
}

/// The last path component of a client's file name, without control characters, at most
/// 255 characters; `"upload"` when nothing is left.
fn sanitize_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    let clean = clean.trim().trim_start_matches('.').to_owned();
    if clean.is_empty() {
        "upload".to_owned()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::sanitize_filename;

    #[test]
    fn filenames_lose_paths_and_control_characters() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(
            sanitize_filename("C:\\\\Users\\\\x\\\\scan.pdf"),
            "scan.pdf"
        );
        assert_eq!(sanitize_filename("a\u{0}b\nc.png"), "abc.png");
        assert_eq!(sanitize_filename(".."), "upload");
        assert_eq!(sanitize_filename(""), "upload");
        assert_eq!(sanitize_filename(&"x".repeat(300)).len(), 255);
    }
}
