//! The validator of stored notifications.

use bson::{doc, Document};

use super::{json_schema, matching, schema};

/// The `notifications` validator (`notifications_kind_check`): `kind` is a snake_case name
/// (a lower-case letter, then lower-case letters, digits and underscores). The kinds are
/// not listed, as in PostgreSQL: a newer MedSync may raise kinds this one does not know.
pub(super) fn notifications() -> Document {
    json_schema(schema(
        &["kind"],
        doc! {"kind": matching(r"^[a-z][a-z0-9_]*\z")},
    ))
}
