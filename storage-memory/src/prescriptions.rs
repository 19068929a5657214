//! Prescriptions: by id, with a per-chart index ordered by creation time.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::audit::AuditEvent;
use medsync_core::ids::{PatientId, PrescriptionId};
use medsync_core::prescriptions::{Prescription, PrescriptionStatus};
use medsync_core::store::PrescriptionStore;
use medsync_core::{Error, Result};

use crate::MemoryStore;

/// Index key: creation time then id, so iterating backwards lists newest first.
type Key = (DateTime<Utc>, PrescriptionId);

/// Prescriptions, with an index of each chart's prescriptions by creation time.
#[derive(Debug, Default)]
pub(crate) struct Prescriptions {
    by_id: HashMap<PrescriptionId, Prescription>,
    by_patient: HashMap<PatientId, BTreeSet<Key>>,
}

impl Prescriptions {
    /// Inserts a new prescription at version 1; `Conflict` if the id is taken.
    fn insert(&mut self, p: &Prescription) -> Result<()> {
        if self.by_id.contains_key(&p.id) {
            return Err(Error::conflict(
                "prescription id already exists",
                Some(p.id.to_string()),
            ));
        }
        let mut stored = p.clone();
        stored.version = 1;
        self.index(&stored);
        self.by_id.insert(stored.id, stored);
        Ok(())
    }

    fn index(&mut self, p: &Prescription) {
        self.by_patient
            .entry(p.patient_id)
            .or_default()
            .insert((p.created_at, p.id));
    }

    fn unindex(&mut self, p: &Prescription) {
        if let Some(set) = self.by_patient.get_mut(&p.patient_id) {
            set.remove(&(p.created_at, p.id));
            if set.is_empty() {
                self.by_patient.remove(&p.patient_id);
            }
        }
    }

    /// Compare-and-set replacement; the stored version becomes `expected_version + 1`.
    fn update(&mut self, next: &Prescription, expected_version: u64) -> Result<()> {
        let stored = self
            .by_id
            .get(&next.id)
            .ok_or_else(|| Error::not_found("prescription", next.id))?;
        if stored.version != expected_version {
            return Err(Error::PreconditionFailed {
                entity: "prescription",
                expected: expected_version,
                current: stored.version,
            });
        }
        let old = stored.clone();
        self.unindex(&old);
        let mut next = next.clone();
        next.version = expected_version.saturating_add(1);
        self.index(&next);
        self.by_id.insert(next.id, next);
        Ok(())
    }

    /// The chart's prescriptions (optionally in one status), newest first.
    fn for_patient(
        &self,
        patient: PatientId,
        status: Option<PrescriptionStatus>,
    ) -> Vec<Prescription> {
        self.by_patient
            .get(&patient)
            .into_iter()
            .flat_map(|set| set.iter().rev())
            .filter_map(|(_, id)| self.by_id.get(id))
            .filter(|p| status.is_none_or(|s| p.status == s))
            .cloned()
            .collect()
    }
}

#[async_trait]
impl PrescriptionStore for MemoryStore {
    async fn create_prescription(
        &self,
        prescription: &Prescription,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        if st.patients.get(prescription.patient_id).is_none() {
            return Err(Error::not_found("patient", prescription.patient_id));
        }
        st.prescriptions.insert(prescription)?;
        st.audit.append(audit);
        Ok(())
    }

    async fn prescription(&self, id: PrescriptionId) -> Result<Option<Prescription>> {
        Ok(self.lock().prescriptions.by_id.get(&id).cloned())
    }

    async fn prescriptions_for_patient(
        &self,
        patient_id: PatientId,
        status: Option<PrescriptionStatus>,
    ) -> Result<Vec<Prescription>> {
        Ok(self.lock().prescriptions.for_patient(patient_id, status))
    }

