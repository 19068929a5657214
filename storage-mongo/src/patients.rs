//! [`PatientStore`]: patient charts.

use async_trait::async_trait;
use bson::{doc, Bson, Document};
use futures::FutureExt;
use medsync_core::audit::AuditEvent;
use medsync_core::identity::Patient;
use medsync_core::ids::PatientId;
use medsync_core::store::{Page, PatientFilter, PatientStore};
use medsync_core::Result;
use mongodb::ClientSession;

use crate::cas::replace_versioned;
use crate::convert::{all, bid, bids, i64_of, literal_regex, page_bounds};
use crate::error;
use crate::model::identity::PatientDoc;
use crate::schema::PATIENTS;
use crate::store::MongoStore;
use crate::txn::Attempt;

/// The filter of a chart listing, built from typed values only.
fn patient_filter(f: &PatientFilter) -> Document {
    let mut q = Document::new();
    if !f.include_archived {
        q.insert("archived_at", Bson::Null);
    }
    if let Some(ids) = &f.ids {
        q.insert("_id", doc! {"$in": bids(ids.iter().map(|p| p.0))});
    }
    if let Some(text) = &f.query {
        let re = literal_regex(text);
        q.insert("$or", vec![doc! {"name": re.clone()}, doc! {"mrn": re}]);
    }
    q
}

impl MongoStore {
    async fn create_patient_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        patient: &Patient,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        self.coll::<PatientDoc>(PATIENTS)
            .insert_one(PatientDoc::from(patient))
            .session(&mut *s)
            .await?;
        self.append_in(s, chain, audit).await?;
        Ok(())
    }

    async fn update_patient_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        patient: &Patient,
        expected: u64,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        let mut next = PatientDoc::from(patient);
        next.version = i64_of(expected.saturating_add(1));
        let coll = self.coll::<PatientDoc>(PATIENTS);
        replace_versioned(&coll, s, "patient", patient.id.0, expected, &next).await?;
        self.append_in(s, chain, audit).await?;
        Ok(())
    }
}

#[async_trait]
impl PatientStore for MongoStore {
    async fn create_patient(&self, patient: &Patient, audit: &AuditEvent) -> Result<()> {
        let ctx = (self, patient, audit);
        self.transaction("chart creation", &ctx, |s, chain, &(st, p, a)| {
            st.create_patient_in(s, chain, p, a).boxed()
        })
        .await
    }

    async fn patient(&self, id: PatientId) -> Result<Option<Patient>> {
        let found = self
            .coll::<PatientDoc>(PATIENTS)
            .find_one(doc! {"_id": bid(id.0)})
            .await
            .map_err(|e| error::map(e, "reading a chart"))?;
        Ok(found.map(Patient::from))
    }

    async fn update_patient(
        &self,
        patient: &Patient,
        expected_version: u64,
        audit: &AuditEvent,
    ) -> Result<()> {
        let ctx = (self, patient, expected_version, audit);
        self.transaction("chart update", &ctx, |s, chain, &(st, p, v, a)| {
            st.update_patient_in(s, chain, p, v, a).boxed()
        })
        .await
    }

    async fn list_patients(&self, filter: &PatientFilter, page: Page) -> Result<Vec<Patient>> {
        let (skip, limit) = page_bounds(page);
        let cursor = self
            .coll::<PatientDoc>(PATIENTS)
            .find(patient_filter(filter))
            .sort(doc! {"name": 1, "_id": 1})
            .skip(skip)
            .limit(limit)
            .await
            .map_err(|e| error::map(e, "listing charts"))?;
        Ok(all(cursor).await?.into_iter().map(Patient::from).collect())
    }
}
