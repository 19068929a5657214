//! Medical record headers, versions and notes.

use medsync_core::ids::{NoteId, PatientId, RecordId, UserId};
use medsync_core::records::{MedicalRecord, RecordNote, RecordVersion, VersionChange};
use medsync_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::convert::{bdate, bid, cdate, corrupt, i64_of, u64_of, uid};

/// A record header in `records`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RecordDoc {
    #[serde(rename = "_id")]
    pub(crate) id: bson::Uuid,
    pub(crate) patient_id: bson::Uuid,
    pub(crate) kind: String,
    pub(crate) current_version: i64,
    pub(crate) created_by: bson::Uuid,
    pub(crate) created_at: bson::DateTime,
    pub(crate) updated_at: bson::DateTime,
    /// How many notes were appended (numbers them in commit order).
    #[serde(default)]
    pub(crate) note_count: i64,
}

impl From<&MedicalRecord> for RecordDoc {
    fn from(r: &MedicalRecord) -> Self {
        Self {
            id: bid(r.id.0),
            patient_id: bid(r.patient_id.0),
            kind: r.kind.clone(),
            current_version: i64_of(r.current_version),
            created_by: bid(r.created_by.0),
            created_at: bdate(r.created_at),
            updated_at: bdate(r.updated_at),
            note_count: 0,
        }
    }
}

impl From<RecordDoc> for MedicalRecord {
    fn from(d: RecordDoc) -> Self {
        Self {
            id: RecordId(uid(d.id)),
            patient_id: PatientId(uid(d.patient_id)),
            kind: d.kind,
            current_version: u64_of(d.current_version),
            created_by: UserId(uid(d.created_by)),
            created_at: cdate(d.created_at),
            updated_at: cdate(d.updated_at),
        }
    }
}

/// One immutable version in `record_versions` (`(record_id, version)` is unique).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RecordVersionDoc {
    pub(crate) record_id: bson::Uuid,
    pub(crate) version: i64,
    /// The content as JSON text.
    pub(crate) content: String,
    pub(crate) author: bson::Uuid,
    pub(crate) at: bson::DateTime,
    pub(crate) reason: Option<String>,
    pub(crate) change: VersionChange,
}

impl RecordVersionDoc {
    /// The document of `v`.
    pub(crate) fn of(v: &RecordVersion) -> Result<Self> {
        let content = serde_json::to_string(&v.content)
            .map_err(|e| Error::backend("record content could not be encoded", e))?;
        Ok(Self {
            record_id: bid(v.record_id.0),
            version: i64_of(v.version),
            content,
            author: bid(v.author.0),
            at: bdate(v.at),
            reason: v.reason.clone(),
            change: v.change,
        })
    }

    /// The version stored in this document.
    pub(crate) fn into_domain(self) -> Result<RecordVersion> {
        let content =
            serde_json::from_str(&self.content).map_err(|e| corrupt("record version", e))?;
        Ok(RecordVersion {
            record_id: RecordId(uid(self.record_id)),
            version: u64_of(self.version),
            content,
            author: UserId(uid(self.author)),
            at: cdate(self.at),
            reason: self.reason,
            change: self.change,
        })
    }
}

/// A note in `record_notes`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RecordNoteDoc {
    #[serde(rename = "_id")]
    pub(crate) id: bson::Uuid,
    pub(crate) record_id: bson::Uuid,
    pub(crate) patient_id: bson::Uuid,
    pub(crate) author: bson::Uuid,
    pub(crate) at: bson::DateTime,
    pub(crate) text: String,
    /// Position among the record's notes, 1-based, in commit order.
    #[serde(default)]
    pub(crate) n: i64,
}

impl RecordNoteDoc {
    /// The document of `note`, numbered `n` among its record's notes.
    pub(crate) fn numbered(note: &RecordNote, n: i64) -> Self {
        Self {
            id: bid(note.id.0),
            record_id: bid(note.record_id.0),
            patient_id: bid(note.patient_id.0),
            author: bid(note.author.0),
            at: bdate(note.at),
            text: note.text.clone(),
            n,
        }
    }
}

impl From<RecordNoteDoc> for RecordNote {
    fn from(d: RecordNoteDoc) -> Self {
        Self {
            id: NoteId(uid(d.id)),
            record_id: RecordId(uid(d.record_id)),
            patient_id: PatientId(uid(d.patient_id)),
            author: UserId(uid(d.author)),
            at: cdate(d.at),
            text: d.text,
        }
    }
}
