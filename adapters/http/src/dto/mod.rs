//! Request and response bodies of the API (serde + OpenAPI schemas), mapped from and into
//! core types. Core types are never serialised directly, so the wire format is stable and
//! documented here.
//!
//! Conventions: snake_case fields, RFC 3339 UTC timestamps, ids as UUID strings, request
//! bodies reject unknown fields, lists are [`common::Paged`] (`{items, offset, limit}`).

pub mod appointments;
pub mod audit;
pub mod auth;
pub mod common;
pub mod notifications;
pub mod patients;
pub mod scheduling;
pub mod users;
