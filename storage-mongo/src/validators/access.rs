//! Validators of caregiver grants and break-glass sessions.

use bson::{doc, Document};

use medsync_core::policy::Action;

use super::{json_schema, matching, one_of, schema};

/// The `grants` validator (`access_grants_actions_check`, which forbids NULL actions):
/// `actions` is an array whose every item is an action's name (one of [`Action::ALL`]).
pub(super) fn grants() -> Document {
    json_schema(schema(
        &["actions"],
        doc! {"actions": {"bsonType": "array", "items": one_of(Action::ALL, false)}},
    ))
}

/// The `break_glass` validator (`break_glass_sessions_reason_check`): `reason` is a string
/// with at least one character that is not white space.
pub(super) fn break_glass() -> Document {
    json_schema(schema(&["reason"], doc! {"reason": matching(r"\S")}))
}
