//! Everything a booking decision reads, in one snapshot transaction.

use bson::doc;
use chrono::{DateTime, Utc};
use futures::FutureExt;
use medsync_core::identity::{Patient, User};
use medsync_core::ids::{PatientId, UserId};
use medsync_core::scheduling::Availability;
use medsync_core::store::BookingFacts;
use medsync_core::Result;
use mongodb::ClientSession;

use crate::convert::bid;
use crate::model::identity::{PatientDoc, UserDoc};
use crate::model::schedule::AvailabilityDoc;
use crate::schema::{AVAILABILITY, PATIENTS, USERS};
use crate::store::MongoStore;
use crate::txn::Attempt;

impl MongoStore {
    /// [`ScheduleStore::booking_facts`](medsync_core::store::ScheduleStore::booking_facts):
    /// the relationships, the doctor, the chart and the availability read in one transaction
    /// (one snapshot, one session) rather than four.
    pub(crate) async fn read_booking_facts(
        &self,
        actor: UserId,
        doctor_id: UserId,
        patient_id: PatientId,
        now: DateTime<Utc>,
    ) -> Result<BookingFacts> {
        let ctx = (self, actor, doctor_id, patient_id, now);
        self.unaudited_transaction("booking read", &ctx, |s, _, &(st, a, d, p, now)| {
            st.booking_facts_in(s, a, d, p, now).boxed()
        })
        .await
    }

    async fn booking_facts_in(
        &self,
        s: &mut ClientSession,
        actor: UserId,
        doctor_id: UserId,
        patient_id: PatientId,
        now: DateTime<Utc>,
    ) -> Attempt<BookingFacts> {
        let relationships = self.relationships_in(s, actor, patient_id, now).await?;
        let doctor = self
            .coll::<UserDoc>(USERS)
            .find_one(doc! {"_id": bid(doctor_id.0)})
            .session(&mut *s)
            .await?
            .map(User::from);
        let chart = self
            .coll::<PatientDoc>(PATIENTS)
            .find_one(doc! {"_id": bid(patient_id.0)})
            .session(&mut *s)
            .await?
            .map(Patient::from);
        let availability = self
            .coll::<AvailabilityDoc>(AVAILABILITY)
            .find_one(doc! {"_id": bid(doctor_id.0)})
            .session(&mut *s)
            .await?
            .map(Availability::from);
        Ok(BookingFacts::from_reads(
            relationships,
            doctor.as_ref(),
            chart.as_ref(),
            availability,
        ))
    }
}
