//! Everything a booking decision reads, in one aggregation.

use bson::{doc, Bson};
use chrono::{DateTime, Utc};
use medsync_core::identity::{Patient, User};
use medsync_core::ids::{PatientId, UserId};
use medsync_core::scheduling::Availability;
use medsync_core::store::BookingFacts;
use medsync_core::Result;

use crate::convert::bid;
use crate::model::identity::{PatientDoc, UserDoc};
use crate::model::schedule::AvailabilityDoc;
use crate::relationships::{decode, lookup, relationship_lookups, RelationshipsDoc};
use crate::schema::{AVAILABILITY, PATIENTS, USERS};
use crate::store::MongoStore;

impl MongoStore {
    /// [`ScheduleStore::booking_facts`](medsync_core::store::ScheduleStore::booking_facts):
    /// the relationships, the doctor, the chart and the availability in one aggregation (one
    /// command, one snapshot), see [`crate::relationships`].
    pub(crate) async fn read_booking_facts(
        &self,
        actor: UserId,
        doctor_id: UserId,
        patient_id: PatientId,
        now: DateTime<Utc>,
    ) -> Result<BookingFacts> {
        let (d, p) = (bid(doctor_id.0), bid(patient_id.0));
        let mut lookups = relationship_lookups(actor, patient_id, now);
        lookups.extend([
            lookup(USERS, doc! {"_id": d}, "doctor", 1, None),
            lookup(PATIENTS, doc! {"_id": p}, "chart", 1, None),
            lookup(AVAILABILITY, doc! {"_id": d}, "availability", 1, None),
        ]);
        let mut found = self.lookup_one(lookups, "booking read").await?;
        let mut first = |field: &str| found.remove(field).unwrap_or(Bson::Array(vec![]));
        let doctor: Vec<UserDoc> = decode(first("doctor"), "doctor")?;
        let chart: Vec<PatientDoc> = decode(first("chart"), "chart")?;
        let availability: Vec<AvailabilityDoc> = decode(first("availability"), "availability")?;
        let relationships: RelationshipsDoc = decode(found, "relationships")?;
        Ok(BookingFacts::from_reads(
            relationships.into(),
            doctor.into_iter().next().map(User::from).as_ref(),
            chart.into_iter().next().map(Patient::from).as_ref(),
            availability.into_iter().next().map(Availability::from),
        ))
    }
}
