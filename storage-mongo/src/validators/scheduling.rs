//! Validators of doctors' availability and appointments.

use bson::{doc, Document};

use medsync_core::scheduling::{AppointmentStatus, MAX_APPOINTMENT_MINUTES, MAX_BUFFER_MINUTES};

use crate::convert::tag;

use super::{at_least, json_schema, one_of, role, schema, version};

/// Milliseconds per minute (BSON dates subtract to milliseconds).
const MS_PER_MINUTE: i64 = 60_000;

/// The `availability` validator (`doctor_availability_weekly_check`,
/// `doctor_availability_exceptions_check`, `doctor_availability_slot_check`,
/// `doctor_availability_buffer_check`): `weekly` and `exceptions` are arrays,
/// `slot_minutes` is a positive integer and `buffer_minutes` a non-negative one.
pub(super) fn availability() -> Document {
    json_schema(schema(
        &["weekly", "exceptions", "slot_minutes", "buffer_minutes"],
        doc! {
            "weekly": {"bsonType": "array"},
            "exceptions": {"bsonType": "array"},
            "slot_minutes": at_least(1),
            "buffer_minutes": at_least(0),
        },
    ))
}

/// The `appointments` validator.
///
/// Its `$jsonSchema` (`appointments_status_check`, `appointments_version_check`,
/// `appointments_cancellation_complete`, `appointments_cancelled_by_role_check`): `status`
/// is `pending`, `confirmed`, `completed`, `cancelled`, `no_show` or `expired`; `version` is
/// an integer of at least 1; and `cancellation`, unless absent or `null`, is a document with
/// `by` (a UUID), `by_role` (a role) and `at` (a date).
///
/// Its `$expr` (`appointments_time_order`, `appointments_buffer_check`, `appointments_span`,
/// `appointments_pending_hold`): `start` and `end` are dates, the appointment ends after it
/// starts and lasts at most [`MAX_APPOINTMENT_MINUTES`], `buffer_minutes` is an integer in
/// `0..=`[`MAX_BUFFER_MINUTES`], `block_end` (what collision queries compare) is exactly
/// `end + buffer_minutes`, and a `pending` appointment has a `hold_expires_at` date.
pub(super) fn appointments() -> Document {
    let statuses = [
        AppointmentStatus::Pending,
        AppointmentStatus::Confirmed,
        AppointmentStatus::Completed,
        AppointmentStatus::Cancelled,
        AppointmentStatus::NoShow,
        AppointmentStatus::Expired,
    ];
    let fields = schema(
        &["status", "version"],
        doc! {
            "status": one_of(statuses, false),
            "version": version(),
            "cancellation": {
                "bsonType": ["null", "object"],
                "required": ["by", "by_role", "at"],
                "properties": {
                    "by": {"bsonType": "binData"},
                    "by_role": role(false),
                    "at": {"bsonType": "date"},
                },
            },
        },
    );
    let max_ms = i64::from(MAX_APPOINTMENT_MINUTES) * MS_PER_MINUTE;
    doc! {
        "$jsonSchema": fields,
        "$expr": {"$and": [
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
            {"$or": [
                {"$ne": ["$status", tag(&AppointmentStatus::Pending)]},
                {"$eq": [{"$type": "$hold_expires_at"}, "date"]},
            ]},
        ]},
    }
}
