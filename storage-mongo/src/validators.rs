//! Collection validators: the rules about a single document that the server enforces on
//! every write, whoever makes it — the counterparts of PostgreSQL's CHECK constraints.
//!
//! The store checks the same rules in Rust before it writes (so callers get an error naming
//! the field); the validator is what stops a writer that bypasses the library, and what lets
//! the collision queries of [`crate::calendar`] trust their window: an appointment that
//! lasted longer than [`MAX_APPOINTMENT_MINUTES`] would be invisible to them.
//!
//! Validators are applied with `validationLevel: "moderate"`: every insert is checked, and
//! so is every update of a document that is itself valid. Documents written before the
//! validator existed are not rejected retroactively (like PostgreSQL's `NOT VALID`), so an
//! older, longer appointment can still be cancelled.

use bson::{doc, Bson, Document};
use mongodb::Database;

use medsync_core::scheduling::{MAX_APPOINTMENT_MINUTES, MAX_BUFFER_MINUTES};
use medsync_core::Result;

use crate::error;
use crate::schema::APPOINTMENTS;

/// Milliseconds per minute (BSON dates subtract to milliseconds).
const MS_PER_MINUTE: i64 = 60_000;

/// The `appointments` validator: `start` and `end` are dates, the appointment ends after it
/// starts and lasts at most [`MAX_APPOINTMENT_MINUTES`], `buffer_minutes` is an integer in
/// `0..=`[`MAX_BUFFER_MINUTES`], and `block_end` (what collision queries compare) is exactly
/// `end + buffer_minutes`.
pub(crate) fn appointments() -> Document {
    let max_ms = i64::from(MAX_APPOINTMENT_MINUTES) * MS_PER_MINUTE;
    doc! {"$expr": {"$and": [
        {"$eq": [{"$type": "$start"}, "date"]},
        {"$eq": [{"$type": "$end"}, "date"]},
        {"$in": [{"$type": "$buffer_minutes"}, ["int", "long"]]},
        {"$gt": ["$end", "$start"]},
        {"$lte": [{"$subtract": ["$end", "$start"]}, max_ms]},
        {"$gte": ["$buffer_minutes", 0_i64]},
        {"$lte": ["$buffer_minutes", i64::from(MAX_BUFFER_MINUTES)]},
        {"$eq": [
            "$block_end",
            {"$add": ["$end", {"$multiply": ["$buffer_minutes", MS_PER_MINUTE]}]},
        ]},
    ]}}
}

/// Every validator, by collection.
fn validators() -> [(&'static str, Document); 1] {
    [(APPOINTMENTS, appointments())]
}

/// Sets every collection's validator (`collMod`; the collections must exist). Idempotent, and
/// safe to run from several processes at once.
pub(crate) async fn apply(db: &Database) -> Result<()> {
    for (collection, validator) in validators() {
        db.run_command(doc! {
            "collMod": collection,
            "validator": Bson::Document(validator),
            "validationLevel": "moderate",
            "validationAction": "error",
        })
        .await
        .map_err(|e| error::map(e, "setting a collection validator"))?;
    }
    Ok(())
}
