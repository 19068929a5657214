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
use chrono::{DateTime, Duration, Utc};
use medsync_core::ids::{AppointmentId, PatientId, UserId};
use medsync_core::scheduling::{
    Appointment, AppointmentStatus, MAX_APPOINTMENT_MINUTES, MAX_BLOCK_MINUTES,
};
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

/// What [`MongoStore::first_active`] looks for: appointments `matching`, other than `next`,
/// active at `now` (sorted by start, first one).
pub(crate) fn first_active_filter(
    next: &Appointment,
    now: DateTime<Utc>,
    matching: Document,
) -> Document {
    doc! {"$and": [
        matching,
        {"_id": {"$ne": bid(next.id.0)}},
        active_at(now),
    ]}
}

/// The doctor's appointments whose blocked interval `[start, end + buffer)` meets `next`'s.
///
/// Stored appointments pass `check_span`, so such a blocker starts at most
/// [`MAX_BLOCK_MINUTES`] before `next`: the lower bound keeps the scan of the
/// `(doctor_id, start)` index to that window instead of the calendar's whole history.
pub(crate) fn doctor_window(next: &Appointment) -> Document {
    doc! {
        "doctor_id": bid(next.doctor_id.0),
        "start": {
            "$gt": bdate(earliest(next.start, MAX_BLOCK_MINUTES)),
            "$lt": bdate(next.doctor_block_end()),
        },
        "block_end": {"$gt": bdate(next.start)},
    }
}

/// The patient's appointments whose `[start, end)` meets `next`'s; bounded like
/// [`doctor_window`] by [`MAX_APPOINTMENT_MINUTES`].
pub(crate) fn patient_window(next: &Appointment) -> Document {
    doc! {
        "patient_id": bid(next.patient_id.0),
        "start": {
            "$gt": bdate(earliest(next.start, MAX_APPOINTMENT_MINUTES)),
            "$lt": bdate(next.end),
        },
        "end": {"$gt": bdate(next.start)},
    }
}

