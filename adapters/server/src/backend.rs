//! Choosing the storage backend from `DATABASE_URL`.

use std::sync::Arc;

use medsync_core::notify::Notifier;
use medsync_core::store::{FileStore, Store};
use medsync_http::live::{self, LiveNotifications};
use medsync_storage_memory::{BroadcastNotifier, MemoryStore};

/// The storage and notification plumbing of one server.
pub struct Backend {
    /// What the startup log calls it.
    pub name: &'static str,
    /// The store.
    pub store: Arc<dyn Store>,
    /// Upload storage.
    pub files: Arc<dyn FileStore>,
    /// Real-time delivery of notifications.
    pub notifier: Arc<dyn Notifier>,
    /// What the WebSocket endpoint subscribes to.
    pub live: Arc<dyn LiveNotifications>,
}

/// The backend `database_url` selects. The URL itself is never echoed (it may hold a
/// password); errors name only its scheme.
pub async fn open(database_url: Option<&str>) -> Result<Backend, String> {
    let scheme = database_url.map(|u| {
        u.split("://")
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    });
    match scheme.as_deref() {
        None | Some("memory") => Ok(memory()),
        // ---------------------------------------------------------------------------------
        // DATABASE BACKENDS — wire medsync-storage-postgres / medsync-storage-mongo here
        // (features `postgres` / `mongo`): connect, run migrations / create indexes, and use
        // the database's pub/sub (LISTEN/NOTIFY, change streams) as notifier + live source.
        // ---------------------------------------------------------------------------------
        #[cfg(feature = "postgres")]
        Some("postgres" | "postgresql") => postgres(database_url.unwrap_or_default()).await,
        #[cfg(not(feature = "postgres"))]
        Some("postgres" | "postgresql") => Err(not_yet("PostgreSQL (postgres://)")),
        #[cfg(feature = "mongo")]
        Some("mongodb" | "mongodb+srv") => mongo(database_url.unwrap_or_default()).await,
        #[cfg(not(feature = "mongo"))]
        Some("mongodb" | "mongodb+srv") => Err(not_yet("MongoDB (mongodb://)")),
        Some(other) => Err(format!(
            "DATABASE_URL: unknown scheme {other:?}; expected memory://, postgres:// or mongodb://"
        )),
    }
}

#[cfg(not(all(feature = "postgres", feature = "mongo")))]
fn not_yet(what: &str) -> String {
    format!(
        "DATABASE_URL selects {what}, which medsync-server does not support yet; \
         unset DATABASE_URL (or use memory://) for the in-memory backend"
    )
}

fn memory() -> Backend {
    let store = MemoryStore::new();
    let notifier = BroadcastNotifier::new();
    let feed = notifier.clone();
    Backend {
        name: "memory (data is lost when the process exits)",
        store: Arc::new(store.clone()),
        files: Arc::new(store),
        notifier: Arc::new(notifier),
        live: live::from_broadcast(move || feed.subscribe()),
    }
}

/// PostgreSQL: migrations run at start; notifications raised by any server process sharing
/// the database reach this one's WebSockets through one LISTEN connection, fanned out locally.
#[cfg(feature = "postgres")]
async fn postgres(url: &str) -> Result<Backend, String> {
    use medsync_storage_postgres::{PgNotifier, PostgresStore};

    let store = PostgresStore::connect(url)
        .await
        .map_err(|e| format!("PostgreSQL: cannot connect: {e}"))?;
    store
        .migrate()
        .await
        .map_err(|e| format!("PostgreSQL: migrations failed: {e}"))?;
    let notifier = PgNotifier::new(store.pool().clone());
    let (tx, _) = tokio::sync::broadcast::channel(1024);
    let hub = tx.clone();
    let watcher = notifier.clone();
    // Listening before the server accepts anything: a notification raised (by any process)
    // once a WebSocket is open must reach it, from the first request on.
    let first = watcher
        .subscribe()
        .await
        .map_err(|e| format!("PostgreSQL: cannot LISTEN for notifications: {e}"))?;
    tokio::spawn(async move {
        let mut current = Some(first);
        loop {
            let subscribed = match current.take() {
                Some(sub) => Ok(sub),
                None => watcher.subscribe().await,
            };
            match subscribed {
                Ok(mut sub) => {
                    while let Some(n) = sub.recv().await {
                        let _ = hub.send(n);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot LISTEN for notifications"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    });
    Ok(Backend {
        name: "PostgreSQL",
        store: Arc::new(store.clone()),
        files: Arc::new(store),
        notifier: Arc::new(notifier),
        live: live::from_broadcast(move || tx.subscribe()),
    })
}

/// MongoDB: collections and indexes are created at start; notifications from every server
/// process sharing the database reach this one's WebSockets through one change stream,
/// fanned out locally.
#[cfg(feature = "mongo")]
async fn mongo(url: &str) -> Result<Backend, String> {
    use medsync_storage_mongo::MongoStore;

    let db = std::env::var("MEDSYNC_MONGO_DB").unwrap_or_else(|_| "medsync".to_owned());
    let store = MongoStore::connect(url, &db)
        .await
        .map_err(|e| format!("MongoDB: cannot connect or create indexes: {e}"))?;
    let notifier = store.notifier();
    let (tx, _) = tokio::sync::broadcast::channel(1024);
    let hub = tx.clone();
    let watcher = notifier.clone();
    // The change stream is open before the server accepts anything (see `postgres`).
    let first = watcher
        .subscribe()
        .await
        .map_err(|e| format!("MongoDB: cannot open the notification change stream: {e}"))?;
    tokio::spawn(async move {
        use futures::StreamExt;
        let mut current = Some(first);
        loop {
            let subscribed = match current.take() {
                Some(stream) => Ok(stream),
                None => watcher.subscribe().await,
            };
            match subscribed {
                Ok(mut stream) => {
                    while let Some(item) = stream.next().await {
                        match item {
                            Ok(n) => {
                                let _ = hub.send(n);
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "notification change stream failed");
                                break;
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot open the notification change stream"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    });
    Ok(Backend {
        name: "MongoDB",
        store: Arc::new(store.clone()),
        files: Arc::new(store),
        notifier: Arc::new(notifier),
        live: live::from_broadcast(move || tx.subscribe()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn selects_memory_and_refuses_databases_without_echoing_the_url() {
        assert!(open(None).await.is_ok());
        assert!(open(Some("memory://")).await.is_ok());
        // An unreachable database fails without echoing the URL's password.
        for url in [
            "postgres://user:s3cret@127.0.0.1:1/medsync?connect_timeout=1",
            "mongodb://user:s3cret@127.0.0.1:1/medsync?serverSelectionTimeoutMS=500&connectTimeoutMS=500",
        ] {
            let err = open(Some(url)).await.err().unwrap();
            assert!(!err.contains("s3cret"), "{err}");
        }
        let err = open(Some("mysql://u:s3cret@db")).await.err().unwrap();
        assert!(err.contains("unknown scheme") && !err.contains("s3cret"));
    }
}
