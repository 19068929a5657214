//! Electronic medical records: immutable versions, history, diffs, restores and notes.

mod model;

pub use model::{
    AllergySeverity, DiagnosisStatus, MedicalRecord, RecordContent, RecordNote, RecordVersion,
    VersionChange,
};
