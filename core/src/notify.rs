//! Notifications: stored per user and pushed through the [`Notifier`] port.

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::{NotificationId, UserId};

/// Kinds of notification MedSync raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotificationKind {
    /// A new appointment (hold) was booked.
    AppointmentBooked,
    /// An appointment was confirmed.
    AppointmentConfirmed,
    /// An appointment was moved.
    AppointmentRescheduled,
    /// An appointment was cancelled.
    AppointmentCancelled,
    /// An appointment was completed.
    AppointmentCompleted,
    /// The patient was marked as no-show.
    AppointmentNoShow,
    /// A clinician opened the chart through break-glass.
    BreakGlassAccess,
    /// The user's account was approved or changed by an admin.
    AccountChanged,
    /// A caregiver was granted or lost access.
    AccessGrantChanged,
    /// A medical record of the recipient's chart was created or amended.
    RecordChanged,
    /// A prescription was issued or changed.
    PrescriptionIssued,
    /// An invoice was issued or changed.
    InvoiceIssued,
}

/// A message for one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Id.
    pub id: NotificationId,
    /// Recipient.
    pub user_id: UserId,
    /// Kind.
    pub kind: NotificationKind,
    /// Human-readable message (no clinical content beyond what the recipient may see).
    pub message: String,
    /// Structured data, e.g. `{"appointment_id": "…"}`.
    pub data: serde_json::Value,
    /// When raised.
    pub created_at: DateTime<Utc>,
    /// When the recipient marked it read.
    pub read_at: Option<DateTime<Utc>>,
}

/// Delivers notifications in real time (WebSocket fan-out, database pub/sub, e-mail …).
///
/// Delivery is best effort: MedSync stores every notification before calling the notifier,
/// and a notifier error is logged, never propagated into the operation that raised it.
#[async_trait]
pub trait Notifier: Send + Sync + 'static {
    /// Delivers one stored notification.
    async fn deliver(&self, notification: &Notification) -> Result<()>;
}

/// A notifier that does nothing (notifications are still stored).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoopNotifier;

#[async_trait]
impl Notifier for NoopNotifier {
    async fn deliver(&self, _: &Notification) -> Result<()> {
        Ok(())
    }
}

/// A notifier that keeps what it delivered in memory, for tests and examples.
#[derive(Debug, Default)]
pub struct CollectingNotifier {
    delivered: Mutex<Vec<Notification>>,
}

impl CollectingNotifier {
    /// Everything delivered so far, oldest first.
    pub fn delivered(&self) -> Vec<Notification> {
        self.delivered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

#[async_trait]
impl Notifier for CollectingNotifier {
    async fn deliver(&self, notification: &Notification) -> Result<()> {
        self.delivered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(notification.clone());
        Ok(())
    }
}
