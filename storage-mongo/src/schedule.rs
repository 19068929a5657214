//! [`ScheduleStore`]: availability and appointments. Booking and moving run in one
//! transaction each, guarded by the calendar locks of [`crate::calendar`].

use async_trait::async_trait;
use bson::{doc, Document};
use chrono::{DateTime, Utc};
use futures::FutureExt;
use medsync_core::audit::AuditEvent;
use medsync_core::ids::{AppointmentId, PatientId, UserId};
use medsync_core::scheduling::{Appointment, Availability};
use medsync_core::store::{AppointmentFilter, BookOutcome, BookingFacts, Page, ScheduleStore};
use medsync_core::Result;
use mongodb::ClientSession;

use crate::calendar::{active_at, expire_update, lapsed_at};
use crate::cas::replace_versioned;
use crate::convert::{all, bdate, bid, bids, page_bounds, tag};
use crate::error;
use crate::model::schedule::{AppointmentDoc, AvailabilityDoc};
use crate::schema::{APPOINTMENTS, AVAILABILITY, IX_IDEMPOTENCY};
use crate::store::MongoStore;
use crate::txn::{Attempt, Fail};

/// The filter of an appointment listing, built from typed values only.
fn appointment_filter(f: &AppointmentFilter) -> Document {
    let mut q = Document::new();
    if let Some(d) = f.doctor_id {
        q.insert("doctor_id", bid(d.0));
    }
    if let Some(ids) = &f.patient_ids {
        q.insert("patient_id", doc! {"$in": bids(ids.iter().map(|p| p.0))});
    }
    if let Some(from) = f.from {
        q.insert("end", doc! {"$gt": bdate(from)});
    }
    if let Some(to) = f.to {
        q.insert("start", doc! {"$lt": bdate(to)});
    }
    if let Some(statuses) = &f.statuses {
        let tags: Vec<_> = statuses.iter().map(tag).collect();
        q.insert("status", doc! {"$in": tags});
    }
    q
}

impl MongoStore {
    async fn put_availability_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        availability: &Availability,
        audit: &AuditEvent,
    ) -> Attempt<()> {
        let doc = AvailabilityDoc::from(availability);
        let upsert = self
            .coll::<AvailabilityDoc>(AVAILABILITY)
            .replace_one(doc! {"_id": doc.doctor_id}, &doc)
            .upsert(true)
            .session(&mut *s)
            .await;
        match upsert {
            Ok(_) => {}
            // A concurrent first insert of the same doctor: run again, now as a replace.
            Err(e) if error::is_duplicate_key(&e) => return Err(Fail::Retry),
            Err(e) => return Err(e.into()),
        }
        self.append_in(s, chain, audit).await?;
        Ok(())
    }

    async fn book_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        appointment: &Appointment,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Attempt<BookOutcome> {
        let coll = self.coll::<AppointmentDoc>(APPOINTMENTS);
        if let Some(key) = &appointment.idempotency_key {
            let seen = coll
                .find_one(doc! {"booked_by": bid(appointment.booked_by.0), "idempotency_key": key})
                .session(&mut *s)
                .await?;
            if let Some(seen) = seen {
                // A replay writes nothing, not even `audit`: the service audits it.
                return Ok(BookOutcome::Existing(seen.into()));
            }
        }
        self.claim_calendars(s, appointment, now).await?;
        let inserted = coll
            .insert_one(AppointmentDoc::from(appointment))
            .session(&mut *s)
            .await;
        if let Err(e) = inserted {
            // The same key raced in through another calendar: run again to return it.
            let raced = error::duplicate_index(&e).is_some_and(|(_, ix)| ix == IX_IDEMPOTENCY);
            return Err(if raced { Fail::Retry } else { e.into() });
        }
        self.append_in(s, chain, audit).await?;
        Ok(BookOutcome::Created(appointment.clone()))
    }

    async fn update_appointment_in(
        &self,
        s: &mut ClientSession,
        chain: u32,
        next: &Appointment,
        expected: u64,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Attempt<Appointment> {
        let mut stored = next.clone();
        stored.version = expected.saturating_add(1);
        let coll = self.coll::<AppointmentDoc>(APPOINTMENTS);
        let doc = AppointmentDoc::from(&stored);
        replace_versioned(&coll, s, "appointment", next.id.0, expected, &doc).await?;
        if stored.is_active(now) {
            self.claim_calendars(s, &stored, now).await?;
        }
        self.append_in(s, chain, audit).await?;
        Ok(stored)
    }
}

