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

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

mod access;
mod analytics;
mod audit;
mod billing;
mod files;
mod index;
mod notifications;
mod notifier;
mod page;
mod patients;
mod prescriptions;
mod records;
mod schedule;
mod state;
mod tokens;
mod users;

#[cfg(test)]
mod fixtures;

pub use notifier::BroadcastNotifier;

use state::State;

/// The in-memory store. Cheap to clone: clones share the same state.
///
/// Its `Debug` output shows sizes only, never stored data.
#[derive(Clone, Default)]
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

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("MemoryStore");
        // `try_lock`: formatting must never block on (or deadlock with) a holder of the lock.
        match self.inner.try_lock() {
            Ok(st) => d
                .field("users", &st.users.count())
                .field("patients", &st.patients.count())
                .field("appointments", &st.schedule.count())
                .field("audit_entries", &st.audit.count()),
            Err(_) => d.field("state", &"<locked>"),
        };
        d.finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use medsync_core::identity::Role;
    use medsync_core::store::UserStore;

    use crate::fixtures::{event, user};
    use crate::MemoryStore;

    #[tokio::test]
    async fn clones_share_state_and_debug_shows_no_data() {
        let s = MemoryStore::new();
        let u = user(1, "a@example.org", Role::Doctor);
        s.clone().create_user(&u, None, &event("x")).await.unwrap();
        assert!(s.user(u.id).await.unwrap().is_some());
        let text = format!("{s:?}");
        assert!(
            text.contains("users: 1") && text.contains("audit_entries: 1"),
            "{text}"
        );
        assert!(!text.contains("a@example.org"), "{text}");
        let guard = s.lock();
        assert!(format!("{s:?}").contains("<locked>"));
        drop(guard);
    }
}
