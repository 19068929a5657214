//! Report exports (CSV; XLSX lives with billing).

pub mod csv;