#[async_trait]
impl ScheduleStore for MongoStore {
    async fn put_availability(
        &self,
        availability: &Availability,
        audit: &AuditEvent,
    ) -> Result<()> {
        let ctx = (self, availability, audit);
        self.transaction("availability update", &ctx, |s, chain, &(st, av, a)| {
            st.put_availability_in(s, chain, av, a).boxed()
        })
        .await
    }

    async fn availability(&self, doctor_id: UserId) -> Result<Option<Availability>> {
        let found = self
            .coll::<AvailabilityDoc>(AVAILABILITY)
            .find_one(doc! {"_id": bid(doctor_id.0)})
            .await
            .map_err(|e| error::map(e, "reading availability"))?;
        Ok(found.map(Availability::from))
    }

    /// The relationships, the doctor, the chart and the availability in one aggregation (one
    /// command, one snapshot).
    async fn booking_facts(
        &self,
        actor: UserId,
        doctor_id: UserId,
        patient_id: PatientId,
        now: DateTime<Utc>,
    ) -> Result<Option<BookingFacts>> {
        self.read_booking_facts(actor, doctor_id, patient_id, now)
            .await
            .map(Some)
    }

    async fn book(
        &self,
        appointment: &Appointment,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<BookOutcome> {
        // The collision queries rely on it (see `calendar`).
        appointment.check_span()?;
        let ctx = (self, appointment, now, audit);
        self.transaction("booking", &ctx, |s, chain, &(st, ap, now, a)| {
            st.book_in(s, chain, ap, now, a).boxed()
        })
        .await
    }

    async fn appointment(&self, id: AppointmentId) -> Result<Option<Appointment>> {
        let found = self
            .coll::<AppointmentDoc>(APPOINTMENTS)
            .find_one(doc! {"_id": bid(id.0)})
            .await
            .map_err(|e| error::map(e, "reading an appointment"))?;
        Ok(found.map(Appointment::from))
    }

    async fn update_appointment(
        &self,
        next: &Appointment,
        expected_version: u64,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Appointment> {
        next.check_span()?;
        let ctx = (self, next, expected_version, now, audit);
        self.transaction(
            "appointment update",
            &ctx,
            |s, chain, &(st, n, v, now, a)| {
                st.update_appointment_in(s, chain, n, v, now, a).boxed()
            },
        )
        .await
    }

    async fn list_appointments(
        &self,
        filter: &AppointmentFilter,
        page: Page,
    ) -> Result<Vec<Appointment>> {
        let (skip, limit) = page_bounds(page);
        let cursor = self
            .coll::<AppointmentDoc>(APPOINTMENTS)
            .find(appointment_filter(filter))
            .sort(doc! {"start": 1, "_id": 1})
            .skip(skip)
            .limit(limit)
            .await
            .map_err(|e| error::map(e, "listing appointments"))?;
        Ok(all(cursor)
            .await?
            .into_iter()
            .map(Appointment::from)
            .collect())
    }

    async fn doctor_busy(
        &self,
        doctor_id: UserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Appointment>> {
        if from >= to {
            return Ok(Vec::new());
        }
        let filter = doc! {"$and": [
            {
                "doctor_id": bid(doctor_id.0),
                "start": {"$lt": bdate(to)},
                "block_end": {"$gt": bdate(from)},
            },
            active_at(now),
        ]};
        let cursor = self
            .coll::<AppointmentDoc>(APPOINTMENTS)
            .find(filter)
            .sort(doc! {"start": 1, "_id": 1})
            .await
            .map_err(|e| error::map(e, "reading a calendar"))?;
        Ok(all(cursor)
            .await?
            .into_iter()
            .map(Appointment::from)
            .collect())
    }

    async fn expire_holds(&self, now: DateTime<Utc>) -> Result<u64> {
        // Each document is updated atomically and only while it still matches the filter, so
        // a hold confirmed or cancelled concurrently is never expired; no lock is needed.
        let r = self
            .raw(APPOINTMENTS)
            .update_many(lapsed_at(now), expire_update(now))
            .await
            .map_err(|e| error::map(e, "expiring holds"))?;
        Ok(r.modified_count)
    }
}
