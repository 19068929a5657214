//! The connection pool settings the store uses, and recommends to embedders who build their
//! own pool for [`crate::PostgresStore::from_pool`].
//!
//! sqlx's default pings every connection when the pool hands it out (`test_before_acquire`),
//! on top of the ping it always sends when a connection comes back. A booking through
//! `MedSync::book` takes a connection four times, so the default costs four extra round trips
//! per booking on a busy pool — where every connection was verified by its release ping
//! moments before. These options ping only a connection that has sat idle for
//! [`PING_IDLE_AFTER`] or longer: the case the check exists for (the server restarted, a
//! firewall dropped the session), without paying for it under load.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::Connection;

/// A pooled connection idle for at least this long is pinged before it is handed out; a dead
/// one is closed and replaced, so the caller never sees it.
pub const PING_IDLE_AFTER: Duration = Duration::from_secs(1);

/// Pool options with at most `max_connections` connections that ping a connection before
/// handing it out only when it has been idle for `ping_idle_after` or longer
/// ([`PING_IDLE_AFTER`] is the store's choice; `Duration::ZERO` pings every time, as sqlx's
/// default does). Every other setting is sqlx's default; add timeouts as you need.
pub fn pool_options(max_connections: u32, ping_idle_after: Duration) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .test_before_acquire(false)
        .before_acquire(move |conn, meta| {
            Box::pin(async move {
                // `false` drops a dead connection quietly (an error would be logged as a
                // warning); the pool then takes or opens another.
                Ok(meta.idle_for < ping_idle_after || conn.ping().await.is_ok())
            })
        })
}
