//! Electronic medical records: immutable versions, history, diffs, restores and notes.
//!
//! [`validate_content`] checks a version's content before it is stored; [`diff`] compares two
//! versions as an RFC 6902 JSON Patch. The use cases live on [`crate::MedSync`]
//! (`create_record`, `amend_record`, `restore_record`, `record_history`, `diff_record`, …).

mod diff;
mod model;
mod validate;

pub use diff::{diff, diff_json, PatchOperation};
pub use model::{
    AllergySeverity, DiagnosisStatus, MedicalRecord, RecordContent, RecordNote, RecordVersion,
    VersionChange,
};
pub(crate) use validate::check_content;
pub use validate::{
    validate_content, MAX_CODE, MAX_DESCRIPTION, MAX_NAME, MAX_TEXT, MAX_VALUE_JSON,
};
