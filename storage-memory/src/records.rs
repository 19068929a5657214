//! Medical records: headers, append-only versions and notes, with a per-chart index.

use std::collections::HashMap;

use async_trait::async_trait;
use medsync_core::audit::AuditEvent;
use medsync_core::ids::{PatientId, RecordId};
use medsync_core::records::{MedicalRecord, RecordNote, RecordVersion};
use medsync_core::store::RecordStore;
use medsync_core::{Error, Result};

use crate::MemoryStore;

/// One record: its header, its versions (index `i` holds version `i + 1`) and its notes.
#[derive(Debug)]
struct Entry {
    header: MedicalRecord,
    versions: Vec<RecordVersion>,
    notes: Vec<RecordNote>,
}

/// Records by id, and each chart's record ids in insertion order.
#[derive(Debug, Default)]
pub(crate) struct Records {
    by_id: HashMap<RecordId, Entry>,
    by_patient: HashMap<PatientId, Vec<RecordId>>,
}

impl Records {
    /// Inserts a new record with its first version. `Conflict` if the id exists;
    /// `InvalidInput` unless both start at version 1 and belong together.
    fn create(&mut self, record: &MedicalRecord, first: &RecordVersion) -> Result<()> {
        if self.by_id.contains_key(&record.id) {
            return Err(Error::conflict(
                "record id already exists",
                Some(record.id.to_string()),
            ));
        }
        if record.current_version != 1 || first.version != 1 || first.record_id != record.id {
            return Err(Error::invalid(
                "version",
                "a new record starts at version 1 with its own first version",
            ));
        }
        self.by_patient
            .entry(record.patient_id)
            .or_default()
            .push(record.id);
        self.by_id.insert(
            record.id,
            Entry {
                header: record.clone(),
                versions: vec![first.clone()],
                notes: Vec::new(),
            },
        );
        Ok(())
    }

    /// Compare-and-set append (see [`RecordStore::append_version`]).
    fn append(&mut self, version: &RecordVersion, expected: u64) -> Result<MedicalRecord> {
        let entry = self
            .by_id
            .get_mut(&version.record_id)
            .ok_or_else(|| Error::not_found("record", version.record_id))?;
        let current = entry.header.current_version;
        if current != expected {
            return Err(Error::PreconditionFailed {
                entity: "record",
                expected,
                current,
            });
        }
        if Some(version.version) != expected.checked_add(1) {
            return Err(Error::invalid(
                "version",
                "must be the expected current version plus one",
            ));
        }
        entry.versions.push(version.clone());
        entry.header.current_version = version.version;
        entry.header.updated_at = version.at;
        Ok(entry.header.clone())
    }

    /// The header of `id`.
    fn header(&self, id: RecordId) -> Option<&MedicalRecord> {
        self.by_id.get(&id).map(|e| &e.header)
    }

    /// Version `version` of `id`.
    fn version(&self, id: RecordId, version: u64) -> Option<&RecordVersion> {
        let index = usize::try_from(version.checked_sub(1)?).ok()?;
        self.by_id.get(&id)?.versions.get(index)
    }

    /// A chart's records (of `kind`, if given) with their current versions, by creation
    /// time then id.
    fn for_patient(
        &self,
        patient: PatientId,
        kind: Option<&str>,
    ) -> Vec<(MedicalRecord, RecordVersion)> {
        let mut rows: Vec<&Entry> = self
            .by_patient
            .get(&patient)
            .into_iter()
            .flatten()
            .filter_map(|id| self.by_id.get(id))
            .filter(|e| kind.is_none_or(|k| e.header.kind == k))
            .collect();
        rows.sort_by_key(|e| (e.header.created_at, e.header.id));
        rows.into_iter()
            .filter_map(|e| Some((e.header.clone(), e.versions.last()?.clone())))
            .collect()
    }

