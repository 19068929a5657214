//! Test support: a fresh store per test on the server named by `MONGODB_URL`.
//!
//! - `MONGODB_URL` unset: every helper returns `None` (tests print that they were skipped),
//!   unless `CI` is set, in which case they panic — under CI a missing database is a failure,
//!   never a silent pass.
//! - On first use in a process, the replica set is initiated if it is not yet
//!   (`replSetInitiate` with the URL's host as the only member; "already initialized" is
//!   fine, so several test processes may race), and the helpers wait until the node is a
//!   writable primary.
//! - One client per process is shared by every store (its connection pool and monitors live
//!   on a dedicated runtime, so they outlive each test's own runtime).
//! - Test databases are named `medsync_t_<uuid v7>`. A store from [`fresh_store`] drops its
//!   database when its last clone is dropped (at the end of the test); databases of that
//!   shape older than ten minutes are dropped, best effort, when a process first connects
//!   (leftovers of processes that exited first). Every database costs the server open files,
//!   so none is kept.
//!
//! These helpers panic on setup failures: they exist for tests.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bson::doc;
use medsync_core::store::{FileStore, Store};
use mongodb::options::ClientOptions;
use mongodb::{Client, Database};
use tokio::runtime::Runtime;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::MongoStore;

/// Prefix of every test database.
pub const TEST_DB_PREFIX: &str = "medsync_t_";

/// How long to wait for the node to become a writable primary.
const PRIMARY_TIMEOUT: Duration = Duration::from_secs(60);

/// Test databases older than this are dropped when a process first connects (no test runs
/// this long; younger ones may belong to a test process running concurrently).
const STALE_AFTER: Duration = Duration::from_secs(600);

/// The runtime owning the shared client's background tasks.
fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("medsync-mongo-test")
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("cannot build the test runtime: {e}"))
    })
}

/// Whether the process runs under CI (`CI` set to anything but empty, `0` or `false`).
fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The configured server, or `None` when none is configured outside CI.
///
/// # Panics
/// When `MONGODB_URL` is unset and `CI` is set.
pub fn mongodb_url() -> Option<String> {
    match std::env::var("MONGODB_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if under_ci() => {
            panic!("CI is set but MONGODB_URL is not: MongoDB tests must not be skipped in CI")
        }
        _ => None,
    }
}

/// Runs `f` on the shared runtime and waits for it.
async fn on_runtime<F>(f: F) -> F::Output
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    runtime()
        .spawn(f)
        .await
        .unwrap_or_else(|e| panic!("test setup task failed: {e}"))
}

/// Whether the node answers `hello` as the writable primary of a replica set.
async fn is_writable_primary(client: &Client) -> bool {
    client
        .database("admin")
        .run_command(doc! {"hello": 1})
        .await
        .is_ok_and(|r| r.get_bool("isWritablePrimary") == Ok(true) && r.contains_key("setName"))
}

