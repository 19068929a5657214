//! Uploaded medical files: metadata, content sniffing and the scanner port. Bytes live behind
//! [`crate::store::FileStore`], which may be a different system from the main store (GridFS,
//! an object store).

mod model;
mod scanner;
mod sniff;

pub use model::{FileKind, StoredFile};
pub use scanner::{EicarScanner, FileScanner, ScanVerdict};
pub use sniff::sniff;
