//! The storage port: what a backend must do, one trait per aggregate.
//!
//! Every conditional write is a single method whose documentation states its contract and
//! atomicity; check-then-act across two calls is a bug. Writes that change state take the
//! [`AuditEvent`](crate::audit::AuditEvent) that records them and must append it in the same
//! atomic step, so a change is never stored without its audit entry. Backends prove their
//! conformance by running the conformance suite of the `testkit` module (feature `testkit`).

mod access;
mod analytics;
mod audit;
mod billing;
mod files;
mod identity;
mod notifications;
mod prescriptions;
mod records;
mod schedule;
mod tokens;

pub use access::AccessStore;
pub use analytics::AnalyticsStore;
pub use audit::{AuditFilter, AuditStore};
pub use billing::{BillingStore, Completion, InvoiceFilter};
pub use files::FileStore;
pub use identity::{PatientFilter, PatientStore, UserFilter, UserStore};
pub use notifications::NotificationStore;
pub use prescriptions::PrescriptionStore;
pub use records::RecordStore;
pub use schedule::{AppointmentFilter, BookOutcome, BookingFacts, ChartState, ScheduleStore};
pub use tokens::TokenStore;

use serde::{Deserialize, Serialize};

/// Offset pagination. `limit` is clamped to `1..=Page::MAX_LIMIT` by the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return at most.
    pub limit: u32,
}

impl Page {
    /// The largest page a caller may ask for.
    pub const MAX_LIMIT: u32 = 500;

    /// The first `limit` rows.
    pub fn first(limit: u32) -> Self {
        Self { offset: 0, limit }.clamped()
    }

    /// The page with `limit` clamped to `1..=MAX_LIMIT`.
    pub fn clamped(self) -> Self {
        Self {
            offset: self.offset,
            limit: self.limit.clamp(1, Self::MAX_LIMIT),
        }
    }
}

impl Default for Page {
    fn default() -> Self {
        Self {
            offset: 0,
            limit: 50,
        }
    }
}

/// Everything a MedSync backend implements. Blanket-implemented for any type that implements
/// all the store traits, so `Arc<dyn Store>` is what the service holds.
pub trait Store:
    UserStore
    + PatientStore
    + TokenStore
    + ScheduleStore
    + AccessStore
    + AuditStore
    + NotificationStore
    + RecordStore
    + PrescriptionStore
    + BillingStore
    + AnalyticsStore
{
}

impl<T> Store for T where
    T: UserStore
        + PatientStore
        + TokenStore
        + ScheduleStore
        + AccessStore
        + AuditStore
        + NotificationStore
        + RecordStore
        + PrescriptionStore
        + BillingStore
        + AnalyticsStore
{
}
