//! # medsync-storage-postgres
//!
//! A PostgreSQL backend for MedSync: [`PostgresStore`] implements every storage port of
//! [`medsync_core::store`] with sqlx — the whole [`Store`](medsync_core::store::Store) and
//! [`FileStore`](medsync_core::store::FileStore) — and [`PgNotifier`] delivers notifications
//! across server processes through `LISTEN`/`NOTIFY`. The schema ships as embedded migrations
//! ([`PostgresStore::migrate`]); queries are checked at run time, no database is needed to
//! build.
//!
//! Invariants live in the database, never in check-then-act code:
//!
//! - no two active appointments overlap for a doctor (buffer included) or a patient: two
//!   `EXCLUDE USING gist` constraints (`appointments_doctor_overlap`,
//!   `appointments_patient_overlap`); a violation becomes [`medsync_core::Error::Conflict`]
//!   naming the blocking appointment. Writers that could collide queue on advisory locks of
//!   the doctor's and the patient's calendars first (concurrent conflicting inserts into an
//!   exclusion index would deadlock); unrelated bookings never share a lock;
//! - idempotent booking, unique emails and MRNs, one invoice per appointment: unique
//!   constraints, written with `INSERT … ON CONFLICT DO NOTHING` where a duplicate is not an
//!   error;
//! - every update is a compare-and-set (`UPDATE … WHERE version = $expected`); refresh-token
//!   rotation and reset-token use are single conditional `UPDATE`s;
//! - record versions, record notes, file contents and the audit log are append-only
//!   (triggers).
//!
//! Every violated constraint maps by name to `Conflict`, `NotFound` or `InvalidInput`; other
//! database failures become `Backend` errors whose message names the operation, never SQL or
//! a connection string.
//!
//! Every write that carries an [`AuditEvent`](medsync_core::audit::AuditEvent) appends it in
//! the same transaction, as its last statement, to one of [`AUDIT_CHAINS`] hash chains (by
//! chart), so unrelated writes never queue on one lock.
//!
//! ```no_run
//! # async fn demo() -> medsync_core::Result<()> {
//! use std::sync::Arc;
//! use medsync_storage_postgres::{PgNotifier, PostgresStore};
//!
//! let store = PostgresStore::connect("postgres://medsync@localhost/medsync").await?;
//! store.migrate().await?;
//! let notifier = PgNotifier::new(store.pool().clone());
//! let secret = b"a-secret-of-32-bytes-or-more!!!!".to_vec();
//! let svc = medsync_core::MedSync::builder(Arc::new(store), secret)
//!     .notifier(Arc::new(notifier))
//!     .build()?;
//! # let _ = svc; Ok(()) }
//! ```
//!
//! With the `testing` feature, `testing::fresh_store()` gives each test a fresh, migrated
//! database (from `DATABASE_URL`), for the shared conformance suite and embedders' own tests.

use std::fmt;

use medsync_core::{Error, Result};
use sqlx::migrate::Migrator;
use sqlx::postgres::PgPool;
use sqlx::{Postgres, Transaction};

mod access;
mod analytics;
mod appointments;
mod audit;
mod availability;
mod billing;
mod booking_facts;
mod constraints;
mod convert;
mod errors;
mod files;
mod notifications;
mod notifier;
mod patients;
mod pool;
mod prescriptions;
mod records;
mod retry;
mod schedule;
mod tokens;
mod users;

#[cfg(feature = "testing")]
pub mod testing;

pub use audit::AUDIT_CHAINS;
pub use notifier::{PgNotifier, Subscription, NOTIFY_CHANNEL};
pub use pool::{pool_options, PING_IDLE_AFTER};

use errors::DbResultExt;

/// The embedded migrations (the `migrations/` directory of this crate).
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The PostgreSQL store. Cheap to clone: clones share one connection pool.
///
/// Its `Debug` output never shows the connection string.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects a pool (10 connections at most; [`pool_options`] with [`PING_IDLE_AFTER`]) to
    /// `url`. Does not migrate: call [`PostgresStore::migrate`] (or run
    /// [`PostgresStore::migrator`] from a deploy job).
    ///
    /// Errors are `Backend` errors whose message never contains the URL.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = pool_options(10, PING_IDLE_AFTER)
            .connect(url)
            .await
            .db("connect to PostgreSQL")?;
        Ok(Self::from_pool(pool))
    }

    /// A store over an existing pool (size and timeouts are the caller's choice; [`pool_options`]
    /// gives the settings [`PostgresStore::connect`] uses).
    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The underlying pool, for the embedder's own queries and health checks.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The embedded migrations, for deploy tooling (`PostgresStore::migrator().run(&pool)`).
    pub fn migrator() -> &'static Migrator {
        &MIGRATOR
    }

    /// Applies every pending embedded migration. Safe to call from several processes at once
    /// (sqlx serialises them with an advisory lock) and on every start.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| Error::backend("could not apply the database migrations", e))
    }

    /// Starts a transaction (READ COMMITTED; every conditional write states its own guard).
    async fn begin(&self) -> Result<Transaction<'static, Postgres>> {
        self.pool.begin().await.db("start a transaction")
    }
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("connections", &self.pool.size())
            .field("idle", &self.pool.num_idle())
            .finish_non_exhaustive()
    }
}
