//! # medsync-storage-memory
//!
//! An in-memory MedSync backend: [`MemoryStore`] implements every storage port of
//! [`medsync_core::store`], for tests, demos and small embeds. [`BroadcastNotifier`] is the
//! matching in-process [`medsync_core::notify::Notifier`] for real-time fan-out.
//!
//! All state sits behind one mutex. Each call takes the lock once and performs its checks,
//! its writes and its audit append before releasing it, so every conditional write is atomic
//! and no change is ever visible without its audit entry. Appointments are indexed by start
//! per doctor and per patient, so collision checks stay `O(log n + k)` even for calendars with
//! millions of appointments.

use std::sync::{Arc, Mutex, MutexGuard};

mod access;
mod audit;
mod index;
mod notifications;
mod notifier;
mod page;
mod patients;
mod schedule;
mod state;
mod tokens;
mod users;

#[cfg(test)]
mod fixtures;

pub use notifier::BroadcastNotifier;

use state::State;

/// The in-memory store. Cheap to clone: clones share the same state.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<State>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Locks the state, recovering it if a previous holder panicked.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}
