//! Doctors' availability: one `doctor_availability` row per doctor, the weekly rules and
//! time off as JSON arrays.

use std::sync::LazyLock;

use medsync_core::audit::AuditEvent;
use medsync_core::ids::UserId;
use medsync_core::scheduling::Availability;
use medsync_core::Result;

use crate::convert::{from_json, to_i32, to_json, wire};
use crate::errors::DbResultExt;
use crate::{audit, PostgresStore};

/// An expression of a `doctor_availability` row as the JSON of an `Availability`.
pub(crate) const AS_JSON: &str = "jsonb_build_object('doctor_id', doctor_id, \
     'timezone', timezone, 'weekly', weekly, 'exceptions', exceptions, \
     'slot_minutes', slot_minutes, 'buffer_minutes', buffer_minutes)";

/// Inserts or replaces the doctor's availability, with `audit`, in one transaction.
pub(crate) async fn put(
    store: &PostgresStore,
    availability: &Availability,
    audit: &AuditEvent,
) -> Result<()> {
    const WHAT: &str = "set the availability";
    let mut tx = store.begin().await?;
    sqlx::query(
        "INSERT INTO doctor_availability \
         (doctor_id, timezone, weekly, exceptions, slot_minutes, buffer_minutes) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (doctor_id) DO UPDATE SET timezone = EXCLUDED.timezone, \
         weekly = EXCLUDED.weekly, exceptions = EXCLUDED.exceptions, \
         slot_minutes = EXCLUDED.slot_minutes, buffer_minutes = EXCLUDED.buffer_minutes",
    )
    .bind(availability.doctor_id.0)
    .bind(wire(&availability.timezone)?)
    .bind(to_json(&availability.weekly)?)
    .bind(to_json(&availability.exceptions)?)
    .bind(to_i32(availability.slot_minutes, "slot_minutes")?)
    .bind(to_i32(availability.buffer_minutes, "buffer_minutes")?)
    .execute(&mut *tx)
    .await
    .db(WHAT)?;
    audit::append(&mut tx, audit).await?;
    tx.commit().await.db(WHAT)
}

/// The doctor's availability, if set.
pub(crate) async fn get(store: &PostgresStore, doctor_id: UserId) -> Result<Option<Availability>> {
    static GET: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {AS_JSON} FROM doctor_availability WHERE doctor_id = $1"));
    let json: Option<serde_json::Value> = sqlx::query_scalar(&GET)
        .bind(doctor_id.0)
        .fetch_optional(&store.pool)
        .await
        .db("read the availability")?;
    decode(json)
}

/// The availability from its [`AS_JSON`] form.
pub(crate) fn decode(json: Option<serde_json::Value>) -> Result<Option<Availability>> {
    json.map(|j| from_json(j, "availability")).transpose()
}
