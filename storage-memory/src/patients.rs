//! Patient charts: by id, by MRN, and by owning user.

use std::collections::{BTreeSet, HashMap, HashSet};

use async_trait::async_trait;
use medsync_core::audit::AuditEvent;
use medsync_core::identity::Patient;
use medsync_core::ids::{PatientId, UserId};
use medsync_core::store::{Page, PatientFilter, PatientStore};
use medsync_core::{Error, Result};

use crate::page::{contains_ci, paginate};
use crate::MemoryStore;

/// Charts, with a unique index on the MRN and an index of charts by owner.
#[derive(Debug, Default)]
pub(crate) struct Patients {
    by_id: HashMap<PatientId, Patient>,
    by_mrn: HashMap<String, PatientId>,
    by_owner: HashMap<UserId, BTreeSet<PatientId>>,
}

fn mrn_taken() -> Error {
    Error::conflict("medical record number already in use", None)
}

impl Patients {
    /// How many charts are stored.
    pub(crate) fn count(&self) -> usize {
        self.by_id.len()
    }

    /// The chart with this id.
    pub(crate) fn get(&self, id: PatientId) -> Option<&Patient> {
        self.by_id.get(&id)
    }

    /// The charts whose `user_id` is `owner`.
    pub(crate) fn owned_by(&self, owner: UserId) -> impl Iterator<Item = PatientId> + '_ {
        self.by_owner.get(&owner).into_iter().flatten().copied()
    }

    /// Whether `patient` can be inserted: `Conflict` on a taken id or MRN.
    pub(crate) fn check_insert(&self, patient: &Patient) -> Result<()> {
        if self.by_id.contains_key(&patient.id) {
            return Err(Error::conflict(
                "patient id already exists",
                Some(patient.id.to_string()),
            ));
        }
        if self.by_mrn.contains_key(&patient.mrn) {
            return Err(mrn_taken());
        }
        Ok(())
    }

    /// Inserts a chart that passed [`Patients::check_insert`].
    pub(crate) fn insert(&mut self, patient: Patient) {
        self.by_mrn.insert(patient.mrn.clone(), patient.id);
        if let Some(owner) = patient.user_id {
            self.by_owner.entry(owner).or_default().insert(patient.id);
        }
        self.by_id.insert(patient.id, patient);
    }

    /// Compare-and-set replacement; the stored version becomes `expected_version + 1`.
    fn update(&mut self, patient: &Patient, expected_version: u64) -> Result<()> {
        let stored = self
            .by_id
            .get(&patient.id)
            .ok_or_else(|| Error::not_found("patient", patient.id))?;
        if stored.version != expected_version {
            return Err(Error::PreconditionFailed {
                entity: "patient",
                expected: expected_version,
                current: stored.version,
            });
        }
        if patient.mrn != stored.mrn
            && self
                .by_mrn
                .get(&patient.mrn)
                .is_some_and(|o| *o != patient.id)
        {
            return Err(mrn_taken());
        }
        let (old_mrn, old_owner) = (stored.mrn.clone(), stored.user_id);
        self.by_mrn.remove(&old_mrn);
        self.by_mrn.insert(patient.mrn.clone(), patient.id);
        if let Some(owner) = old_owner {
            if let Some(set) = self.by_owner.get_mut(&owner) {
                set.remove(&patient.id);
                if set.is_empty() {
                    self.by_owner.remove(&owner);
                }
            }
        }
        if let Some(owner) = patient.user_id {
            self.by_owner.entry(owner).or_default().insert(patient.id);
        }
        let mut next = patient.clone();
        next.version = expected_version.saturating_add(1);
        self.by_id.insert(next.id, next);
        Ok(())
    }

    /// Charts matching `filter`, ordered by name then id.
    fn list(&self, filter: &PatientFilter, page: Page) -> Vec<Patient> {
        let query = filter.query.as_deref().map(str::to_lowercase);
        let ids: Option<HashSet<PatientId>> =
            filter.ids.as_ref().map(|v| v.iter().copied().collect());
        let mut rows: Vec<&Patient> = self
            .by_id
            .values()
            .filter(|p| filter.include_archived || p.archived_at.is_none())
            .filter(|p| ids.as_ref().is_none_or(|s| s.contains(&p.id)))
            .filter(|p| {
                query
                    .as_deref()
                    .is_none_or(|q| contains_ci(&p.name, q) || contains_ci(&p.mrn, q))
            })
            .collect();
        rows.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
        paginate(rows.into_iter().cloned(), page)
    }
}

#[async_trait]
impl PatientStore for MemoryStore {
    async fn create_patient(&self, patient: &Patient, audit: &AuditEvent) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        st.patients.check_insert(patient)?;
        st.patients.insert(patient.clone());
        st.audit.append(audit);
        Ok(())
    }

    async fn patient(&self, id: PatientId) -> Result<Option<Patient>> {
        Ok(self.lock().patients.get(id).cloned())
    }

    async fn update_patient(
        &self,
        patient: &Patient,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        st.patients.update(patient, expected_version)?;
        st.audit.append(audit);
        Ok(())
    }

    async fn list_patients(&self, filter: &PatientFilter, page: Page) -> Result<Vec<Patient>> {
        Ok(self.lock().patients.list(filter, page))
    }
}