    /// Appends a note. `NotFound` if the record is absent.
    fn add_note(&mut self, note: &RecordNote) -> Result<()> {
        let entry = self
            .by_id
            .get_mut(&note.record_id)
            .ok_or_else(|| Error::not_found("record", note.record_id))?;
        entry.notes.push(note.clone());
        Ok(())
    }
}

#[async_trait]
impl RecordStore for MemoryStore {
    async fn create_record(
        &self,
        record: &MedicalRecord,
        first: &RecordVersion,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        st.records.create(record, first)?;
        st.audit.append(audit);
        Ok(())
    }

    async fn append_version(
        &self,
        version: &RecordVersion,
        expected_current: u64,
        audit: &AuditEvent,
    ) -> Result<MedicalRecord> {
        let mut guard = self.lock();
        let st = &mut *guard;
        let header = st.records.append(version, expected_current)?;
        st.audit.append(audit);
        Ok(header)
    }

    async fn record(&self, id: RecordId) -> Result<Option<MedicalRecord>> {
        Ok(self.lock().records.header(id).cloned())
    }

    async fn record_version(&self, id: RecordId, version: u64) -> Result<Option<RecordVersion>> {
        Ok(self.lock().records.version(id, version).cloned())
    }

    async fn record_history(&self, id: RecordId) -> Result<Vec<RecordVersion>> {
        Ok(self
            .lock()
            .records
            .by_id
            .get(&id)
            .map(|e| e.versions.clone())
            .unwrap_or_default())
    }

    async fn records_for_patient(
        &self,
        patient_id: PatientId,
        kind: Option<&str>,
    ) -> Result<Vec<(MedicalRecord, RecordVersion)>> {
        Ok(self.lock().records.for_patient(patient_id, kind))
    }

