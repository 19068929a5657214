//! The API, one module per area.
//!
//! Each module exposes `pub const MODULE: Module`: a function building its axum router
//! (absolute paths, handlers taking [`crate::AppState`]) and its utoipa `OpenApi` (the
//! `#[utoipa::path]` of every handler). To add an area:
//!
//! 1. write `routes/<area>.rs` following e.g. [`appointments`] (DTOs in `dto/<area>.rs`);
//! 2. add `pub mod <area>;` below and `<area>::MODULE` to [`MODULES`].
//!
//! The router and `/api/openapi.json` both come from [`MODULES`], so a route cannot be
//! served undocumented by forgetting a second registration.

use axum::Router;

use crate::state::AppState;

pub mod access;
pub mod admin;
pub mod analytics;
pub mod appointments;
pub mod auth;
pub mod billing;
pub mod care_team;
pub mod docs;
pub mod doctors;
pub mod files;
pub mod health;
pub mod invoices;
pub mod notifications;
pub mod patients;
pub mod prescriptions;
pub mod record_history;
pub mod records;

/// One area of the API.
#[derive(Debug, Clone, Copy)]
pub struct Module {
    /// Short name (also the OpenAPI tag).
    pub name: &'static str,
    /// Builds the area's routes.
    pub router: fn() -> Router<AppState>,
    /// The area's OpenAPI description.
    pub openapi: fn() -> utoipa::openapi::OpenApi,
}

/// Every area of the API.
pub const MODULES: &[Module] = &[
    health::MODULE,
    docs::MODULE,
    auth::MODULE,
    admin::MODULE,
    care_team::MODULE,
    patients::MODULE,
    doctors::MODULE,
    appointments::MODULE,
    notifications::MODULE,
    files::MODULE,
    records::MODULE,
    record_history::MODULE,
    prescriptions::MODULE,
    billing::MODULE,
    invoices::MODULE,
    analytics::MODULE,
    access::MODULE,
];

/// The routes of every module, merged.
pub fn router() -> Router<AppState> {
    MODULES
        .iter()
        .fold(Router::new(), |r, m| r.merge((m.router)()))
}
