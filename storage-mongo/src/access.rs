//! [`AccessStore`]: care teams, delegation grants, break-glass sessions, and the
//! relationship reads the policy engine decides with (each one snapshot).

use std::collections::BTreeSet;

use async_trait::async_trait;
use bson::spec::BinarySubtype;
use bson::{doc, Bson};
use chrono::{DateTime, Utc};
use futures::FutureExt;
use medsync_core::access::{BreakGlass, Grant};
use medsync_core::audit::AuditEvent;
use medsync_core::ids::{GrantId, PatientId, UserId};
use medsync_core::policy::Relationships;
use medsync_core::store::AccessStore;
use medsync_core::{Error, Result};
use mongodb::options::ReturnDocument;
use mongodb::ClientSession;
use uuid::Uuid;

use crate::convert::{all, bdate, bid};
use crate::error;
use crate::model::access::{BreakGlassDoc, CareTeamDoc, GrantDoc};
use crate::relationships::{grant_active, treating};
use crate::schema::{APPOINTMENTS, BREAK_GLASS, CARE_TEAM, GRANTS, PATIENTS};
use crate::store::MongoStore;
use crate::txn::{Attempt, Fail};

/// The uuid of a BSON binary subtype 4 value.
fn uuid_of(b: &Bson) -> Option<Uuid> {
    match b {
        Bson::Binary(bin) if bin.subtype == BinarySubtype::Uuid => {
            Uuid::from_slice(&bin.bytes).ok()
        }
        _ => None,
    }
}

impl MongoStore {
    async fn assign_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        patient: PatientId,
        member: UserId,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        let key = doc! {"patient_id": bid(patient.0), "member_id": bid(member.0)};
        let upsert = self
            .raw(CARE_TEAM)
            .update_one(key.clone(), doc! {"$setOnInsert": key})
            .upsert(true)
            .session(&mut *s)
            .await;
        match upsert {
            Ok(_) => {}
            // A concurrent identical assignment won the insert: run again (now a no-op).
            Err(e) if error::is_duplicate_key(&e) => return Err(Fail::Retry),
            Err(e) => return Err(e.into()),
        }
        self.append_in(s, chain, audit).await?;
        Ok(())
    }

    async fn unassign_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        patient: PatientId,
        member: UserId,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        self.coll::<CareTeamDoc>(CARE_TEAM)
            .delete_one(doc! {"patient_id": bid(patient.0), "member_id": bid(member.0)})
            .session(&mut *s)
            .await?;
        self.append_in(s, chain, audit).await?;
        Ok(())
    }

    async fn create_grant_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        grant: &Grant,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        self.coll::<GrantDoc>(GRANTS)
            .insert_one(GrantDoc::from(grant))
            .session(&mut *s)
            .await?;
        self.append_in(s, chain, audit).await?;
        Ok(())
    }

    async fn revoke_grant_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        id: GrantId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Attempt<Grant> {
        let grants = self.coll::<GrantDoc>(GRANTS);
        let revoked = grants
            .find_one_and_update(
                doc! {"_id": bid(id.0), "revoked_at": null},
                doc! {"$set": {"revoked_at": bdate(now)}},
            )
            .return_document(ReturnDocument::After)
            .session(&mut *s)
            .await?;
        let stored = match revoked {
            Some(g) => g,
            None => grants
                .find_one(doc! {"_id": bid(id.0)})
                .session(&mut *s)
                .await?
                .ok_or_else(|| Error::not_found("grant", id))?,
        };
        self.append_in(s, chain, audit).await?;
        Ok(stored.into())
    }

    async fn start_break_glass_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        session: &BreakGlass,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        self.coll::<BreakGlassDoc>(BREAK_GLASS)
            .insert_one(BreakGlassDoc::from(session))
            .session(&mut *s)
            .await?;
        self.append_in(s, chain, audit).await?;
        Ok(())
    }

    async fn related_in(
        &self,
        s: &mut ClientSession,
        actor: UserId,
        now: DateTime<Utc>,
    ) -> Attempt<Vec<PatientId>> {
        let a = bid(actor.0);
        let mut treats = treating(now);
        treats.insert("doctor_id", a);
        let mut grants = grant_active(now);
        grants.insert("grantee", a);
        let queries = [
            (PATIENTS, "_id", doc! {"user_id": a}),
            (CARE_TEAM, "patient_id", doc! {"member_id": a}),
            (APPOINTMENTS, "patient_id", treats),
            (GRANTS, "patient_id", grants),
            (
                BREAK_GLASS,
                "patient_id",
                doc! {"actor": a, "expires_at": {"$gt": bdate(now)}},
            ),
        ];
        let mut out = BTreeSet::new();
        for (collection, field, filter) in queries {
            let values = self
                .raw(collection)
                .distinct(field, filter)
                .session(&mut *s)
                .await?;
            out.extend(values.iter().filter_map(uuid_of).map(PatientId));
        }
        Ok(out.into_iter().collect())
    }
}

