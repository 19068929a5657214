//! The actor's own notifications.

use super::MedSync;
use crate::error::Result;
use crate::ids::NotificationId;
use crate::notify::Notification;
use crate::policy::Actor;
use crate::store::Page;

impl MedSync {
    /// The actor's notifications, newest first.
    pub async fn notifications(
        &self,
        actor: &Actor,
        unread_only: bool,
        page: Page,
    ) -> Result<Vec<Notification>> {
        self.inner
            .store
            .notifications(actor.user_id, unread_only, page.clamped())
            .await
    }

    /// How many of the actor's notifications are unread.
    pub async fn unread_count(&self, actor: &Actor) -> Result<u64> {
        self.inner.store.unread_count(actor.user_id).await
    }

    /// Marks the actor's notifications read (`ids`, or all). Returns how many changed.
    pub async fn mark_read(&self, actor: &Actor, ids: Option<&[NotificationId]>) -> Result<u64> {
        self.inner
            .store
            .mark_read(actor.user_id, ids, self.now())
            .await
    }
}
