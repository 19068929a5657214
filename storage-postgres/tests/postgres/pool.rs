//! `pool_options` pings a pooled connection before handing it out only once it has sat idle
//! for the threshold: a connection the server killed while it was idle is then replaced
//! unseen; under the threshold it is handed out, and the caller's query fails once.

use std::time::Duration;

use medsync_storage_postgres::{pool_options, testing};
use sqlx::postgres::PgPool;
use sqlx::{Connection, PgConnection};

/// A one-connection pool whose only connection the server has terminated while it sat idle in
/// the pool; and that connection's backend pid.
async fn pool_with_a_dead_idle_connection(url: &str, ping_idle_after: Duration) -> (PgPool, i32) {
    let pool = pool_options(1, ping_idle_after).connect(url).await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&pool)
        .await
        .unwrap();
    // The connection returns to the pool after its release ping, in a spawned task.
    tokio::time::timeout(Duration::from_secs(30), async {
        while pool.num_idle() < 1 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the connection went back to the pool");
    let mut admin = PgConnection::connect(url).await.unwrap();
    let gone: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1, 30000)")
        .bind(pid)
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert!(gone, "backend {pid} was terminated");
    (pool, pid)
}

async fn backend_pid(pool: &PgPool) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(pool)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_connection_idle_past_the_threshold_is_replaced_unseen() {
    let Some(url) = testing::database_url() else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    // A zero threshold: every connection has been idle long enough to be pinged.
    let (pool, dead) = pool_with_a_dead_idle_connection(&url, Duration::ZERO).await;
    let pid = backend_pid(&pool)
        .await
        .expect("the ping replaced the dead connection");
    assert_ne!(pid, dead);
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_the_threshold_a_dead_connection_fails_one_query() {
    let Some(url) = testing::database_url() else {
        eprintln!("skipped: no database configured (run scripts/test)");
        return;
    };
    let (pool, dead) = pool_with_a_dead_idle_connection(&url, Duration::from_secs(3600)).await;
    assert!(backend_pid(&pool).await.is_err(), "handed out unpinged");
    // The failed connection was discarded; the next query gets a new one.
    let pid = backend_pid(&pool).await.unwrap();
    assert_ne!(pid, dead);
    pool.close().await;
}
