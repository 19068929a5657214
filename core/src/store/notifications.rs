use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::Page;
use crate::error::Result;
use crate::ids::{NotificationId, UserId};
use crate::notify::Notification;

/// Stored notifications, per user.
#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Stores a notification.
    async fn insert_notification(&self, notification: &Notification) -> Result<()>;

    /// The user's notifications, newest first; only unread ones if `unread_only`.
    async fn notifications(
        &self,
        user_id: UserId,
        unread_only: bool,
        page: Page,
    ) -> Result<Vec<Notification>>;

    /// How many of the user's notifications are unread.
    async fn unread_count(&self, user_id: UserId) -> Result<u64>;

    /// Marks the user's notifications read at `now`: those in `ids`, or all when `ids` is
    /// `None`. Ids of other users' notifications are ignored. Returns how many changed.
    async fn mark_read(
        &self,
        user_id: UserId,
        ids: Option<&[NotificationId]>,
        now: DateTime<Utc>,
    ) -> Result<u64>;
}
