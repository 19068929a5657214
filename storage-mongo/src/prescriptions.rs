//! [`PrescriptionStore`]: prescriptions, replaced by compare-and-set.

use async_trait::async_trait;
use bson::doc;
use futures::FutureExt;
use medsync_core::audit::AuditEvent;
use medsync_core::ids::{PatientId, PrescriptionId};
use medsync_core::prescriptions::{Prescription, PrescriptionStatus};
use medsync_core::store::PrescriptionStore;
use medsync_core::{Error, Result};
use mongodb::ClientSession;

use crate::cas::replace_versioned;
use crate::convert::{all, bid, i64_of, tag};
use crate::error;
use crate::model::prescriptions::PrescriptionDoc;
use crate::schema::{PATIENTS, PRESCRIPTIONS};
use crate::store::MongoStore;
use crate::txn::Attempt;

impl MongoStore {
    async fn create_prescription_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        prescription: &Prescription,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        // Charts are archived, never deleted, so existence read in this snapshot holds.
        let chart = self
            .raw(PATIENTS)
            .find_one(doc! {"_id": bid(prescription.patient_id.0)})
            .projection(doc! {"_id": 1})
            .session(&mut *s)
            .await?;
        if chart.is_none() {
            return Err(Error::not_found("patient", prescription.patient_id).into());
        }
        let mut doc = PrescriptionDoc::from(prescription);
        doc.version = 1;
        self.coll::<PrescriptionDoc>(PRESCRIPTIONS)
            .insert_one(doc)
            .session(&mut *s)
            .await?;
        self.append_in(s, chain, audit).await?;
        Ok(())
    }

    async fn update_prescription_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        next: &Prescription,
        expected: u64,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        let mut doc = PrescriptionDoc::from(next);
        doc.version = i64_of(expected.saturating_add(1));
        let coll = self.coll::<PrescriptionDoc>(PRESCRIPTIONS);
        replace_versioned(&coll, s, "prescription", next.id.0, expected, &doc).await?;
        self.append_in(s, chain, audit).await?;
        Ok(())
    }
}

#[async_trait]
impl PrescriptionStore for MongoStore {
    async fn create_prescription(
        &self,
        prescription: &Prescription,
        audit: &AuditEvent,
    ) -> Result<()> {
        let ctx = (self, prescription, audit);
        self.transaction("prescription", &ctx, |s, chain, &(st, p, a)| {
            st.create_prescription_in(s, chain, p, a).boxed()
        })
        .await
    }

    async fn prescription(&self, id: PrescriptionId) -> Result<Option<Prescription>> {
        let found = self
            .coll::<PrescriptionDoc>(PRESCRIPTIONS)
            .find_one(doc! {"_id": bid(id.0)})
            .await
            .map_err(|e| error::map(e, "reading a prescription"))?;
        Ok(found.map(Prescription::from))
    }

    async fn prescriptions_for_patient(
        &self,
        patient_id: PatientId,
        status: Option<PrescriptionStatus>,
    ) -> Result<Vec<Prescription>> {
        let mut filter = doc! {"patient_id": bid(patient_id.0)};
        if let Some(status) = status {
            filter.insert("status", tag(&status));
        }
        let cursor = self
            .coll::<PrescriptionDoc>(PRESCRIPTIONS)
            .find(filter)
            .sort(doc! {"created_at": -1, "_id": -1})
            .await
            .map_err(|e| error::map(e, "listing prescriptions"))?;
        Ok(all(cursor)
            .await?
            .into_iter()
            .map(Prescription::from)
            .collect())
    }

    async fn update_prescription(
        &self,
        next: &Prescription,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()> {
        let ctx = (self, next, expected_version, audit);
        self.transaction("prescription update", &ctx, |s, chain, &(st, p, v, a)| {
            st.update_prescription_in(s, chain, p, v, a).boxed()
        })
        .await
    }
}
