//! The calendar invariant inside a transaction: lock documents, hold expiry and collision
//! queries shared by booking, moving and completing appointments.
//!
//! Every transaction that may make an appointment active writes the lock documents
//! `calendar_locks {_id: "doctor:<uuid>"}` and `{_id: "patient:<uuid>"}` (`$inc: {n: 1}`,
//! upserted). Two such transactions on one doctor or one patient therefore write the same
//! document: MongoDB lets only one of them commit, the other fails with a write conflict and
//! is retried from scratch, when its collision query sees the winner. Collision queries use
//! the stored `block_end = end + buffer`, so both sides' buffers count for the doctor.

use bson::{doc, Document};
use chrono::{DateTime, Utc};
use medsync_core::ids::{AppointmentId, PatientId, UserId};
use medsync_core::scheduling::{Appointment, AppointmentStatus};
use medsync_core::Error;
use mongodb::ClientSession;

use crate::convert::{bdate, bid, tag, uid};
use crate::model::schedule::AppointmentDoc;
use crate::schema::{APPOINTMENTS, CALENDAR_LOCKS};
use crate::store::MongoStore;
use crate::txn::Attempt;

/// The filter matching appointments active at `now`: confirmed, or pending with a live hold.
pub(crate) fn active_at(now: DateTime<Utc>) -> Document {
    doc! {"$or": [
        {"status": tag(&AppointmentStatus::Confirmed)},
        {"status": tag(&AppointmentStatus::Pending), "hold_expires_at": {"$gt": bdate(now)}},
    ]}
}

/// The filter matching pending holds lapsed at `now`.
pub(crate) fn lapsed_at(now: DateTime<Utc>) -> Document {
    doc! {"status": tag(&AppointmentStatus::Pending), "hold_expires_at": {"$lte": bdate(now)}}
}

/// The update expiring a lapsed hold at `now` (version + 1).
pub(crate) fn expire_update(now: DateTime<Utc>) -> Document {
    doc! {
        "$set": {"status": tag(&AppointmentStatus::Expired), "updated_at": bdate(now)},
        "$inc": {"version": 1_i64},
    }
}

impl MongoStore {
    /// Writes the doctor's and the patient's calendar lock documents, so that any concurrent
    /// transaction touching either calendar write-conflicts with this one.
    pub(crate) async fn lock_calendars(
        &self,
        s: &mut ClientSession,
        doctor: UserId,
        patient: PatientId,
    ) -> Attempt<()> {
        let locks = self.raw(CALENDAR_LOCKS);
        for key in [format!("doctor:{doctor}"), format!("patient:{patient}")] {
            locks
                .update_one(doc! {"_id": key}, doc! {"$inc": {"n": 1_i64}})
                .upsert(true)
                .session(&mut *s)
                .await?;
        }
        Ok(())
    }

    /// Expires every pending hold of the doctor or the patient lapsed at `now`, except
    /// `keep`.
    pub(crate) async fn expire_lapsed_of(
        &self,
        s: &mut ClientSession,
        doctor: UserId,
        patient: PatientId,
        keep: Option<AppointmentId>,
        now: DateTime<Utc>,
    ) -> Attempt<()> {
        let mut filter = lapsed_at(now);
        filter.insert(
            "$or",
            vec![
                doc! {"doctor_id": bid(doctor.0)},
                doc! {"patient_id": bid(patient.0)},
            ],
        );
        if let Some(id) = keep {
            filter.insert("_id", doc! {"$ne": bid(id.0)});
        }
        self.raw(APPOINTMENTS)
            .update_many(filter, expire_update(now))
            .session(s)
            .await?;
        Ok(())
    }

    /// The first (by start) appointment other than `next` active at `now` that `matching`
    /// selects.
    async fn first_active(
        &self,
        s: &mut ClientSession,
        next: &Appointment,
        now: DateTime<Utc>,
        matching: Document,
    ) -> Attempt<Option<AppointmentId>> {
        let filter = doc! {"$and": [
            matching,
            {"_id": {"$ne": bid(next.id.0)}},
            active_at(now),
        ]};
        let hit = self
            .coll::<AppointmentDoc>(APPOINTMENTS)
            .find_one(filter)
            .sort(doc! {"start": 1, "_id": 1})
            .session(s)
            .await?;
        Ok(hit.map(|a| AppointmentId(uid(a.id))))
    }

    /// `Conflict` naming the blocking appointment if another appointment active at `now`
    /// collides with `next` for the doctor (`[start, end + buffer)`, both buffers) or the
    /// patient (`[start, end)`).
    pub(crate) async fn check_collisions(
        &self,
        s: &mut ClientSession,
        next: &Appointment,
        now: DateTime<Utc>,
    ) -> Attempt<()> {
        let doctor = doc! {
            "doctor_id": bid(next.doctor_id.0),
            "start": {"$lt": bdate(next.doctor_block_end())},
            "block_end": {"$gt": bdate(next.start)},
        };
        if let Some(id) = self.first_active(s, next, now, doctor).await? {
            return Err(
                Error::conflict("doctor is booked at that time", Some(id.to_string())).into(),
            );
        }
        let patient = doc! {
            "patient_id": bid(next.patient_id.0),
            "start": {"$lt": bdate(next.end)},
            "end": {"$gt": bdate(next.start)},
        };
        if let Some(id) = self.first_active(s, next, now, patient).await? {
            return Err(Error::conflict(
                "patient already has an appointment at that time",
                Some(id.to_string()),
            )
            .into());
        }
        Ok(())
    }

    /// Makes `next` safe to store as active: fails on a collision (read first, so losers of
    /// a race fail without writing), then locks both calendars and expires their lapsed holds
    /// (except `next` itself).
    pub(crate) async fn claim_calendars(
        &self,
        s: &mut ClientSession,
        next: &Appointment,
        now: DateTime<Utc>,
    ) -> Attempt<()> {
        self.check_collisions(s, next, now).await?;
        self.lock_calendars(s, next.doctor_id, next.patient_id)
            .await?;
        self.expire_lapsed_of(s, next.doctor_id, next.patient_id, Some(next.id), now)
            .await
    }
}