    async fn add_note(&self, note: &RecordNote, audit: &AuditEvent) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        st.records.add_note(note)?;
        st.audit.append(audit);
        Ok(())
    }

    async fn notes(&self, record_id: RecordId) -> Result<Vec<RecordNote>> {
        Ok(self
            .lock()
            .records
            .by_id
            .get(&record_id)
            .map(|e| e.notes.clone())
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use medsync_core::ids::{NoteId, RecordId};
    use medsync_core::records::{
        DiagnosisStatus, MedicalRecord, RecordContent, RecordNote, RecordVersion, VersionChange,
    };
    use medsync_core::store::RecordStore;
    use medsync_core::Error;
    use uuid::Uuid;

    use crate::fixtures::{at, event, pid, uid};
    use crate::MemoryStore;

    fn rid(n: u128) -> RecordId {
        RecordId(Uuid::from_u128(0x5_0000_0000 + n))
    }

    fn record(n: u128, minute: u32) -> MedicalRecord {
        MedicalRecord {
            id: rid(n),
            patient_id: pid(1),
            kind: "diagnosis".into(),
            current_version: 1,
            created_by: uid(1),
            created_at: at(9, minute),
            updated_at: at(9, minute),
        }
    }

    fn version(n: u128, v: u64, description: &str) -> RecordVersion {
        RecordVersion {
            record_id: rid(n),
            version: v,
            content: RecordContent::Diagnosis {
                code: None,
                description: description.into(),
                status: DiagnosisStatus::Active,
                onset: None,
            },
            author: uid(1),
            at: at(10, v as u32),
            reason: None,
            change: if v == 1 {
                VersionChange::Created
            } else {
                VersionChange::Amended
            },
        }
    }

    fn audit_len(s: &MemoryStore) -> usize {
        s.lock().audit.count()
    }

    #[tokio::test]
    async fn create_append_and_read_back() {
        let s = MemoryStore::new();
        s.create_record(&record(1, 0), &version(1, 1, "a"), &event("record.create"))
            .await
            .unwrap();
        let dup = s
            .create_record(&record(1, 0), &version(1, 1, "a"), &event("record.create"))
            .await;
        assert!(matches!(dup, Err(Error::Conflict { .. })), "{dup:?}");
        let h = s
            .append_version(&version(1, 2, "b"), 1, &event("record.amend"))
            .await
            .unwrap();
        assert_eq!((h.current_version, h.updated_at), (2, at(10, 2)));
        assert_eq!(s.record(rid(1)).await.unwrap(), Some(h));
        assert_eq!(
            s.record_version(rid(1), 1).await.unwrap(),
            Some(version(1, 1, "a"))
        );
        assert_eq!(s.record_version(rid(1), 0).await.unwrap(), None);
        assert_eq!(s.record_version(rid(1), 3).await.unwrap(), None);
        let history = s.record_history(rid(1)).await.unwrap();
        assert_eq!(
            history.iter().map(|v| v.version).collect::<Vec<_>>(),
            [1, 2]
        );
        assert_eq!(audit_len(&s), 2, "failed writes append no audit");
    }

    #[tokio::test]
    async fn append_is_compare_and_set() {
        let s = MemoryStore::new();
        s.create_record(&record(1, 0), &version(1, 1, "a"), &event("record.create"))
            .await
            .unwrap();
        s.append_version(&version(1, 2, "b"), 1, &event("record.amend"))
            .await
            .unwrap();
        let stale = s
            .append_version(&version(1, 2, "c"), 1, &event("record.amend"))
            .await;
        assert!(
            matches!(
                stale,
                Err(Error::PreconditionFailed {
                    entity: "record",
                    expected: 1,
                    current: 2
                })
            ),
            "{stale:?}"
        );
        let gap = s
            .append_version(&version(1, 4, "d"), 2, &event("record.amend"))
            .await;
        assert!(matches!(gap, Err(Error::InvalidInput(_))), "{gap:?}");
        let absent = s
            .append_version(&version(9, 2, "x"), 1, &event("record.amend"))
            .await;
        assert!(matches!(absent, Err(Error::NotFound { .. })), "{absent:?}");
        assert_eq!(s.record_history(rid(1)).await.unwrap().len(), 2);
        assert_eq!(audit_len(&s), 2);
    }

    #[tokio::test]
    async fn chart_listing_and_notes() {
        let s = MemoryStore::new();
        // Inserted out of creation order; listed by creation time.
        s.create_record(
            &record(2, 5),
            &version(2, 1, "later"),
            &event("record.create"),
        )
        .await
        .unwrap();
        s.create_record(
            &record(1, 0),
            &version(1, 1, "first"),
            &event("record.create"),
        )
        .await
        .unwrap();
        s.append_version(&version(1, 2, "first, amended"), 1, &event("record.amend"))
            .await
            .unwrap();
        let rows = s.records_for_patient(pid(1), None).await.unwrap();
        assert_eq!(
            rows.iter()
                .map(|(r, v)| (r.id, v.version))
                .collect::<Vec<_>>(),
            [(rid(1), 2), (rid(2), 1)]
        );
        assert!(s
            .records_for_patient(pid(1), Some("allergy"))
            .await
            .unwrap()
            .is_empty());
        assert!(s
            .records_for_patient(pid(2), None)
            .await
            .unwrap()
            .is_empty());

        let note = |n: u128, record: u128| RecordNote {
            id: NoteId(Uuid::from_u128(n)),
            record_id: rid(record),
            patient_id: pid(1),
            author: uid(2),
            at: at(11, n as u32),
            text: format!("note {n}"),
        };
        s.add_note(&note(1, 1), &event("record.note.add"))
            .await
            .unwrap();
        s.add_note(&note(2, 1), &event("record.note.add"))
            .await
            .unwrap();
        let missing = s.add_note(&note(3, 9), &event("record.note.add")).await;
        assert!(matches!(missing, Err(Error::NotFound { .. })));
        assert_eq!(s.notes(rid(1)).await.unwrap(), [note(1, 1), note(2, 1)]);
        assert!(s.notes(rid(2)).await.unwrap().is_empty());
        assert_eq!(audit_len(&s), 5);
    }
}
