//! The conformance cases, grouped by area. Each takes a fresh, empty store.

mod access;
mod accounts;
mod analytics;
mod audit;
mod auth;
mod billing;
mod booking_facts;
mod prescriptions;
mod races;
mod records;
mod scheduling;
mod spans;

pub use access::*;
pub use accounts::*;
pub use analytics::*;
pub use audit::*;
pub use auth::*;
pub use billing::*;
pub use booking_facts::*;
pub use prescriptions::*;
pub use races::*;
pub use records::*;
pub use scheduling::*;
pub use spans::*;
