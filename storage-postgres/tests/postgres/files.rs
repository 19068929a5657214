//! The file-store conformance cases against PostgreSQL (one fresh database per case).

use std::sync::Arc;

use medsync_core::store::{FileStore, Store};

medsync_core::file_store_suite!(optional: async {
    medsync_storage_postgres::testing::fresh_postgres_store()
        .await
        .map(|s| {
            let s = Arc::new(s);
            (s.clone() as Arc<dyn Store>, s as Arc<dyn FileStore>)
        })
});
