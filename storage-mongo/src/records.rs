//! [`RecordStore`]: versioned medical records. A version is appended by moving the header's
//! `current_version` with a compare-and-set and inserting the version (unique per record and
//! number) in the same transaction; nothing is ever edited or deleted.

use std::collections::HashMap;

use async_trait::async_trait;
use bson::doc;
use futures::FutureExt;
use medsync_core::audit::AuditEvent;
use medsync_core::ids::{PatientId, RecordId};
use medsync_core::records::{MedicalRecord, RecordNote, RecordVersion};
use medsync_core::store::RecordStore;
use medsync_core::{Error, Result};
use mongodb::options::ReturnDocument;
use mongodb::ClientSession;

use crate::cas::miss;
use crate::convert::{all, all_in, bdate, bid, i64_of};
use crate::error;
use crate::model::records::{RecordDoc, RecordNoteDoc, RecordVersionDoc};
use crate::schema::{RECORDS, RECORD_NOTES, RECORD_VERSIONS};
use crate::store::MongoStore;
use crate::txn::Attempt;

impl MongoStore {
    async fn create_record_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        record: &MedicalRecord,
        first: &RecordVersion,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        if record.current_version != 1 || first.version != 1 || first.record_id != record.id {
            return Err(Error::invalid(
                "version",
                "a new record starts at version 1 with its own first version",
            )
            .into());
        }
        self.coll::<RecordDoc>(RECORDS)
            .insert_one(RecordDoc::from(record))
            .session(&mut *s)
            .await?;
        self.coll::<RecordVersionDoc>(RECORD_VERSIONS)
            .insert_one(RecordVersionDoc::of(first)?)
            .session(&mut *s)
            .await?;
        self.append_in(s, chain, audit).await?;
        Ok(())
    }

    async fn append_version_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        version: &RecordVersion,
        expected: u64,
        audit: &AuditEvent,
    ) -> Attempt<MedicalRecord> {
        let id = version.record_id;
        let moved = self
            .coll::<RecordDoc>(RECORDS)
            .find_one_and_update(
                doc! {"_id": bid(id.0), "current_version": i64_of(expected)},
                doc! {"$set": {
                    "current_version": i64_of(version.version),
                    "updated_at": bdate(version.at),
                }},
            )
            .return_document(ReturnDocument::After)
            .session(&mut *s)
            .await?;
        let Some(header) = moved else {
            let raw = self.raw(RECORDS);
            return Err(miss(&raw, s, "record", id.0, "current_version", expected).await);
        };
        if Some(version.version) != expected.checked_add(1) {
            return Err(
                Error::invalid("version", "must be the expected current version plus one").into(),
            );
        }
        self.coll::<RecordVersionDoc>(RECORD_VERSIONS)
            .insert_one(RecordVersionDoc::of(version)?)
            .session(&mut *s)
            .await?;
        self.append_in(s, chain, audit).await?;
        Ok(header.into())
    }

    async fn add_note_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        note: &RecordNote,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        // Numbering the note bumps the record's counter: notes are ordered by commit, and
        // the counter's absence means the record is.
        let numbered = self
            .coll::<RecordDoc>(RECORDS)
            .find_one_and_update(
                doc! {"_id": bid(note.record_id.0)},
                doc! {"$inc": {"note_count": 1_i64}},
            )
            .return_document(ReturnDocument::After)
            .session(&mut *s)
            .await?;
        let Some(record) = numbered else {
            return Err(Error::not_found("record", note.record_id).into());
        };
        self.coll::<RecordNoteDoc>(RECORD_NOTES)
            .insert_one(RecordNoteDoc::numbered(note, record.note_count))
            .session(&mut *s)
            .await?;
        self.append_in(s, chain, audit).await?;
        Ok(())
    }

    async fn records_for_patient_in(
        &self,
        s: &mut ClientSession,
        patient: PatientId,
        kind: Option<&str>,
    ) -> Attempt<Vec<(MedicalRecord, RecordVersion)>> {
        let mut filter = doc! {"patient_id": bid(patient.0)};
        if let Some(kind) = kind {
            filter.insert("kind", kind);
        }
        let cursor = self
            .coll::<RecordDoc>(RECORDS)
            .find(filter)
            .sort(doc! {"created_at": 1, "_id": 1})
            .session(&mut *s)
            .await?;
        let headers = all_in(cursor, s).await?;
        if headers.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: Vec<_> = headers
            .iter()
            .map(|h| doc! {"record_id": h.id, "version": h.current_version})
            .collect();
        let cursor = self
            .coll::<RecordVersionDoc>(RECORD_VERSIONS)
            .find(doc! {"$or": wanted})
            .session(&mut *s)
            .await?;
        let mut current: HashMap<bson::Uuid, RecordVersionDoc> = all_in(cursor, s)
            .await?
            .into_iter()
            .map(|v| (v.record_id, v))
            .collect();
        // Header and version commit together, so within one snapshot both exist.
        let mut out = Vec::with_capacity(headers.len());
        for h in headers {
            if let Some(v) = current.remove(&h.id) {
                out.push((MedicalRecord::from(h), v.into_domain()?));
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl RecordStore for MongoStore {
    async fn create_record(
        &self,
        record: &MedicalRecord,
        first: &RecordVersion,
        audit: &AuditEvent,
    ) -> Result<()> {
        let ctx = (self, record, first, audit);
        self.transaction("record creation", &ctx, |s, chain, &(st, r, v, a)| {
            st.create_record_in(s, chain, r, v, a).boxed()
        })
        .await
    }

    async fn append_version(
        &self,
        version: &RecordVersion,
        expected_current: u64,
        audit: &AuditEvent,
    ) -> Result<MedicalRecord> {
        let ctx = (self, version, expected_current, audit);
        self.transaction("record amendment", &ctx, |s, chain, &(st, v, e, a)| {
            st.append_version_in(s, chain, v, e, a).boxed()
        })
        .await
    }

    async fn record(&self, id: RecordId) -> Result<Option<MedicalRecord>> {
        let found = self
            .coll::<RecordDoc>(RECORDS)
            .find_one(doc! {"_id": bid(id.0)})
            .await
            .map_err(|e| error::map(e, "reading a record"))?;
        Ok(found.map(MedicalRecord::from))
    }

    async fn record_version(&self, id: RecordId, version: u64) -> Result<Option<RecordVersion>> {
        let found = self
            .coll::<RecordVersionDoc>(RECORD_VERSIONS)
            .find_one(doc! {"record_id": bid(id.0), "version": i64_of(version)})
            .await
            .map_err(|e| error::map(e, "reading a record version"))?;
        found.map(RecordVersionDoc::into_domain).transpose()
    }

    async fn record_history(&self, id: RecordId) -> Result<Vec<RecordVersion>> {
        let cursor = self
            .coll::<RecordVersionDoc>(RECORD_VERSIONS)
            .find(doc! {"record_id": bid(id.0)})
            .sort(doc! {"version": 1})
            .await
            .map_err(|e| error::map(e, "reading a record history"))?;
        all(cursor)
            .await?
            .into_iter()
            .map(RecordVersionDoc::into_domain)
            .collect()
    }

    async fn records_for_patient(
        &self,
        patient_id: PatientId,
        kind: Option<&str>,
    ) -> Result<Vec<(MedicalRecord, RecordVersion)>> {
        let ctx = (self, patient_id, kind);
        self.unaudited_transaction("record listing", &ctx, |s, _, &(st, p, k)| {
            st.records_for_patient_in(s, p, k).boxed()
        })
        .await
    }

    async fn add_note(&self, note: &RecordNote, audit: &AuditEvent) -> Result<()> {
        self.transaction(
            "record note",
            &(self, note, audit),
            |s, chain, &(st, n, a)| st.add_note_in(s, chain, n, a).boxed(),
        )
        .await
    }

    async fn notes(&self, record_id: RecordId) -> Result<Vec<RecordNote>> {
        let cursor = self
            .coll::<RecordNoteDoc>(RECORD_NOTES)
            .find(doc! {"record_id": bid(record_id.0)})
            .sort(doc! {"n": 1, "at": 1, "_id": 1})
            .await
            .map_err(|e| error::map(e, "reading record notes"))?;
        Ok(all(cursor)
            .await?
            .into_iter()
            .map(RecordNote::from)
            .collect())
    }
}