    async fn update_prescription(
        &self,
        next: &Prescription,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()> {
        let mut guard = self.lock();
        let st = &mut *guard;
        st.prescriptions.update(next, expected_version)?;
        st.audit.append(audit);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use medsync_core::ids::PrescriptionId;
    use medsync_core::prescriptions::{Medication, Prescription, PrescriptionStatus};
    use medsync_core::store::{AuditFilter, AuditStore, Page, PatientStore, PrescriptionStore};
    use medsync_core::Error;
    use uuid::Uuid;

    use crate::fixtures::{at, chart, event, pid, uid};
    use crate::MemoryStore;

    fn rx(n: u128, patient: u128, minute: u32) -> Prescription {
        Prescription {
            id: PrescriptionId(Uuid::from_u128(0x5_0000_0000 + n)),
            patient_id: pid(patient),
            prescriber: uid(1),
            medication: Medication {
                name: "metformin".into(),
                rxnorm: None,
            },
            dose: "500 mg".into(),
            route: "oral".into(),
            frequency: "twice daily".into(),
            duration_days: Some(30),
            quantity: 60,
            refills: 0,
            instructions: None,
            status: PrescriptionStatus::Active,
            interactions: vec![],
            override_reason: None,
            created_at: at(9, minute),
            updated_at: at(9, minute),
            version: 1,
        }
    }

    async fn store_with_charts() -> MemoryStore {
        let s = MemoryStore::new();
        for n in 1..=2 {
            let c = chart(n, &format!("P{n}"), &format!("MRN-{n}"), None);
            s.create_patient(&c, &event("patient.create"))
                .await
                .unwrap();
        }
        s
    }

    async fn audit_len(s: &MemoryStore) -> usize {
        s.query_audit(&AuditFilter::default(), Page::first(500))
            .await
            .unwrap()
            .len()
    }

    #[tokio::test]
    async fn create_lists_newest_first_and_filters_by_status() {
        let s = store_with_charts().await;
        for (n, minute) in [(1, 0), (2, 10), (3, 5)] {
            s.create_prescription(&rx(n, 1, minute), &event("prescription.create"))
                .await
                .unwrap();
        }
        s.create_prescription(&rx(4, 2, 0), &event("prescription.create"))
            .await
            .unwrap();
        let list = s.prescriptions_for_patient(pid(1), None).await.unwrap();
        let ids: Vec<_> = list.iter().map(|p| p.id).collect();
        assert_eq!(ids, [rx(2, 1, 0).id, rx(3, 1, 0).id, rx(1, 1, 0).id]);
        assert_eq!(audit_len(&s).await, 2 + 4);

        let mut done = rx(3, 1, 5);
        done.status = PrescriptionStatus::Completed;
        s.update_prescription(&done, 1, &event("prescription.complete"))
            .await
            .unwrap();
        let active = s
            .prescriptions_for_patient(pid(1), Some(PrescriptionStatus::Active))
            .await
            .unwrap();
        assert_eq!(active.len(), 2);
        let completed = s
            .prescriptions_for_patient(pid(1), Some(PrescriptionStatus::Completed))
            .await
            .unwrap();
        assert_eq!(completed.len(), 1);
        assert_eq!(completed[0].version, 2);
        assert!(s
            .prescriptions_for_patient(pid(9), None)
            .await
            .unwrap()
            .is_empty());
    }

    #[tokio::test]
    async fn refused_writes_append_no_audit() {
        let s = store_with_charts().await;
        let p = rx(1, 1, 0);
        s.create_prescription(&p, &event("prescription.create"))
            .await
            .unwrap();
        let before = audit_len(&s).await;
        let dup = s
            .create_prescription(&p, &event("prescription.create"))
            .await;
        assert!(matches!(dup, Err(Error::Conflict { .. })), "{dup:?}");
        let orphan = s
            .create_prescription(&rx(2, 7, 0), &event("prescription.create"))
            .await;
        assert!(matches!(orphan, Err(Error::NotFound { .. })), "{orphan:?}");
        let stale = s
            .update_prescription(&p, 5, &event("prescription.cancel"))
            .await;
        assert!(
            matches!(
                stale,
                Err(Error::PreconditionFailed {
                    expected: 5,
                    current: 1,
                    ..
                })
            ),
            "{stale:?}"
        );
        let missing = s
            .update_prescription(&rx(3, 1, 0), 1, &event("prescription.cancel"))
            .await;
        assert!(
            matches!(missing, Err(Error::NotFound { .. })),
            "{missing:?}"
        );
        assert_eq!(audit_len(&s).await, before);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_updates_of_one_version_exactly_one_wins() {
        let s = store_with_charts().await;
        let p = rx(1, 1, 0);
        s.create_prescription(&p, &event("prescription.create"))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let s = s.clone();
                let mut next = p.clone();
                next.status = if i % 2 == 0 {
                    PrescriptionStatus::Completed
                } else {
                    PrescriptionStatus::Cancelled
                };
                tokio::spawn(async move {
                    s.update_prescription(&next, 1, &event("prescription.update"))
                        .await
                })
            })
            .collect();
        let mut wins = 0;
        for t in tasks {
            if t.await.unwrap().is_ok() {
                wins += 1;
            }
        }
        assert_eq!(wins, 1);
        let stored = s.prescription(p.id).await.unwrap().unwrap();
        assert_eq!(stored.version, 2);
    }
}
