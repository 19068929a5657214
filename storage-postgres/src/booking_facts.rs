//! Everything a booking decision reads, in one statement (hence one snapshot).

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use medsync_core::ids::{PatientId, UserId};
use medsync_core::store::{BookingFacts, ChartState};
use medsync_core::Result;

use crate::access::{relationship_columns, RelationshipsRow};
use crate::availability;
use crate::errors::DbResultExt;
use crate::PostgresStore;

/// `$1` the booker, `$2` the chart, `$3` now, `$4` the doctor.
static FACTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {}, \
           EXISTS (SELECT 1 FROM users WHERE id = $4 AND role = 'doctor' AND status = 'active') \
             AS doctor_bookable, \
           (SELECT archived_at IS NOT NULL FROM patients WHERE id = $2) AS chart_archived, \
           (SELECT {} FROM doctor_availability WHERE doctor_id = $4) AS availability",
        relationship_columns(1, 2, 3),
        availability::AS_JSON
    )
});

/// A row of [`FACTS`].
#[derive(sqlx::FromRow)]
struct FactsRow {
    #[sqlx(flatten)]
    relationships: RelationshipsRow,
    doctor_bookable: bool,
    /// `None`: no such chart.
    chart_archived: Option<bool>,
    availability: Option<serde_json::Value>,
}

/// [`ScheduleStore::booking_facts`](medsync_core::store::ScheduleStore::booking_facts) in one
/// statement.
pub(crate) async fn read(
    store: &PostgresStore,
    actor: UserId,
    doctor_id: UserId,
    patient_id: PatientId,
    now: DateTime<Utc>,
) -> Result<BookingFacts> {
    let row: FactsRow = sqlx::query_as(&FACTS)
        .bind(actor.0)
        .bind(patient_id.0)
        .bind(now)
        .bind(doctor_id.0)
        .fetch_one(&store.pool)
        .await
        .db("read what the booking depends on")?;
    Ok(BookingFacts {
        relationships: row.relationships.into_relationships()?,
        doctor_bookable: row.doctor_bookable,
        chart: match row.chart_archived {
            None => ChartState::Missing,
            Some(true) => ChartState::Archived,
            Some(false) => ChartState::Writable,
        },
        availability: availability::decode(row.availability)?,
    })
}
