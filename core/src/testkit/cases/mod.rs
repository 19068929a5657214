//! The conformance cases, grouped by area. Each takes a fresh, empty store.

mod access;
mod accounts;
mod audit;
mod auth;
mod races;
mod scheduling;

pub use access::*;
pub use accounts::*;
pub use audit::*;
pub use auth::*;
pub use races::*;
pub use scheduling::*;
