//! # MedSync
//!
//! An embeddable library for healthcare appointment booking and clinical records, with
//! pluggable storage. This facade re-exports the domain ([`core`]) and the backends enabled
//! by features:
//!
//! | feature | backend |
//! |---|---|
//! | `memory` (default) | [`memory::MemoryStore`] — in-process, for tests, demos, small embeds |
//!
//! ```no_run
//! use std::sync::Arc;
//! use medsync::{MedSync, memory::MemoryStore};
//!
//! # async fn demo() -> medsync::Result<()> {
//! let svc = MedSync::builder(Arc::new(MemoryStore::new()), std::env::var("JWT_SECRET").unwrap())
//!     .build()?;
//! svc.bootstrap_admin("admin@clinic.example", "Ada Admin", "plum kettle orbit lantern").await?;
//! let tokens = svc.login("admin@clinic.example", "plum kettle orbit lantern").await?;
//! let admin = svc.authenticate(&tokens.access_token).await?;
//! # let _ = admin; Ok(()) }
//! ```

#[cfg(all(doctest, feature = "memory"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use medsync_core as core;
pub use medsync_core::service::{
    AppointmentQuery, BookRequest, Config, InvoiceQuery, MedSyncBuilder, PrescriptionRequest,
    Registration, TokenPair, UserUpdate,
};
pub use medsync_core::{Error, FieldError, MedSync, Result};

/// The in-memory backend (feature `memory`).
#[cfg(feature = "memory")]
pub mod memory {
    pub use medsync_storage_memory::{BroadcastNotifier, MemoryStore};
}

/// The PostgreSQL backend (feature `postgres`).
#[cfg(feature = "postgres")]
pub mod postgres {
    pub use medsync_storage_postgres::{PgNotifier, PostgresStore};
}

/// The HTTP adapter: an axum router to mount in a host application (feature `http`).
#[cfg(feature = "http")]
pub mod http {
    pub use medsync_http::{router, AppState, BlockingHasher, HttpConfig, LiveNotifications};
}

/// The MongoDB backend (feature `mongo`).
#[cfg(feature = "mongo")]
pub mod mongo {
    pub use medsync_storage_mongo::{MongoNotifier, MongoStore};
}
