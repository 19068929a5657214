//! # medsync-http
//!
//! The HTTP adapter of MedSync: an [axum] [`Router`] to mount in a host application (or to
//! serve on its own with the `medsync-server` binary).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::{net::SocketAddr, sync::Arc};
//! use medsync_core::{auth::Argon2Hasher, MedSync};
//! use medsync_http::{live, AppState, BlockingHasher, HttpConfig};
//! use medsync_storage_memory::{BroadcastNotifier, MemoryStore};
//!
//! let store = MemoryStore::new();
//! let notifier = BroadcastNotifier::new();
//! let svc = MedSync::builder(Arc::new(store.clone()), std::env::var("JWT_SECRET")?)
//!     .notifier(Arc::new(notifier.clone()))
//!     .hasher(Arc::new(BlockingHasher::new(Argon2Hasher::owasp())))
//!     .files(Arc::new(store))
//!     .build()?;
//! let live = live::from_broadcast(move || notifier.subscribe());
//! let app = medsync_http::router(AppState::new(svc, live, HttpConfig::default()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
//! # Ok(()) }
//! ```
//!
//! Serve with `into_make_service_with_connect_info::<SocketAddr>()`: per-IP rate limiting
//! keys on the peer address (or on `X-Forwarded-For` when
//! [`RateLimitConfig::trust_forwarded_for`] is set behind a proxy).
//!
//! ## Conventions (read before adding routes)
//!
//! * **Handlers are thin**: parse → one [`medsync_core::MedSync`] call → respond. Policy,
//!   validation beyond parsing, and every business rule live in the core.
//! * **One module per area** in [`routes`]: it exposes `pub const MODULE: Module` (its axum
//!   router and its utoipa `OpenApi`), and [`routes::MODULES`] lists every module — adding an
//!   area is one line there. Paths are absolute (`/api/...`) and written once in the router
//!   and once in `#[utoipa::path]`.
//! * **Request/response types** are adapter DTOs in [`dto`] (serde + `utoipa::ToSchema`),
//!   mapped from and into core types with `From` / `into_core` functions; core types are never
//!   serialised directly.
//! * **Extractors** ([`extract`]): [`AuthUser`] (Bearer access token → `Actor`, with the
//!   per-user rate limit), [`ApiJson`] (JSON body: malformed → 400, wrong shape → 422 naming
//!   the field, wrong content type → 415, too large → 413), [`ApiQuery`] (query string → 422
//!   naming the parameter), [`ApiPath`] (a malformed id in the path → 404), and [`IfMatch`]
//!   ([`etag`]).
//! * **Errors**: handlers return [`ApiResult`]; [`ApiError`] wraps [`medsync_core::Error`] and
//!   renders `application/problem+json` (see [`error`] for the status table).
//! * **Versions**: responses of versioned resources carry `ETag: "<version>"` ([`Versioned`]);
//!   writes accept an optional `If-Match` (or require it with [`IfMatch::required`] → 428).
//! * **Creation** answers 201 with `Location` (see `routes::patients::create`); deletions
//!   that keep the resource (archive, cancel) answer 200 with it, true removals 204.
//! * **Lists** answer [`dto::common::Paged`] from `offset` / `limit` query parameters
//!   ([`dto::common::page`]).
//! * **Body size**: JSON bodies are capped at [`HttpConfig::max_json_bytes`] for every route.
//!   An upload route lifts that cap on itself with `.layer(DefaultBodyLimit::disable())` and
//!   enforces [`HttpConfig::max_upload_bytes`] while reading the multipart stream (answering
//!   `Error::PayloadTooLarge` → 413); the service checks its own limit again. The
//!   [`upload`] extractors ([`upload::FileUpload`], [`upload::RecordUpload`]) do exactly that.
//! * **Files out** (downloads, CSV/XLSX exports) are [`download::Attachment`]s: the type the
//!   server decided, `Content-Disposition: attachment` with a safely quoted name, `nosniff`.

pub mod config;
pub mod download;
pub mod dto;
pub mod error;
pub mod etag;
pub mod extract;
pub mod hasher;
pub mod live;
pub mod mailer;
pub mod metrics;
pub mod openapi;
pub mod rate_limit;
pub mod routes;
pub mod state;
pub mod upload;

mod layers;
mod ws;

pub use config::{HttpConfig, RateLimitConfig, RateQuota};
pub use error::{ApiError, ApiResult, Problem};
pub use etag::{IfMatch, Versioned};
pub use extract::{ApiJson, ApiPath, ApiQuery, AuthUser, IdempotencyKey};
pub use hasher::BlockingHasher;
pub use live::LiveNotifications;
pub use mailer::{LogResetMailer, ResetMailer};
pub use state::AppState;

use axum::Router;

/// The complete MedSync HTTP API over `state`: every [`routes::MODULES`] entry, the problem+json
/// fallbacks, and the middleware stack (panic catcher, request ids, tracing spans, CORS,
/// metrics, per-IP rate limiting, body size limit).
pub fn router(state: AppState) -> Router {
    layers::apply(routes::router(), state)
}
