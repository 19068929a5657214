//! Validators of medical record headers and versions.

use bson::{doc, Document};

use medsync_core::records::RecordContent;

use super::{json_schema, matching, schema, version, INTEGER};

/// The change types of a version (`VersionChange`'s `type` tags).
const CHANGES: [&str; 3] = ["created", "amended", "restored"];

/// The pattern of a version's `content`, the JSON text of a `RecordContent` as `serde_json`
/// writes it: an object whose first member is the `kind` tag, one of
/// [`RecordContent::KINDS`]. It uses `[\s\S]` rather than `.` (which may not match line
/// separators in the text) and `\z` rather than `$` (which also matches before a final
/// newline).
fn content_pattern() -> String {
    let kinds = RecordContent::KINDS.join("|");
    format!(r#"^\{{"kind":"({kinds})"(\}}|,[\s\S]*\}})\z"#)
}

/// The `records` validator (`medical_records_kind_check`,
/// `medical_records_current_version_check`): `kind` is one of [`RecordContent::KINDS`] and
/// `current_version` is an integer of at least 1.
pub(super) fn records() -> Document {
    let kinds: Vec<&str> = RecordContent::KINDS.to_vec();
    json_schema(schema(
        &["kind", "current_version"],
        doc! {"kind": {"enum": kinds}, "current_version": version()},
    ))
}

/// The `record_versions` validator (`record_versions_version_check`,
/// `record_versions_change_check`, `record_versions_restored_from_check`,
/// `record_versions_content_check`): `version` is an integer of at least 1; `change` is a
/// document whose `type` is `created`, `amended` or `restored`, with a `from` (an integer)
/// if and only if it is `restored`; and `content` is the JSON text of an object tagged with
/// a record kind (see [`content_pattern`]).
pub(super) fn record_versions() -> Document {
    let mut validator = json_schema(schema(
        &["version", "change", "content"],
        doc! {
            "version": version(),
            "change": {
                "bsonType": "object",
                "required": ["type"],
                "properties": {
                    "type": {"enum": CHANGES.to_vec()},
                    "from": {"bsonType": INTEGER.to_vec()},
                },
            },
            "content": matching(&content_pattern()),
        },
    ));
    let has_from = doc! {"$not": [{"$in": [{"$type": "$change.from"}, ["missing", "null"]]}]};
    validator.insert(
        "$expr",
        doc! {"$eq": [{"$eq": ["$change.type", "restored"]}, has_from]},
    );
    validator
}
