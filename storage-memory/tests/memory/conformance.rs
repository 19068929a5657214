//! The shared conformance suite, run against the in-memory backend.

use std::sync::Arc;

use medsync_storage_memory::MemoryStore;

medsync_core::conformance_suite!(async { Arc::new(MemoryStore::new()) });