#[async_trait]
impl AccessStore for MongoStore {
    async fn assign_care_team(
        &self,
        patient_id: PatientId,
        member: UserId,
        audit: &AuditEvent,
    ) -> Result<()> {
        let ctx = (self, patient_id, member, audit);
        self.transaction("care-team assignment", &ctx, |s, chain, &(st, p, m, a)| {
            st.assign_in(s, chain, p, m, a).boxed()
        })
        .await
    }

    async fn unassign_care_team(
        &self,
        patient_id: PatientId,
        member: UserId,
        audit: &AuditEvent,
    ) -> Result<()> {
        let ctx = (self, patient_id, member, audit);
        self.transaction("care-team removal", &ctx, |s, chain, &(st, p, m, a)| {
            st.unassign_in(s, chain, p, m, a).boxed()
        })
        .await
    }

    async fn create_grant(&self, grant: &Grant, audit: &AuditEvent) -> Result<()> {
        self.transaction(
            "grant creation",
            &(self, grant, audit),
            |s, chain, &(st, g, a)| st.create_grant_in(s, chain, g, a).boxed(),
        )
        .await
    }

    async fn revoke_grant(
        &self,
        id: GrantId,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Grant> {
        let ctx = (self, id, now, audit);
        self.transaction("grant revocation", &ctx, |s, chain, &(st, id, now, a)| {
            st.revoke_grant_in(s, chain, id, now, a).boxed()
        })
        .await
    }

    async fn grant(&self, id: GrantId) -> Result<Option<Grant>> {
        let found = self
            .coll::<GrantDoc>(GRANTS)
            .find_one(doc! {"_id": bid(id.0)})
            .await
            .map_err(|e| error::map(e, "reading a grant"))?;
        Ok(found.map(Grant::from))
    }

    async fn grants_for_patient(&self, patient_id: PatientId) -> Result<Vec<Grant>> {
        let cursor = self
            .coll::<GrantDoc>(GRANTS)
            .find(doc! {"patient_id": bid(patient_id.0)})
            .sort(doc! {"created_at": 1, "_id": 1})
            .await
            .map_err(|e| error::map(e, "listing grants"))?;
        Ok(all(cursor).await?.into_iter().map(Grant::from).collect())
    }

    async fn start_break_glass(&self, session: &BreakGlass, audit: &AuditEvent) -> Result<()> {
        let ctx = (self, session, audit);
        self.transaction("break-glass", &ctx, |s, chain, &(st, bg, a)| {
            st.start_break_glass_in(s, chain, bg, a).boxed()
        })
        .await
    }

    async fn relationships(
        &self,
        actor: UserId,
        patient_id: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Relationships> {
        self.read_relationships(actor, patient_id, now).await
    }

    async fn related_patients(&self, actor: UserId, now: DateTime<Utc>) -> Result<Vec<PatientId>> {
        self.unaudited_transaction(
            "relationship read",
            &(self, actor, now),
            |s, _, &(st, a, now)| st.related_in(s, a, now).boxed(),
        )
        .await
    }
}
