//! The tamper-evident audit trail: events, hash chaining and verification.

pub mod chain;
mod model;

pub use chain::{verify, ChainReport, VerifyReport};
pub use model::{AuditEntry, AuditEvent, Outcome};
