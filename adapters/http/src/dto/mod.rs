//! Request and response bodies of the API (serde + OpenAPI schemas), mapped from and into
//! core types. Core types are never serialised directly, so the wire format is stable and
//! documented here.
//!
//! Conventions: snake_case fields, RFC 3339 UTC timestamps, ids as UUID strings, request
//! bodies reject unknown fields, lists are [`common::Paged`] (`{items, offset, limit}`).

pub mod access;
pub mod analytics;
pub mod appointments;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod common;
pub mod files;
pub mod notifications;
pub mod patients;
pub mod prescriptions;
mod record_content;
pub mod records;
pub mod scheduling;
pub mod users;
