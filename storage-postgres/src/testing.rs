//! Test support (feature `testing`): a fresh, migrated database per test.
//!
//! [`fresh_store`] reads `DATABASE_URL` (a role allowed to create databases). Without it the
//! test is skipped (`None`) — unless `CI` is set, where a missing database is a failure and
//! this panics: a database test never passes silently in CI.
//!
//! Each call creates `medsync_t_<unix time>_<uuid>` from a template database that is created
//! and migrated once per schema version (`medsync_tpl_<hash of the migrations>`), under a
//! PostgreSQL advisory lock so that parallel test binaries don't race. Test databases older
//! than an hour are dropped when a process first creates one, which keeps a long-lived
//! development server tidy; a throwaway server is simply deleted after the run.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use medsync_core::audit::AuditEvent;
use medsync_core::ids::UserId;
use medsync_core::scheduling::Appointment;
use medsync_core::store::{AppointmentFilter, BookOutcome, Page, Store};
use medsync_core::Result;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection};
use tokio::sync::OnceCell;

use crate::errors::DbResultExt;
use crate::PostgresStore;

/// Connections per test store: tests run in parallel against one server.
pub const DEFAULT_POOL_SIZE: u32 = 8;

/// Test databases older than this are dropped by the next process that creates one.
const STALE_AFTER: Duration = Duration::from_secs(3600);

/// The advisory-lock key serialising template creation across processes.
const TEMPLATE_LOCK: i64 = 0x6d65_6473_796e_6301;

/// The template this process clones, once created.
static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// Whether the environment says we run in CI (`CI` set to anything but `""`, `0`, `false`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// `DATABASE_URL`, or `None` (outside CI) when no database is configured.
///
/// # Panics
///
/// When `CI` is set and `DATABASE_URL` is not.
pub fn database_url() -> Option<String> {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if in_ci() => panic!(
            "DATABASE_URL is not set but CI is: database tests must run in CI (use scripts/test)"
        ),
        _ => None,
    }
}

/// A fresh, empty, migrated store as `Arc<dyn Store>`, for
/// `medsync_core::conformance_suite!(optional: fresh_store())`. `None` when no database is
/// configured outside CI.
///
/// # Panics
///
/// When no database is configured under `CI`, or the database cannot be prepared.
pub async fn fresh_store() -> Option<Arc<dyn Store>> {
    fresh_postgres_store()
        .await
        .map(|s| Arc::new(s) as Arc<dyn Store>)
}

/// Like [`fresh_store`], as the concrete type (pool of [`DEFAULT_POOL_SIZE`]).
///
/// # Panics
///
/// As [`fresh_store`].
pub async fn fresh_postgres_store() -> Option<PostgresStore> {
    fresh_postgres_store_with(DEFAULT_POOL_SIZE).await
}

/// Like [`fresh_postgres_store`] with a pool of `pool_size` connections.
///
/// # Panics
///
/// As [`fresh_store`].
pub async fn fresh_postgres_store_with(pool_size: u32) -> Option<PostgresStore> {
    let url = database_url()?;
    match fresh_database(&url, pool_size).await {
        Ok(store) => Some(store),
        Err(e) => panic!("could not prepare a test database: {e}"),
    }
}

/// The connect options of the server's database `name`.
fn options(url: &str, name: &str) -> std::result::Result<PgConnectOptions, sqlx::Error> {
    let opts: PgConnectOptions = url.parse()?;
    Ok(opts.database(name).disable_statement_logging())
}

