//! The validator of prescriptions.

use bson::{doc, Document};

use medsync_core::prescriptions::PrescriptionStatus;

use super::{at_least, json_schema, one_of, schema, version, INTEGER};

/// The `prescriptions` validator (`prescriptions_status_check`, `prescriptions_counts_check`,
/// `prescriptions_interactions_check`, `prescriptions_version_check`): `status` is `active`,
/// `completed` or `cancelled`; `quantity` and `refills` are non-negative integers;
/// `duration_days` is `null` or a non-negative integer; `interactions` is an array; and
/// `version` is an integer of at least 1.
pub(super) fn prescriptions() -> Document {
    let statuses = [
        PrescriptionStatus::Active,
        PrescriptionStatus::Completed,
        PrescriptionStatus::Cancelled,
    ];
    let mut days = INTEGER.to_vec();
    days.push("null");
    json_schema(schema(
        &["status", "quantity", "refills", "interactions", "version"],
        doc! {
            "status": one_of(statuses, false),
            "quantity": at_least(0),
            "refills": at_least(0),
            "duration_days": {"bsonType": days, "minimum": 0_i64},
            "interactions": {"bsonType": "array"},
            "version": version(),
        },
    ))
}
