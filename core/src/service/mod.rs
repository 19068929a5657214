//! The service facade: every use case goes through [`MedSync`].
//!
//! Each call does, in order: authenticate the actor (the caller passes the [`Actor`] returned
//! by [`MedSync::authenticate`]) → ask the policy engine → validate input → one atomic storage
//! call (which appends the audit entry with the change) → notify. Refused and failed calls are
//! audited too.

mod access;
mod accounts;
mod analytics;
mod appointments;
mod audit_log;
mod auth;
mod availability;
mod billing;
mod booking;
mod builder;
mod config;
mod files;
#[cfg(test)]
mod mock_tests;
mod notifications;
mod password_reset;
mod patients;
mod prescriptions;
mod record_guard;
mod record_notes;
mod records;
mod registration;
mod support;

pub use accounts::UserUpdate;
pub use appointments::{AppointmentQuery, BookRequest};
pub use auth::TokenPair;
pub use billing::InvoiceQuery;
pub use builder::MedSyncBuilder;
pub use config::Config;
pub use prescriptions::PrescriptionRequest;
pub use registration::Registration;

use std::sync::Arc;

use crate::auth::{JwtIssuer, PasswordHasher};
use crate::clock::Clock;
use crate::files::FileScanner;
use crate::ids::IdGen;
use crate::notify::Notifier;
use crate::policy::{Actor, PolicyEngine};
use crate::prescriptions::InteractionChecker;
use crate::store::{FileStore, Store};

/// The MedSync service: cheap to clone, share it across tasks.
///
/// Build it with [`MedSync::builder`].
#[derive(Clone)]
pub struct MedSync {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    hasher: Arc<dyn PasswordHasher>,
    jwt: JwtIssuer,
    notifier: Arc<dyn Notifier>,
    interactions: Arc<dyn InteractionChecker>,
    files: Option<Arc<dyn FileStore>>,
    scanner: Arc<dyn FileScanner>,
    policy: PolicyEngine,
    config: Config,
}

impl std::fmt::Debug for MedSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MedSync")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl MedSync {
    /// Starts building a service over `store`, signing access tokens with `jwt_secret`
    /// (at least 32 bytes).
    pub fn builder(store: Arc<dyn Store>, jwt_secret: impl Into<Vec<u8>>) -> MedSyncBuilder {
        MedSyncBuilder::new(store, jwt_secret)
    }

    /// The storage backend (for maintenance jobs and tests).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The policy engine in force.
    pub fn policy(&self) -> &PolicyEngine {
        &self.inner.policy
    }
}

/// Re-exported for callers that hold an actor.
pub type Principal = Actor;
