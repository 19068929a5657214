//! # medsync-core
//!
//! The pure domain of MedSync: identity and authentication, the policy engine, scheduling
//! with conflict checks, the tamper-evident audit trail and notifications — behind storage
//! ([`store`]) and delivery ([`notify::Notifier`]) ports. No I/O happens here: backends and
//! adapters live in their own crates.
//!
//! Start with [`service::MedSync`], the facade every use case goes through.

pub mod access;
pub mod analytics;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod clock;
pub mod error;
pub mod export;
pub mod files;
pub mod identity;
pub mod ids;
pub mod notify;
pub mod policy;
pub mod prescriptions;
pub mod records;
pub mod scheduling;
pub mod service;
pub mod store;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use error::{Error, FieldError, Result};
pub use service::MedSync;
