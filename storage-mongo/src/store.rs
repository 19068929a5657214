//! [`MongoStore`]: the handle every storage trait is implemented on.

use std::fmt;
use std::sync::Arc;

use bson::Document;
use medsync_core::Result;
use mongodb::gridfs::GridFsBucket;
use mongodb::options::{GridFsBucketOptions, WriteConcern};
use mongodb::{Client, Collection, Database};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::chains::{ChainLeases, Lease};
use crate::error;
use crate::notifier::MongoNotifier;
use crate::schema;

/// A MedSync store in one MongoDB database. Cheap to clone: clones share the client.
///
/// The deployment must be a replica set (one node is enough) because every conditional write
/// is a multi-document transaction. The database's collections and indexes are created by
/// [`MongoStore::connect`] and [`MongoStore::from_client`] (see [`MongoStore::init`]).
///
/// Its `Debug` output names the database only, never the connection string.
#[derive(Clone)]
pub struct MongoStore {
    client: Client,
    db: Database,
    /// The GridFS bucket of uploaded files' bytes ([`schema::FILES_BUCKET`]); one per store
    /// so that the driver checks the bucket's indexes once.
    bucket: GridFsBucket,
    /// Which audit chains this handle's transactions hold, so that concurrent transactions
    /// through one handle append to different chain heads.
    chains: Arc<ChainLeases>,
    /// Test support only: drops the database when the last clone of the store is dropped.
    cleanup: Option<Arc<crate::testing::DropDatabase>>,
}

impl MongoStore {
    /// Connects to `uri` (a `mongodb://` connection string naming a replica set) and opens
    /// the database `db_name`, creating its collections and indexes if missing.
    ///
    /// Errors are `Backend` with a message that never contains the connection string.
    pub async fn connect(uri: &str, db_name: &str) -> Result<Self> {
        let client = Client::with_uri_str(uri)
            .await
            .map_err(|e| error::backend(&e, "connecting"))?;
        Self::from_client(client, db_name).await
    }

    /// Opens the database `db_name` through an existing client (share one client per process:
    /// it owns the connection pool), creating collections and indexes if missing.
    pub async fn from_client(client: Client, db_name: &str) -> Result<Self> {
        let db = client.database(db_name);
        let bucket = db.gridfs_bucket(
            GridFsBucketOptions::builder()
                .bucket_name(schema::FILES_BUCKET.to_owned())
                .write_concern(WriteConcern::majority())
                .build(),
        );
        let store = Self {
            db,
            bucket,
            client,
            chains: Arc::new(ChainLeases::default()),
            cleanup: None,
        };
        store.init().await?;
        Ok(store)
    }

    /// Creates every collection, every index (unique ones enforce the invariants) and the
    /// audit chain heads, if missing. Idempotent; safe to run from several processes at once.
    pub async fn init(&self) -> Result<()> {
        schema::init(&self.db).await
    }

    /// The database, for operators (backups, inspection) and embedders' own collections.
    /// Writing MedSync's collections directly bypasses every invariant.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The client (shared connection pool).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A notifier over this database: see [`MongoNotifier`].
    pub fn notifier(&self) -> MongoNotifier {
        MongoNotifier::new(self)
    }

    /// This store, dropping its whole database once the last clone is dropped (test support).
    pub(crate) fn dropping_database_when_unused(mut self) -> Self {
        self.cleanup = Some(Arc::new(crate::testing::DropDatabase::new(self.db.clone())));
        self
    }

    /// A typed handle on collection `name`.
    pub(crate) fn coll<T: Send + Sync + Serialize + DeserializeOwned>(
        &self,
        name: &str,
    ) -> Collection<T> {
        self.db.collection(name)
    }

    /// An untyped handle on collection `name`.
    pub(crate) fn raw(&self, name: &str) -> Collection<Document> {
        self.db.collection(name)
    }

    /// The GridFS bucket of uploaded files' bytes.
    pub(crate) fn bucket(&self) -> &GridFsBucket {
        &self.bucket
    }

    /// Leases an audit chain for one transaction (waiting while every chain is leased).
    pub(crate) async fn lease_chain(&self) -> Lease<'_> {
        self.chains.acquire().await
    }

    /// This handle's audit chains (leases and head hints).
    pub(crate) fn chains(&self) -> &ChainLeases {
        &self.chains
    }
}

impl fmt::Debug for MongoStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MongoStore")
            .field("database", &self.db.name())
            .finish_non_exhaustive()
    }
}
