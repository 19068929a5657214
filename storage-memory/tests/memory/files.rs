//! The file-store conformance cases, run against the in-memory backend.

use std::sync::Arc;

use medsync_storage_memory::MemoryStore;

medsync_core::file_store_suite!(async {
    let store = Arc::new(MemoryStore::new());
    (
        store.clone() as Arc<dyn medsync_core::store::Store>,
        store as Arc<dyn medsync_core::store::FileStore>,
    )
});