/// `minutes` before `t` (saturating at the earliest representable instant).
fn earliest(t: DateTime<Utc>, minutes: u32) -> DateTime<Utc> {
    t.checked_sub_signed(Duration::minutes(i64::from(minutes)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

impl MongoStore {
    /// Writes the doctor's and the patient's calendar lock documents, so that any concurrent
    /// transaction touching either calendar write-conflicts with this one. Both documents
    /// exist after a calendar's first booking, so this is usually one write; a missing one is
    /// upserted.
    pub(crate) async fn lock_calendars(
        &self,
        s: &mut ClientSession,
        doctor: UserId,
        patient: PatientId,
    ) -> Attempt<()> {
        let locks = self.raw(CALENDAR_LOCKS);
        let keys = [format!("doctor:{doctor}"), format!("patient:{patient}")];
        let bump = doc! {"$inc": {"n": 1_i64}};
        let both = locks
            .update_many(doc! {"_id": {"$in": keys.as_slice()}}, bump.clone())
            .session(&mut *s)
            .await?;
        if both.matched_count == 2 {
            return Ok(());
        }
        // A first booking: make sure each exists (bumping an existing one again is harmless).
        for key in keys {
            locks
                .update_one(doc! {"_id": key}, bump.clone())
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
    /// selects ([`first_active_filter`]).
    async fn first_active(
        &self,
        s: &mut ClientSession,
        next: &Appointment,
        now: DateTime<Utc>,
        matching: Document,
    ) -> Attempt<Option<AppointmentId>> {
        let filter = first_active_filter(next, now, matching);
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
        let doctor = doctor_window(next);
        if let Some(id) = self.first_active(s, next, now, doctor).await? {
            return Err(
                Error::conflict("doctor is booked at that time", Some(id.to_string())).into(),
            );
        }
        let patient = patient_window(next);
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

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, TimeZone, Utc};
    use medsync_core::audit::AuditEvent;
    use medsync_core::ids::{AppointmentId, PatientId, UserId};
    use medsync_core::scheduling::Appointment;
    use medsync_core::store::ScheduleStore;
    use medsync_core::testkit::confirmed_appointment;
    use medsync_core::testkit::throughput::booking_event;
    use medsync_core::Error;
    use uuid::Uuid;

    use super::{doctor_window, first_active_filter, patient_window};
    use crate::schema::CALENDAR_LOCKS;
    use crate::testing::fresh_mongo_store;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
    }

    fn confirmed(doctor: u128, patient: u128, start: DateTime<Utc>) -> Appointment {
        let (d, p) = (Uuid::from_u128(doctor), Uuid::from_u128(patient));
        confirmed_appointment(UserId(d), PatientId(p), start, 30, 10)
    }

    fn event(a: &Appointment) -> AuditEvent {
        booking_event(a)
    }

    /// `totalDocsExamined` of the collision query `filter` (sorted by start, first match).
    async fn examined(s: &crate::MongoStore, filter: bson::Document) -> i64 {
        let explained = s
            .database()
            .run_command(bson::doc! {
                "explain": {
                    "find": crate::schema::APPOINTMENTS,
                    "filter": filter,
                    "sort": {"start": 1, "_id": 1},
                    "limit": 1,
                },
                "verbosity": "executionStats",
            })
            .await
            .unwrap();
        let stats = explained.get_document("executionStats").unwrap();
        match stats.get("totalDocsExamined").unwrap() {
            bson::Bson::Int32(n) => i64::from(*n),
            bson::Bson::Int64(n) => *n,
            other => panic!("unexpected {other:?}"),
        }
    }

    /// A collision check reads the window a blocker could start in, not the calendar's
    /// history: with 200 earlier appointments (8 a day), a new one examines at most a day
    /// and a half's worth.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn collision_checks_read_a_bounded_window() {
        let Some(s) = fresh_mongo_store().await else {
            eprintln!("skipped: MONGODB_URL is not set");
            return;
        };
        let slot = |k: i64| at(9, 0) + Duration::hours(k / 8 * 24 + k % 8);
        for k in 0..200 {
            let a = confirmed(1, 11, slot(k));
            s.book(&a, at(8, 0), &event(&a)).await.unwrap();
        }
        let next = confirmed(1, 11, slot(200));
        let now = at(8, 0);
        for filter in [doctor_window(&next), patient_window(&next)] {
            let n = examined(&s, first_active_filter(&next, now, filter)).await;
            assert!(n <= 12, "examined {n} appointments");
        }
        // And the window still finds a blocker that started the day before.
        let long = {
            let mut a = confirmed(2, 12, at(9, 0) + Duration::days(400));
            a.end = a.start + Duration::hours(24);
            a.buffer_minutes = 240;
            a
        };
        s.book(&long, now, &event(&long)).await.unwrap();
        let late = confirmed(2, 13, long.end + Duration::minutes(230));
        let Err(Error::Conflict { blocking, .. }) = s.book(&late, now, &event(&late)).await else {
            panic!("the long appointment's buffer blocks");
        };
        assert_eq!(blocking, Some(long.id.to_string()));
    }

    /// One query reads both calendars' collisions: the doctor's blocker is named first, the
    /// patient's when only the patient is busy; the lock documents are created on a calendar's
    /// first booking.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn collisions_name_the_doctors_blocker_first() {
        let Some(s) = fresh_mongo_store().await else {
            eprintln!("skipped: MONGODB_URL is not set");
            return;
        };
        let book = |a: Appointment| {
            let s = s.clone();
            async move { s.book(&a, at(8, 0), &event(&a)).await.map(|_| a.id) }
        };
        let first = book(confirmed(1, 11, at(9, 0))).await.unwrap();
        let second = book(confirmed(2, 12, at(9, 0))).await.unwrap();
        let blocker = |r: medsync_core::Result<AppointmentId>| match r {
            Err(Error::Conflict { message, blocking }) => (message, blocking),
            other => panic!("expected a conflict, got {other:?}"),
        };
        // Doctor 1 and patient 12 are both busy: the doctor's blocker is named.
        let (message, blocking) = blocker(book(confirmed(1, 12, at(9, 10))).await);
        assert!(message.contains("doctor"), "{message}");
        assert_eq!(blocking, Some(first.to_string()));
        // Only patient 12 is busy.
        let (message, blocking) = blocker(book(confirmed(3, 12, at(9, 20))).await);
        assert!(message.contains("patient"), "{message}");
        assert_eq!(blocking, Some(second.to_string()));
        // Doctor 1's buffer runs to 9:40.
        let (message, _) = blocker(book(confirmed(1, 13, at(9, 35))).await);
        assert!(message.contains("doctor"), "{message}");
        book(confirmed(1, 13, at(9, 40))).await.unwrap();
        book(confirmed(1, 13, at(10, 20))).await.unwrap();
        // Doctors 1, 2 and patients 11, 12, 13 have booked: five lock documents.
        let locks = s
            .raw(CALENDAR_LOCKS)
            .count_documents(bson::doc! {})
            .await
            .unwrap();
        assert_eq!(locks, 5);
    }
}
