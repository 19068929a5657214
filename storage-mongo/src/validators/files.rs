//! Validators of uploaded files' metadata and upload claims.

use bson::{doc, Document};

use medsync_core::files::FileKind;

use super::{at_least, json_schema, matching, one_of, schema, HEX_64};

/// The `files` validator (`files_kind_check`, `files_size_check`, `files_sha256_check`):
/// `kind` is `pdf`, `png`, `jpeg` or `dicom`, `size` is a non-negative integer, and `sha256`
/// is 64 lower-case hex digits.
pub(super) fn files() -> Document {
    let kinds = [
        FileKind::Pdf,
        FileKind::Png,
        FileKind::Jpeg,
        FileKind::Dicom,
    ];
    json_schema(schema(
        &["kind", "size", "sha256"],
        doc! {
            "kind": one_of(kinds, false),
            "size": at_least(0),
            "sha256": matching(HEX_64),
        },
    ))
}

/// The `file_uploads` validator: a claim's `size` (the size its file will have) is a
/// non-negative integer, as `files_size_check` requires of the file.
pub(super) fn file_uploads() -> Document {
    json_schema(schema(&["size"], doc! {"size": at_least(0)}))
}
