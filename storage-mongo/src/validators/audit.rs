//! Validators of the audit log and its chain heads.

use bson::{doc, Document};

use medsync_core::audit::Outcome;

use super::{at_least, json_schema, matching, one_of, role, schema, HEX_64};

/// The `audit_log` validator (`audit_log_seq_check`, `audit_log_event_check`,
/// `audit_log_outcome_check`, `audit_log_hash_check`, and `audit_heads_chain_check` for the
/// entry's chain): `chain` is a non-negative integer, `seq` an integer of at least 1, `hash`
/// and `prev_hash` are 64 lower-case hex digits, `event_id` is a UUID and `action` a string,
/// `outcome` is `allowed`, `denied` or `failed`, and `actor_role` is a role or `null`.
pub(super) fn audit_log() -> Document {
    let outcomes = [Outcome::Allowed, Outcome::Denied, Outcome::Failed];
    json_schema(schema(
        &[
            "chain",
            "seq",
            "hash",
            "prev_hash",
            "event_id",
            "action",
            "outcome",
        ],
        doc! {
            "chain": at_least(0),
            "seq": at_least(1),
            "hash": matching(HEX_64),
            "prev_hash": matching(HEX_64),
            "event_id": {"bsonType": "binData"},
            "action": {"bsonType": "string"},
            "outcome": one_of(outcomes, false),
            "actor_role": role(true),
        },
    ))
}

/// The `audit_heads` validator (`audit_heads_chain_check`, `audit_heads_seq_check`,
/// `audit_heads_hash_check`): the chain (`_id`) and `seq` are non-negative integers, and
/// `hash`, where present, is 64 lower-case hex digits. `hash` is not required: a head the
/// append finds missing is created by an upsert that sets only `seq`, and gets its `hash`
/// in the next write of the same transaction.
pub(super) fn audit_heads() -> Document {
    json_schema(schema(
        &["_id", "seq"],
        doc! {"_id": at_least(0), "seq": at_least(0), "hash": matching(HEX_64)},
    ))
}
