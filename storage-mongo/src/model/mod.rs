//! Typed documents: how each domain value is laid out in its collection.
//!
//! Every stored field is a typed value (BSON uuid, BSON date, `i64`, string or a serde enum);
//! free-form JSON of the domain (record content, notification data) is stored as JSON text,
//! never as a sub-document, so no caller-supplied key can ever start with `$`.

pub(crate) mod access;
pub(crate) mod audit;
pub(crate) mod billing;
pub(crate) mod files;
pub(crate) mod identity;
pub(crate) mod notify;
pub(crate) mod prescriptions;
pub(crate) mod records;
pub(crate) mod schedule;
pub(crate) mod tokens;
