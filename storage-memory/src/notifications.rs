//! Stored notifications, per user, kept in `(created_at, id)` order.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use medsync_core::ids::{NotificationId, UserId};
use medsync_core::notify::Notification;
use medsync_core::store::{NotificationStore, Page};
use medsync_core::{Error, Result};

use crate::page::paginate;
use crate::MemoryStore;

/// Each user's notifications, oldest first, and every stored id.
#[derive(Debug, Default)]
pub(crate) struct Notifications {
    by_user: HashMap<UserId, Vec<Notification>>,
    ids: HashSet<NotificationId>,
}

impl Notifications {
    fn insert(&mut self, n: &Notification) -> Result<()> {
        if !self.ids.insert(n.id) {
            return Err(Error::conflict(
                "notification id already exists",
                Some(n.id.to_string()),
            ));
        }
        let list = self.by_user.entry(n.user_id).or_default();
        let key = (n.created_at, n.id);
        let at = list.partition_point(|m| (m.created_at, m.id) <= key);
        list.insert(at, n.clone());
        Ok(())
    }

    fn of(&self, user: UserId) -> &[Notification] {
        self.by_user.get(&user).map_or(&[], Vec::as_slice)
    }

    fn mark_read(
        &mut self,
        user: UserId,
        ids: Option<&[NotificationId]>,
        now: DateTime<Utc>,
    ) -> u64 {
        let wanted: Option<HashSet<NotificationId>> = ids.map(|v| v.iter().copied().collect());
        let mut changed = 0;
        for n in self.by_user.get_mut(&user).into_iter().flatten() {
            if n.read_at.is_none() && wanted.as_ref().is_none_or(|w| w.contains(&n.id)) {
                n.read_at = Some(now);
                changed += 1;
            }
        }
        changed
    }
}

#[async_trait]
impl NotificationStore for MemoryStore {
    async fn insert_notification(&self, notification: &Notification) -> Result<()> {
        self.lock().notifications.insert(notification)
    }

    async fn notifications(
        &self,
        user_id: UserId,
        unread_only: bool,
        page: Page,
    ) -> Result<Vec<Notification>> {
        let st = self.lock();
        let rows = st
            .notifications
            .of(user_id)
            .iter()
            .rev()
            .filter(|n| !unread_only || n.read_at.is_none())
            .cloned();
        Ok(paginate(rows, page))
    }

    async fn unread_count(&self, user_id: UserId) -> Result<u64> {
        let st = self.lock();
        let n = st
            .notifications
            .of(user_id)
            .iter()
            .filter(|n| n.read_at.is_none())
            .count();
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    async fn mark_read(
        &self,
        user_id: UserId,
        ids: Option<&[NotificationId]>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        Ok(self.lock().notifications.mark_read(user_id, ids, now))
    }
}
