//! An actor's relationships to a chart, read in one aggregation: a single empty input
//! document (`$documents`) and one `$lookup` per kind of relationship, so the policy's
//! question costs one command instead of a transaction of five reads.

use std::collections::BTreeSet;

use bson::{doc, Document};
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use medsync_core::ids::{PatientId, UserId};
use medsync_core::policy::{Action, Relationships};
use medsync_core::scheduling::AppointmentStatus;
use medsync_core::Result;
use mongodb::options::ReadConcern;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::convert::{bdate, bid, tag};
use crate::error;
use crate::schema::{APPOINTMENTS, BREAK_GLASS, CARE_TEAM, GRANTS, PATIENTS};
use crate::store::MongoStore;

/// Appointments that make their doctor part of the chart's care team at `now`: confirmed,
/// completed, no-show, or pending with a live hold.
pub(crate) fn treating(now: DateTime<Utc>) -> Document {
    doc! {"$or": [
        {"status": {"$in": [
            tag(&AppointmentStatus::Confirmed),
            tag(&AppointmentStatus::Completed),
            tag(&AppointmentStatus::NoShow),
        ]}},
        {"status": tag(&AppointmentStatus::Pending), "hold_expires_at": {"$gt": bdate(now)}},
    ]}
}

/// Grants in force at `now`.
pub(crate) fn grant_active(now: DateTime<Utc>) -> Document {
    doc! {
        "revoked_at": null,
        "$or": [{"expires_at": null}, {"expires_at": {"$gt": bdate(now)}}],
    }
}

/// A `$lookup` of the documents of `from` matching `filter` into the field `into`, at most
/// `limit` of them (0: all), reduced to `fields` (`None`: whole documents).
pub(crate) fn lookup(
    from: &str,
    filter: Document,
    into: &str,
    limit: i64,
    fields: Option<Document>,
) -> Document {
    let mut pipeline = vec![doc! {"$match": filter}];
    if limit > 0 {
        pipeline.push(doc! {"$limit": limit});
    }
    if let Some(fields) = fields {
        pipeline.push(doc! {"$project": fields});
    }
    doc! {"$lookup": {"from": from, "pipeline": pipeline, "as": into}}
}

/// The `$lookup` stages computing the relationships of `actor` to `patient` at `now` into the
/// fields of [`RelationshipsDoc`].
pub(crate) fn relationship_lookups(
    actor: UserId,
    patient: PatientId,
    now: DateTime<Utc>,
) -> Vec<Document> {
    let (a, p) = (bid(actor.0), bid(patient.0));
    let id_only = || Some(doc! {"_id": 1});
    let mut treats = treating(now);
    treats.insert("doctor_id", a);
    treats.insert("patient_id", p);
    let mut grants = grant_active(now);
    grants.insert("patient_id", p);
    grants.insert("grantee", a);
    vec![
        lookup(
            PATIENTS,
            doc! {"_id": p, "user_id": a},
            "owner",
            1,
            id_only(),
        ),
        lookup(
            CARE_TEAM,
            doc! {"patient_id": p, "member_id": a},
            "assigned",
            1,
            id_only(),
        ),
        lookup(APPOINTMENTS, treats, "treats", 1, id_only()),
        lookup(GRANTS, grants, "grants", 0, Some(doc! {"actions": 1})),
        lookup(
            BREAK_GLASS,
            doc! {"actor": a, "patient_id": p, "expires_at": {"$gt": bdate(now)}},
            "break_glass",
            1,
            id_only(),
        ),
    ]
}

/// A matched document reduced to its id.
#[derive(Deserialize)]
struct Matched {}

/// The actions of a grant.
#[derive(Deserialize)]
struct GrantActions {
    actions: BTreeSet<Action>,
}

/// The fields [`relationship_lookups`] produce.
#[derive(Deserialize)]
pub(crate) struct RelationshipsDoc {
    owner: Vec<Matched>,
    assigned: Vec<Matched>,
    treats: Vec<Matched>,
    grants: Vec<GrantActions>,
    break_glass: Vec<Matched>,
}

impl From<RelationshipsDoc> for Relationships {
    fn from(d: RelationshipsDoc) -> Self {
        Relationships {
            owner: !d.owner.is_empty(),
            care_team: !d.assigned.is_empty() || !d.treats.is_empty(),
            granted: d.grants.into_iter().flat_map(|g| g.actions).collect(),
            break_glass: !d.break_glass.is_empty(),
        }
    }
}

/// `doc` (or one of its fields) as a `T`.
pub(crate) fn decode<T: DeserializeOwned>(doc: impl Into<bson::Bson>, what: &str) -> Result<T> {
    bson::from_bson(doc.into()).map_err(|e| {
        medsync_core::Error::backend(format!("mongodb returned a malformed {what}"), e)
    })
}

impl MongoStore {
    /// Runs `lookups` over one empty document with snapshot read concern (every lookup reads
    /// the same point in time) and returns the one result.
    pub(crate) async fn lookup_one(&self, lookups: Vec<Document>, what: &str) -> Result<Document> {
        let mut pipeline = vec![doc! {"$documents": [{}]}];
        pipeline.extend(lookups);
        let docs: Vec<Document> = self
            .database()
            .aggregate(pipeline)
            .read_concern(ReadConcern::snapshot())
            .await
            .map_err(|e| error::map(e, what))?
            .try_collect()
            .await
            .map_err(|e| error::map(e, what))?;
        Ok(docs.into_iter().next().unwrap_or_default())
    }

    /// The relationships of `actor` to `patient` at `now`, in one command.
    pub(crate) async fn read_relationships(
        &self,
        actor: UserId,
        patient: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Relationships> {
        let found = self
            .lookup_one(
                relationship_lookups(actor, patient, now),
                "relationship read",
            )
            .await?;
        decode(found, "relationships").map(RelationshipsDoc::into)
    }
}