async fn fresh_database(
    url: &str,
    pool_size: u32,
) -> std::result::Result<PostgresStore, Box<dyn std::error::Error>> {
    let template = TEMPLATE
        .get_or_try_init(|| prepare_template(url))
        .await?
        .clone();
    let admin_opts: PgConnectOptions = url.parse()?;
    let mut admin = PgConnection::connect_with(&admin_opts).await?;
    let secs = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let name = format!("medsync_t_{secs}_{}", uuid::Uuid::now_v7().simple());
    let create = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
    let mut attempt = 0;
    loop {
        // Fails while another session is connected to the template; that never lasts.
        match sqlx::query(&create).execute(&mut admin).await {
            Ok(_) => break,
            Err(e) if attempt < 20 => {
                tracing::debug!(error = %e, "retrying CREATE DATABASE");
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    admin.close().await?;
    let pool = crate::pool_options(pool_size, crate::PING_IDLE_AFTER)
        .acquire_timeout(Duration::from_secs(60))
        .connect_with(options(url, &name)?)
        .await?;
    Ok(PostgresStore::from_pool(pool))
}

/// A fingerprint of the embedded migrations: a new schema gets a new template.
fn schema_fingerprint() -> String {
    // FNV-1a over every migration's version and checksum.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for m in PostgresStore::migrator().iter() {
        for b in m.version.to_be_bytes().iter().chain(m.checksum.iter()) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Creates (once per schema, across processes) and returns the migrated template database.
async fn prepare_template(url: &str) -> std::result::Result<String, Box<dyn std::error::Error>> {
    let name = format!("medsync_tpl_{}", schema_fingerprint());
    let admin_opts: PgConnectOptions = url.parse()?;
    let mut admin = PgConnection::connect_with(&admin_opts).await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(TEMPLATE_LOCK)
        .execute(&mut admin)
        .await?;
    let result = create_template_locked(&mut admin, url, &name).await;
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(TEMPLATE_LOCK)
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    result.map(|()| name)
}

async fn create_template_locked(
    admin: &mut PgConnection,
    url: &str,
    name: &str,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    drop_stale(admin, name).await;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut *admin)
            .await?;
    if exists {
        return Ok(());
    }
    // Build under a temporary name, so a crash never leaves a half-migrated template behind.
    let building = format!("{name}_building");
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{building}\""))
        .execute(&mut *admin)
        .await?;
    sqlx::query(&format!("CREATE DATABASE \"{building}\""))
        .execute(&mut *admin)
        .await?;
    {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options(url, &building)?)
            .await?;
        PostgresStore::from_pool(pool.clone()).migrate().await?;
        pool.close().await;
    }
    sqlx::query(&format!(
        "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
    ))
    .execute(&mut *admin)
    .await?;
    // No connections (autovacuum included) may hold the template while it is cloned.
    sqlx::query(&format!(
        "ALTER DATABASE \"{name}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
    ))
    .execute(&mut *admin)
    .await?;
    Ok(())
}

/// Drops test databases older than [`STALE_AFTER`] and templates of other schema versions.
/// Best effort: a database still in use is left alone.
async fn drop_stale(admin: &mut PgConnection, keep_template: &str) {
    let names: Vec<String> = match sqlx::query_scalar(
        "SELECT datname FROM pg_database \
         WHERE datname LIKE 'medsync\\_t\\_%' OR datname LIKE 'medsync\\_tpl\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    {
        Ok(n) => n,
        Err(_) => return,
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    for name in names {
        let stale = if let Some(rest) = name.strip_prefix("medsync_t_") {
            rest.split('_')
                .next()
                .and_then(|s| s.parse::<u64>().ok())
                .is_some_and(|created| now.saturating_sub(created) > STALE_AFTER.as_secs())
        } else {
            // Under the advisory lock nobody else is building, so a `_building` is a leftover.
            name != keep_template
        };
        if !stale {
            continue;
        }
        if name.starts_with("medsync_tpl_") {
            let _ = sqlx::query(&format!("ALTER DATABASE \"{name}\" WITH IS_TEMPLATE false"))
                .execute(&mut *admin)
                .await;
        }
        if let Err(e) = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\""))
            .execute(&mut *admin)
            .await
        {
            tracing::debug!(error = %e, database = %name, "left a stale test database");
        }
    }
}

/// Books without appending an audit entry — the production booking transaction minus its
/// audit statements. Only for measuring what the audit costs (`examples/audit_overhead.rs`);
/// [`medsync_core::store::ScheduleStore::book`] always audits.
pub async fn book_without_audit(
    store: &PostgresStore,
    appointment: &Appointment,
    now: DateTime<Utc>,
) -> Result<BookOutcome> {
    store.book_with(appointment, now, None).await
}

/// Books like [`medsync_core::store::ScheduleStore::book`] (with its audit append), for
/// symmetry with [`book_without_audit`].
pub async fn book_with_audit(
    store: &PostgresStore,
    appointment: &Appointment,
    now: DateTime<Utc>,
    audit: &AuditEvent,
) -> Result<BookOutcome> {
    store.book_with(appointment, now, Some(audit)).await
}

/// The plan (`EXPLAIN (FORMAT JSON)`) PostgreSQL picks for the store's slot-search query,
/// [`medsync_core::store::ScheduleStore::doctor_busy`], with these arguments.
pub async fn explain_doctor_busy(
    store: &PostgresStore,
    doctor: UserId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<serde_json::Value> {
    sqlx::query_scalar(&format!(
        "EXPLAIN (FORMAT JSON) {}",
        crate::appointments::doctor_busy_sql()
    ))
    .bind(doctor.0)
    .bind(from)
    .bind(to)
    .bind(now)
    .fetch_one(&store.pool)
    .await
    .db("explain the slot search")
}

/// The plan PostgreSQL picks for the store's listing query,
/// [`medsync_core::store::ScheduleStore::list_appointments`], with these arguments.
pub async fn explain_list_appointments(
    store: &PostgresStore,
    filter: &AppointmentFilter,
    page: Page,
) -> Result<serde_json::Value> {
    let mut q = crate::appointments::list_query("EXPLAIN (FORMAT JSON) ", filter, page)?;
    q.build_query_scalar()
        .fetch_one(&store.pool)
        .await
        .db("explain the appointment listing")
}