/// Initiates the single-node replica set `rs0` unless it is up, then waits until the node
/// is a writable primary.
async fn ensure_replica_set(url: String) {
    let options = ClientOptions::parse(&url)
        .await
        .unwrap_or_else(|e| panic!("MONGODB_URL is not a valid connection string: {e}"));
    let host = options
        .hosts
        .first()
        .map(ToString::to_string)
        .unwrap_or_else(|| panic!("MONGODB_URL names no host"));
    let client = Client::with_options(options)
        .unwrap_or_else(|e| panic!("cannot create a MongoDB client: {e}"));
    if is_writable_primary(&client).await {
        return;
    }
    let initiate = doc! {"replSetInitiate": {"_id": "rs0", "members": [{"_id": 0, "host": &host}]}};
    let initiated = client.database("admin").run_command(initiate).await;
    let mut note = String::new();
    if let Err(e) = initiated {
        match crate::error::code(&e) {
            // AlreadyInitialized: another process won the race.
            Some(23) => {}
            // NoReplicationEnabled: a standalone server cannot run transactions.
            Some(76) => panic!(
                "MongoDB at {host} is not a replica set member (start it with --replSet rs0)"
            ),
            // Anything else is reported only if the node never becomes primary.
            _ => note = format!(" (replSetInitiate: {e})"),
        }
    }
    let started = Instant::now();
    while !is_writable_primary(&client).await {
        if started.elapsed() > PRIMARY_TIMEOUT {
            panic!("MongoDB at {host} did not become a writable primary within 60 s{note}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Drops test databases older than [`STALE_AFTER`] (their names carry a UUID v7 timestamp).
async fn drop_stale_databases(client: &Client) {
    let Ok(names) = client.list_database_names().await else {
        return;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    for name in names {
        let Some(id) = name
            .strip_prefix(TEST_DB_PREFIX)
            .and_then(|s| Uuid::parse_str(s).ok())
        else {
            continue;
        };
        let Some((secs, _)) = id.get_timestamp().map(|t| t.to_unix()) else {
            continue;
        };
        if now.saturating_sub(Duration::from_secs(secs)) > STALE_AFTER {
            let _ = client.database(&name).drop().await;
        }
    }
}

/// The process-wide client, after the replica set is ready; `None` without a server.
///
/// # Panics
/// See [`mongodb_url`]; also when the server cannot be reached or never becomes primary.
pub async fn shared_client() -> Option<Client> {
    static CLIENT: OnceCell<Client> = OnceCell::const_new();
    let url = mongodb_url()?;
    let client = CLIENT
        .get_or_init(|| {
            on_runtime(async move {
                ensure_replica_set(url.clone()).await;
                // A client created after initiation sees the primary from its first check.
                let client = Client::with_uri_str(&url)
                    .await
                    .unwrap_or_else(|e| panic!("cannot connect to MONGODB_URL: {e}"));
                drop_stale_databases(&client).await;
                client
            })
        })
        .await;
    Some(client.clone())
}

/// A client of its own (own pool), for tests that need several independent clients.
/// Use it on the runtime that created it.
///
/// # Panics
/// As [`shared_client`].
pub async fn new_client() -> Option<Client> {
    shared_client().await?;
    let url = mongodb_url()?;
    Some(
        Client::with_uri_str(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to MONGODB_URL: {e}")),
    )
}

/// A new, unused test database name.
pub fn fresh_db_name() -> String {
    format!("{TEST_DB_PREFIX}{}", Uuid::now_v7().simple())
}

/// A store on a fresh database (collections and indexes created), through the shared client;
/// the database is dropped when the store's last clone is.
///
/// # Panics
/// As [`shared_client`], and when the database cannot be initialised.
pub async fn fresh_mongo_store() -> Option<MongoStore> {
    let client = shared_client().await?;
    let name = fresh_db_name();
    let store = MongoStore::from_client(client, &name)
        .await
        .unwrap_or_else(|e| panic!("cannot initialise test database {name}: {e:?}"));
    Some(store.dropping_database_when_unused())
}

/// Drops a test database when dropped itself (on the shared runtime, best effort: a process
/// that exits right away leaves it to the next process's cleanup).
#[derive(Debug)]
pub(crate) struct DropDatabase(Database);

impl DropDatabase {
    /// A guard dropping `db`.
    pub(crate) fn new(db: Database) -> Self {
        Self(db)
    }
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let db = self.0.clone();
        runtime().spawn(async move {
            let _ = db.drop().await;
        });
    }
}

/// [`fresh_mongo_store`] as the `Arc<dyn Store>` the conformance suite takes.
///
/// # Panics
/// As [`fresh_mongo_store`].
pub async fn fresh_store() -> Option<Arc<dyn Store>> {
    let store = fresh_mongo_store().await?;
    Some(Arc::new(store))
}

/// [`fresh_mongo_store`] as the `(Arc<dyn Store>, Arc<dyn FileStore>)` pair the file-store
/// suite takes: both handles are clones of one store on one database.
///
/// # Panics
/// As [`fresh_mongo_store`].
pub async fn fresh_store_with_files() -> Option<(Arc<dyn Store>, Arc<dyn FileStore>)> {
    let store = Arc::new(fresh_mongo_store().await?);
    Some((store.clone() as Arc<dyn Store>, store as Arc<dyn FileStore>))
}
